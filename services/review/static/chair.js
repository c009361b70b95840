// The chair's actions: show the proposal, reassign, start the public notice, finalise.
// Every action calls the JSON API with the chair's cookie and shows its answer in Chinese and English.
(function () {
  "use strict";
  const root = document.getElementById("chair");
  const round = root.dataset.round;
  const api = "/api/review/rounds/" + encodeURIComponent(round);
  const OUTCOME = { recommended: "推荐上一级", awarded: "获奖", not_recommended: "未获推荐" };
  let proposalId = null;

  function say(el, detail, ok) {
    el.textContent = (detail.message_zh || "") + (detail.message_en ? " / " + detail.message_en : "");
    el.className = ok ? "ok" : "error";
  }

  async function call(method, url, body) {
    const response = await fetch(url, {
      method: method,
      credentials: "same-origin",
      headers: { "content-type": "application/json" },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const answer = await response.json().catch(() => ({}));
    return { ok: response.ok, answer: answer };
  }

  function cell(row, text, cls) {
    const td = document.createElement("td");
    td.textContent = text;
    if (cls) td.className = cls;
    row.appendChild(td);
  }

  async function loadProposal() {
    const box = document.getElementById("proposal");
    const { ok, answer } = await call("GET", api + "/proposal");
    box.replaceChildren();
    if (!ok) {
      const p = document.createElement("p");
      say(p, answer.detail || {}, false);
      box.appendChild(p);
      return;
    }
    proposalId = answer.proposal_id || null;
    const notes = [];
    if (answer.missing && answer.missing.length)
      notes.push("尚缺 " + answer.missing.length + " 份评分，补齐后方可定稿 / " + answer.missing.length + " scores missing");
    for (const w of answer.warnings || []) notes.push(w.message_zh + " / " + w.message_en);
    for (const w of answer.pending || []) notes.push(w.message_zh + " / " + w.message_en);
    if (answer.ties && answer.ties.length) notes.push("同分跨越名次线 " + answer.ties.length + " 处：按提交时间先后确定 / ties split by submission time");
    for (const text of notes) {
      const p = document.createElement("p");
      p.className = "warning";
      p.textContent = text;
      box.appendChild(p);
    }
    const titles = {};
    for (const row of document.querySelectorAll("#scores tbody tr"))
      titles[row.dataset.submission] = row.cells[0].textContent;
    const labels = JSON.parse(document.getElementById("scores").dataset.poolLabels || "{}");
    const entries = Object.entries(answer.decisions || {});
    if (!entries.length) return;
    const table = document.createElement("table");
    table.className = "grid";
    table.id = "proposal-table";
    const head = table.createTHead().insertRow();
    for (const h of ["评审分组", "名次", "作品名称", "得分", "结果", "奖项"]) cell(head, h);
    const body = table.createTBody();
    entries.sort((a, b) => (a[1].pool + String(a[1].rank).padStart(6, "0")).localeCompare(b[1].pool + String(b[1].rank).padStart(6, "0")));
    for (const [sid, d] of entries) {
      const row = body.insertRow();
      row.dataset.submission = sid;
      cell(row, labels[d.pool] || d.pool);
      cell(row, d.rank);
      cell(row, titles[sid] || sid);
      cell(row, d.score);
      cell(row, OUTCOME[d.outcome] || d.outcome, "outcome " + d.outcome);
      cell(row, d.tier || "");
    }
    box.appendChild(table);
  }

  const reassign = document.getElementById("reassign");
  if (reassign) {
    reassign.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = Object.fromEntries(new FormData(reassign));
      const { ok, answer } = await call("POST", api + "/reassign", data);
      const out = document.getElementById("reassign-result");
      if (ok) { say(out, { message_zh: "已改派", message_en: "reassigned" }, true); setTimeout(() => location.reload(), 600); }
      else say(out, answer.detail || {}, false);
    });
  }

  async function freeze(path, label) {
    const out = document.getElementById("finalise-result");
    if (!confirm("确认" + label + "？结果将按上表冻结。 Freeze the outcome above?")) return;
    const { ok, answer } = await call("POST", api + path, { proposal_id: proposalId });
    if (ok) { say(out, { message_zh: label + "完成", message_en: "done" }, true); setTimeout(() => location.reload(), 800); }
    else say(out, answer.detail || {}, false);
  }

  const fin = document.getElementById("finalise");
  if (fin) fin.addEventListener("click", () => freeze("/finalise", "定稿"));
  const notice = document.getElementById("start-notice");
  if (notice) notice.addEventListener("click", () => freeze("/notice", "开始公示"));
  loadProposal();
})();
