// Autosave of the score sheet: every change is PUT (idempotent) after a short pause.
// A partial sheet is stored as a draft; a complete one counts. Errors are shown, never swallowed.
import { api } from "/static/common/api.js";
import { showError } from "/static/common/dom.js";

const form = document.getElementById("sheet");
const state = document.getElementById("save-state");
const error = document.getElementById("save-error");
const total = document.getElementById("total");
const PAUSE_MS = 500;
let timer = null;
let inflight = Promise.resolve();

function body() {
  const sheet = {};
  for (const input of form.querySelectorAll("input[type=number]")) {
    if (input.value.trim() !== "") sheet[input.name] = input.value.trim();
  }
  return { sheet, comment: form.querySelector("#comment").value };
}

function show(text, cls) {
  state.textContent = text;
  state.className = `save-state ${cls}`;
}

async function save() {
  show("保存中… saving…", "saving");
  let answer;
  try {
    answer = await api("PUT", form.dataset.url, body());
  } catch (failure) {
    showError(error, failure);
    show("未保存 not saved", "failed");
    return;
  }
  error.hidden = true;
  total.textContent = answer.total || "—";
  const at = new Date().toLocaleTimeString("zh-CN", { hour12: false });
  if (answer.status === "complete") show(`已完成，已保存 ${at} · complete, saved`, "complete");
  else show(`草稿已保存 ${at} · draft saved`, "draft");
}

// One save at a time, in order: a later sheet never lands before an earlier one.
function schedule() {
  clearTimeout(timer);
  timer = setTimeout(() => {
    inflight = inflight.then(save, save);
  }, PAUSE_MS);
}

if (form && !form.dataset.locked) {
  form.addEventListener("input", schedule);
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    schedule();
  });
}
