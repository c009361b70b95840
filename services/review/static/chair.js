// The chair's actions: show the proposal, reassign, start the public notice, answer appeals,
// allow late scoring, finalise.
// Every action calls the JSON API with the chair's cookie and shows its answer in Chinese and English.
import { api } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";

const root = document.getElementById("chair");
const roundUrl = `/api/review/rounds/${encodeURIComponent(root.dataset.round)}`;
const OUTCOME = { recommended: "推荐上一级", awarded: "获奖", not_recommended: "未获推荐" };
const RELOAD_MS = 700;
let proposalId = null;

const cell = (text, className = "") => el("td", { text: String(text), className });

function notesOf(proposal) {
  const notes = [];
  const missing = proposal.missing || [];
  if (missing.length) notes.push(`尚缺 ${missing.length} 份评分，补齐后方可定稿 / ${missing.length} scores missing`);
  for (const w of [...(proposal.warnings || []), ...(proposal.pending || [])]) notes.push(`${w.message_zh} / ${w.message_en}`);
  const ties = proposal.ties || [];
  if (ties.length) notes.push(`同分跨越名次线 ${ties.length} 处：按提交时间先后确定 / ties split by submission time`);
  return notes.map((text) => el("p", { className: "warning", text }));
}

function proposalTable(decisions) {
  const titles = {};
  for (const tr of document.querySelectorAll("#scores tbody tr")) titles[tr.dataset.submission] = tr.cells[0].textContent;
  const labels = JSON.parse(document.getElementById("scores").dataset.poolLabels || "{}");
  const order = ([, d]) => d.pool + String(d.rank).padStart(6, "0");
  const entries = Object.entries(decisions).sort((a, b) => order(a).localeCompare(order(b)));
  const head = el("tr", {}, ["评审分组", "名次", "作品名称", "得分", "结果", "奖项"].map((h) => el("th", { text: h })));
  const rows = entries.map(([sid, d]) =>
    el("tr", { "data-submission": sid }, [
      cell(labels[d.pool] || d.pool),
      cell(d.rank),
      cell(titles[sid] || sid),
      cell(d.score),
      cell(OUTCOME[d.outcome] || d.outcome, `outcome ${d.outcome}`),
      cell(d.tier || ""),
    ]),
  );
  return el("table", { className: "grid", id: "proposal-table" }, [el("thead", {}, [head]), el("tbody", {}, rows)]);
}

async function loadProposal() {
  const box = document.getElementById("proposal");
  let proposal;
  try {
    proposal = await api("GET", `${roundUrl}/proposal`);
  } catch (error) {
    const p = el("p");
    showError(p, error);
    box.replaceChildren(p);
    return;
  }
  proposalId = proposal.proposal_id || null;
  const decisions = proposal.decisions || {};
  const table = Object.keys(decisions).length ? [proposalTable(decisions)] : [];
  box.replaceChildren(...notesOf(proposal), ...table);
}

// An action that changes the round: say so, then reload the page to show the round as it now is.
async function act(out, path, body, zh, en) {
  try {
    await api("POST", roundUrl + path, body);
  } catch (error) {
    showError(out, error);
    return;
  }
  showBanner(out, "ok", zh, en);
  setTimeout(() => location.reload(), RELOAD_MS);
}

// A form of the chair page (when the round's state shows it) posts its fields to `path`.
function submits(formId, outId, path, zh, en) {
  const form = document.getElementById(formId);
  if (!form) return;
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    act(document.getElementById(outId), path, Object.fromEntries(new FormData(form)), zh, en);
  });
}

submits("reassign", "reassign-result", "/reassign", "已改派", "reassigned");
submits("late-scoring-form", "late-scoring-result", "/late-scoring", "已登记补评许可", "late scoring allowed");

function freeze(path, label) {
  if (!window.confirm(`确认${label}？结果将按上表冻结。 Freeze the outcome above?`)) return;
  act(document.getElementById("finalise-result"), path, { proposal_id: proposalId }, `${label}完成`, "done");
}

const finalise = document.getElementById("finalise");
if (finalise) finalise.addEventListener("click", () => freeze("/finalise", "定稿"));
const notice = document.getElementById("start-notice");
if (notice) notice.addEventListener("click", () => freeze("/notice", "开始公示"));
// Revoking a reviewer's token: it and every page signed in with it stop working at once.
for (const button of document.querySelectorAll("button.revoke")) {
  button.addEventListener("click", async () => {
    const { reviewer, name } = button.dataset;
    if (!window.confirm(`确认收回${name}的评审令牌？其登录将立即失效。 Revoke ${name}'s token?`)) return;
    const out = document.getElementById("revoke-result");
    try {
      await api("POST", `${roundUrl}/reviewers/${encodeURIComponent(reviewer)}/revoke`);
    } catch (error) {
      showError(out, error);
      return;
    }
    button.disabled = true;
    showBanner(out, "ok", `已收回${name}的评审令牌`, "token revoked");
  });
}

// An appeal upheld sends the round back to scoring (the notice is withdrawn); dismissed, it stays.
for (const button of document.querySelectorAll("#appeals button.resolve")) {
  button.addEventListener("click", () => {
    const row = button.closest("tr");
    const upheld = button.dataset.upheld === "true";
    const ask = upheld ? "确认异议成立？公示将撤回，本轮回到评审中。 Uphold: the round goes back to scoring?" : "确认驳回该异议？ Dismiss?";
    if (!window.confirm(ask)) return;
    const body = { upheld, note: row.querySelector("input[name=note]").value };
    const path = `/appeals/${encodeURIComponent(row.dataset.appeal)}/resolve`;
    act(document.getElementById("appeal-result"), path, body, upheld ? "已认定异议成立" : "已驳回异议", "answered");
  });
}

loadProposal();
