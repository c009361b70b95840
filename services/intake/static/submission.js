// An entry's page: status, what to do next, uploads, findings, timeline, approval, versions.
// The status is polled (every 2 s while a service is working on the entry, else every 10 s).
import { api } from "/static/common/api.js";
import { bilingual, el, showBanner, showError } from "/static/common/dom.js";
import { formatBytes, formatTime, stageClass } from "./format.js";
import { Materials } from "./materials.js";
import { finding } from "./finding_view.js";

const page = document.getElementById("page");
const sid = page.dataset.submission;
const chunk = parseInt(page.dataset.chunk, 10);
const banner = document.getElementById("banner");
const withdraw = document.getElementById("withdraw");
const materials = new Materials(document.getElementById("materials"), { submissionId: sid, chunkSize: chunk, onDone: load });
const WORKING = ["validating", "transcoding"];
const BEFORE_APPROVAL = ["registered", "validating", "failed_validation", "transcoding", "transcode_failed"];
const BAD_STAGES = ["failed_validation", "transcode_failed", "returned", "not_recommended", "publish_failed"];
const APPROVAL = { pending: ["待审核", "pending"], approved: ["已通过", "approved"], returned: ["已退回", "returned"] };
let timer = null;
let last = null;

const errorsIn = (findings) => (findings || []).filter((f) => f.severity === "error").length;

function text(id, zh, en, kind = "info") {
  const node = document.getElementById(id);
  if (zh) showBanner(node, kind, zh, en);
  else node.className = "hidden";
}

function nextStep(sub) {
  const a = sub.approval || {};
  const need = (sub.required_materials || []).filter((m) => m.required && !m.uploaded).map((m) => m.label).join("、");
  switch (sub.stage) {
    case "registered":
      return [`报名表已提交。下一步：请在下方上传作品${need ? `（须上传：${need}）` : ""}`, "next: upload the work below", "info"];
    case "validating":
      return ["作品已上传，正在自动检测技术指标，本页会自动刷新。", "the work is being checked; this page refreshes itself", "info"];
    case "failed_validation":
      return ["技术检测未通过：请按下方“技术检测结果”逐项修改后，重新上传新版本（截止日期前可多次提交）。", "the check failed: fix what the findings say and upload a new version", "error"];
    case "transcoding":
      return ["技术检测通过，正在转码。", "passed the check; transcoding", "ok"];
    case "transcode_failed":
      return ["转码失败：请重新导出视频后上传新版本。", "transcoding failed: export again and upload a new version", "error"];
    case "awaiting_approval":
      return need
        ? [`检测通过，等待推荐单位审核。审核前还须上传：${need}`, "passed; waiting for your unit's approval", "error"]
        : ["检测通过，等待推荐单位审核。", "passed; waiting for your unit's approval", "ok"];
    case "returned":
      return [`推荐单位退回，原因：${a.reason || "（未说明）"}　请按要求修改后，在下方上传新版本或补充材料。`, `returned by your unit: ${a.reason || ""}`, "error"];
    default:
      return null;
  }
}

function renderFindings(sub) {
  const holder = document.getElementById("findings");
  const findings = sub.findings || [];
  const validated = (sub.versions || []).some((v) => v.report) || findings.length || !["validating", "registered"].includes(sub.stage);
  if (!validated || sub.stage === "validating") {
    const checking = sub.stage === "validating";
    const words = checking ? bilingual("检测中，请稍候…", "checking…") : bilingual("上传作品后自动检测。", "the check runs after the upload");
    holder.replaceChildren(el("p", { className: "muted" }, [words]));
    return;
  }
  holder.replaceChildren();
  if (!errorsIn(findings)) holder.append(el("div", { className: "banner ok" }, [bilingual("技术检测通过，所有必须项目均符合要求。", "every required check passed")]));
  const groups = [["error", "须修改", "must fix"], ["warning", "建议修改", "should fix"], ["info", "提示", "notes"]];
  for (const [severity, zh, en] of groups) {
    const items = findings.filter((f) => f.severity === severity);
    if (!items.length) continue;
    holder.append(el("h3", { className: "small" }, [bilingual(`${zh}（${items.length}项）`, en)]), ...items.map(finding));
  }
}

// What each step says: the service's stage label, except where the event itself says more
// (a transcoded entry still waits for its unit, so "in review" would be premature).
const EVENT_TEXT = {
  "submission.transcoded": (t) => (t.succeeded === false ? null : ["转码完成", "transcoded"]),
  "submission.approved": () => ["推荐单位审核通过，进入评审", "approved by the unit; in review"],
  "intake.returned": () => ["推荐单位退回", "returned by the unit"],
};

// An award's certificate, once the level's result is final (review serves it to those who may
// see the entry).
function certificateOf(sub, t) {
  if (t.event_type !== "submission.reviewed" || !t.award_tier) return null;
  return `/api/review/submissions/${encodeURIComponent(sub.submission_id)}/certificates/${encodeURIComponent(t.level)}.pdf`;
}

function renderTimeline(sub) {
  const items = [{ at: sub.created_at, zh: "已报名", en: "registered", cls: "good" }];
  for (const t of sub.timeline || []) {
    const own = EVENT_TEXT[t.event_type] ? EVENT_TEXT[t.event_type](t) : null;
    let zh = own ? own[0] : t.label_zh || t.stage;
    if (t.event_type === "submission.validated" && !t.passed) zh += `（${errorsIn(t.findings)}项须修改）`;
    if (t.reason) zh += `：${t.reason}`;
    if (t.version) zh += ` · 第${t.version}版`;
    if (t.event_type === "submission.reviewed" && t.award_tier) zh += `：${t.award_tier}`;
    items.push({ at: t.at, zh, en: own ? own[1] : t.label_en, cls: BAD_STAGES.includes(t.stage) ? "bad" : "good", certificate: certificateOf(sub, t) });
  }
  items.sort((x, y) => new Date(x.at) - new Date(y.at));
  document.getElementById("timeline").replaceChildren(
    ...items.map((it, i) =>
      el("li", { className: it.cls + (i === items.length - 1 ? " current" : "") }, [
        bilingual(it.zh, it.en),
        ...(it.certificate ? [" ", el("a", { href: it.certificate, className: "certificate", text: "下载获奖证书" })] : []),
        el("div", { className: "muted small", text: formatTime(it.at) }),
      ]),
    ),
  );
}

function renderApproval(sub) {
  const a = sub.approval || {};
  const before = BEFORE_APPROVAL.includes(sub.stage);
  const [zh, en] = (!before && APPROVAL[a.state]) || ["技术检测通过后由推荐单位审核", "your unit approves after the check"];
  const lines = [el("p", {}, [bilingual(zh, en)])];
  if (a.reason) lines.push(el("p", {}, ["退回原因：", el("strong", { text: a.reason })]));
  if (a.note) lines.push(el("p", { text: `备注：${a.note}` }));
  if (a.at) lines.push(el("p", { className: "muted", text: formatTime(a.at) }));
  document.getElementById("approval").replaceChildren(...lines);
}

function renderVersions(sub) {
  const versions = sub.versions || [];
  if (!versions.length) return;
  const rows = [...versions].reverse().map((v) => {
    const r = v.report;
    const verdict = !r ? "检测中" : r.passed ? "通过" : `未通过（${errorsIn(r.findings)}项）`;
    return el("tr", {}, [
      el("td", { className: "nowrap", text: `第${v.version}版` }),
      el("td", {}, [v.filename || "", el("div", { className: "muted", text: `${formatBytes(v.media.size)} · ${formatTime(v.at)}` })]),
      el("td", { className: "nowrap", text: verdict }),
    ]);
  });
  document.getElementById("versions").replaceChildren(el("table", {}, [el("tbody", {}, rows)]));
}

// While the transcoder works, its job's percent, speed and time left (from ffmpeg -progress).
function renderTranscoding(sub) {
  const holder = document.getElementById("transcode-progress");
  const job = sub.stage === "transcoding" ? sub.transcoding : null;
  if (!job) {
    holder.textContent = "";
    return;
  }
  const parts = [`转码 ${Math.round(job.percent || 0)}%`];
  if (job.speed) parts.push(`速度 ${Number(job.speed).toFixed(1)}倍`);
  if (job.eta_s != null) parts.push(`预计还需 ${Math.max(1, Math.round(job.eta_s))} 秒`);
  holder.textContent = job.state === "queued" ? "排队等待转码 / queued" : parts.join("，");
}

// After a failed check the findings are what the entrant needs first: put them on top.
function orderCards(sub) {
  const findingsCard = document.getElementById("findings-card");
  const materialsCard = document.getElementById("materials-card");
  const failed = sub.stage === "failed_validation";
  if (failed !== (findingsCard.nextElementSibling === materialsCard)) {
    if (failed) materialsCard.before(findingsCard);
    else findingsCard.before(materialsCard);
  }
}

function render(sub) {
  last = sub;
  banner.className = "hidden";
  const stage = document.getElementById("stage");
  stage.className = stageClass(sub.stage);
  stage.dataset.stage = sub.stage;
  stage.textContent = sub.stage_label_zh || sub.stage;
  document.getElementById("stage-en").textContent = sub.stage_label_en || "";
  document.getElementById("refreshed").textContent = `（更新于 ${formatTime(new Date().toISOString()).slice(11)}）`;
  const step = nextStep(sub);
  text("next-step", ...(step || [null]));
  const fn = sub.file_name;
  text("file-name", fn && fn.message_zh, fn && fn.message_en);
  const up = sub.upload;
  // Closed because a service is working on it is news, not a fault; a closed window is.
  const busy = WORKING.includes(sub.stage);
  text("window", up && up.allowed === false ? up.message_zh : null, up && up.message_en, busy ? "info" : "error");
  withdraw.classList.toggle("hidden", sub.stage !== "registered" || (sub.versions || []).length > 0);
  materials.render(sub);
  renderFindings(sub);
  orderCards(sub);
  renderTimeline(sub);
  renderApproval(sub);
  renderVersions(sub);
  renderTranscoding(sub);
}

// Before anything is uploaded an entry may be withdrawn, which frees the per-person place.
withdraw.addEventListener("click", async () => {
  if (!window.confirm("确定撤回这件作品的报名吗？撤回后可重新报名。")) return;
  try {
    await api("DELETE", `/api/submissions/${encodeURIComponent(sid)}`);
    location.href = "/my";
  } catch (error) {
    showError(banner, error);
  }
});

function schedule() {
  clearTimeout(timer);
  const busy = last && WORKING.includes(last.stage);
  timer = setTimeout(() => (document.hidden ? schedule() : load()), busy ? 2000 : 10000);
}

async function load() {
  try {
    render(await api("GET", `/api/submissions/${encodeURIComponent(sid)}`));
  } catch (error) {
    showError(banner, error);
  }
  schedule();
}

load();
