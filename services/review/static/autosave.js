// Autosave of the score sheet: every change is PUT (idempotent) after a short pause.
// A partial sheet is stored as a draft; a complete one counts. Errors are shown, never swallowed.
(function () {
  "use strict";
  const form = document.getElementById("sheet");
  if (!form || form.dataset.locked) return;
  const state = document.getElementById("save-state");
  const error = document.getElementById("save-error");
  const total = document.getElementById("total");
  let timer = null;
  let inflight = Promise.resolve();

  function body() {
    const sheet = {};
    for (const input of form.querySelectorAll("input[type=number]")) {
      if (input.value.trim() !== "") sheet[input.name] = input.value.trim();
    }
    return { sheet: sheet, comment: form.querySelector("#comment").value };
  }

  function show(text, cls) {
    state.textContent = text;
    state.className = "save-state " + cls;
  }

  async function save() {
    show("保存中… saving…", "saving");
    const response = await fetch(form.dataset.url, {
      method: "PUT",
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: JSON.stringify(body()),
    });
    const answer = await response.json().catch(() => ({}));
    if (!response.ok) {
      const detail = answer.detail || {};
      error.textContent = (detail.message_zh || "保存失败") + " / " + (detail.message_en || "not saved");
      error.hidden = false;
      show("未保存 not saved", "failed");
      return;
    }
    error.hidden = true;
    total.textContent = answer.total || "—";
    const at = new Date().toLocaleTimeString("zh-CN", { hour12: false });
    if (answer.status === "complete") show("已完成，已保存 " + at + " · complete, saved", "complete");
    else show("草稿已保存 " + at + " · draft saved", "draft");
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(() => { inflight = inflight.then(save, save); }, 500);
  }

  form.addEventListener("input", schedule);
  form.addEventListener("submit", (event) => { event.preventDefault(); schedule(); });
})();
