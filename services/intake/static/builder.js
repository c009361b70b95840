// The campaign builder: a structured form and a YAML pane over one definition, checked as the admin
// types by the server's own model (POST /api/campaigns/lint), each problem shown beside its field.
// A new campaign is created with POST /api/campaigns; an existing one is saved after its diff is
// shown, by PUT (not yet open) or as a live change with a reason (running), or refused with why.
import { api } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";
import { setAt, valueOf } from "./builder_fields.js";
import { drawPreview, drawSections } from "./builder_render.js";

const cid = document.getElementById("page").dataset.campaign;
const sections = document.getElementById("sections");
const pane = document.getElementById("yaml");
const list = document.getElementById("problems");
const banner = document.getElementById("builder-banner");
const status = document.getElementById("status");
let state = JSON.parse(document.getElementById("start").textContent);
let checked = null; // the last answer of the check, for the state as it was sent
let timer = null;

function redraw() {
  drawSections(sections, state, changed, () => {
    redraw();
    soon(checkForm);
  });
  drawPreview(document.getElementById("preview"), state);
  if (checked) place(checked.problems);
}

function changed(path, column, input) {
  setAt(state, path, valueOf(column, input));
  if (column.restructures) redraw();
  drawPreview(document.getElementById("preview"), state);
  soon(checkForm);
}

function soon(check) {
  clearTimeout(timer);
  status.textContent = "检查中… checking";
  timer = setTimeout(() => check().catch((error) => showError(banner, error)), 300);
}

async function checkForm() {
  const sent = JSON.stringify(state);
  const answer = await api("POST", "/api/campaigns/lint", { definition: state });
  if (sent !== JSON.stringify(state)) return answer; // typed on meanwhile: the next check shows
  checked = answer;
  if (document.activeElement !== pane) pane.value = answer.definition_yaml;
  show(answer.problems);
  return answer;
}

async function checkYaml() {
  const answer = await api("POST", "/api/campaigns/lint", { definition_yaml: pane.value });
  checked = answer;
  if (answer.definition) {
    state = answer.definition;
    redraw();
  }
  show(answer.problems);
  return answer;
}

// Each problem beside its field (or the nearest field under its path), and all in the list.
function place(problems) {
  for (const field of sections.querySelectorAll(".field.invalid, .field.warned")) {
    field.classList.remove("invalid", "warned");
    field.querySelector(".error").textContent = "";
  }
  for (const p of problems) {
    const field =
      sections.querySelector(`.field[data-path="${CSS.escape(p.path)}"]`) ||
      sections.querySelector(`.field[data-path^="${CSS.escape(p.path)}."], .field[data-path^="${CSS.escape(p.path)}["]`);
    if (!field) continue;
    field.classList.add(p.severity === "error" ? "invalid" : "warned");
    const said = field.querySelector(".error");
    said.textContent = `${said.textContent ? `${said.textContent}；` : ""}${p.message_zh}`;
  }
}

function show(problems) {
  place(problems);
  const errors = problems.filter((p) => p.severity === "error").length;
  status.textContent = errors ? `${errors} 个错误 errors` : `可以保存 ready${problems.length ? `（${problems.length} 个警告）` : ""}`;
  list.replaceChildren(
    ...problems.map((p) =>
      el("li", { className: p.severity, "data-path": p.path }, [
        el("code", { text: p.path }),
        ` ${p.severity === "error" ? "错误" : "警告"}：${p.message_zh} `,
        el("span", { className: "en", text: p.message_en }),
      ]),
    ),
  );
  if (!problems.length) list.replaceChildren(el("li", { className: "muted", text: "没有问题 no problems" }));
}

pane.addEventListener("input", () => soon(checkYaml));
document.getElementById("import").addEventListener("change", async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  pane.value = await file.text();
  await checkYaml();
});
document.getElementById("export").addEventListener("click", (event) => {
  event.currentTarget.href = URL.createObjectURL(new Blob([pane.value], { type: "application/yaml" }));
  event.currentTarget.download = `${state.id || "campaign"}.yaml`;
});

async function create() {
  const answer = await checkForm();
  if (answer.problems.some((p) => p.severity === "error")) {
    showBanner(banner, "error", "请先改正标红的问题", "fix the problems marked in red first");
    return;
  }
  const made = await api("POST", "/api/campaigns", { definition_yaml: answer.definition_yaml });
  showBanner(banner, "ok", `已创建活动“${made.title}”（${made.id}）`, "created");
  banner.append(" ", el("a", { href: `/campaigns/${encodeURIComponent(made.id)}`, text: "查看活动 open it" }));
}

document.getElementById("save").addEventListener("click", () =>
  (cid ? plan() : create()).catch((error) => {
    showError(banner, error);
    const problems = (error.detail && error.detail.problems) || [];
    if (problems.length) banner.append(el("div", { className: "small", text: [].concat(problems).join("；") }));
  }),
);

async function plan() {
  const base = `/api/campaigns/${encodeURIComponent(cid)}`;
  const answer = await api("POST", `${base}/plan`, { definition: state });
  const box = document.getElementById("diff");
  const confirm = document.getElementById("confirm");
  const reason = document.getElementById("reason-field");
  box.classList.remove("hidden");
  const refused = new Map(answer.refused.map((r) => [r.path, r]));
  const shown = (v) => (v === null || v === undefined ? "—" : typeof v === "object" ? JSON.stringify(v) : String(v));
  const head = el("tr", {}, ["项 Path", "原值 Before", "新值 After", ""].map((h) => el("th", { text: h })));
  const rows = answer.diff.map((d) =>
    el("tr", { "data-path": d.path, className: refused.has(d.path) ? "refused" : "" }, [
      el("td", {}, [el("code", { text: d.path })]),
      el("td", { text: shown(d.before) }),
      el("td", { text: shown(d.after) }),
      el("td", { className: "small", text: refused.has(d.path) ? refused.get(d.path).message_zh : "" }),
    ]),
  );
  document.getElementById("diff-table").replaceChildren(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, rows)]));
  const says = {
    unchanged: ["没有改动", "nothing changed"],
    replace: ["活动尚未开放，保存将替换整个定义", "not open yet: saving replaces the definition"],
    live: ["活动运行中，保存将作为一次修改记录（须写原因）", "running: saved as a live change, with a reason"],
    refused: ["活动运行中，标出的改动不允许，未保存", "running: the marked changes are not allowed; nothing saved"],
  }[answer.road];
  showBanner(banner, answer.road === "refused" ? "error" : "info", ...says);
  reason.classList.toggle("hidden", answer.road !== "live");
  confirm.classList.toggle("hidden", !["replace", "live"].includes(answer.road));
  confirm.onclick = () => save(base, answer).catch((error) => showError(banner, error));
}

async function save(base, answer) {
  if (answer.road === "replace") {
    await api("PUT", base, { definition_yaml: (await checkForm()).definition_yaml });
    showBanner(banner, "ok", "已保存", "saved");
  } else {
    const done = await api("POST", `${base}/changes`, { reason: document.getElementById("reason").value.trim(), ...answer.change });
    showBanner(banner, "ok", `已保存，当前为第 ${done.revision} 版`, `saved: version ${done.revision}`);
  }
  document.getElementById("confirm").classList.add("hidden");
}

redraw();
soon(checkForm);
