// Unit admin: the unit's entries with status, approve or return with a reason, quota use.
import { api } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";
import { stageClass } from "./format.js";

const page = document.getElementById("page");
const cid = page.dataset.campaign;
const banner = document.getElementById("banner");
const filter = document.getElementById("filter");
const dialog = document.getElementById("return-dialog");
const reasonBox = document.getElementById("reason");
const reasonField = dialog.querySelector(".field");
const APPROVAL_ZH = { pending: "待审核", approved: "已通过", returned: "已退回" };
let rows = [];
let returning = null;

function quotaText(q) {
  const what = (q.series ? `${q.series} ` : "") + (q.level || "");
  const text = `${what}${q.kind === "min_per_category" ? " 每类至少" : " "}${q.used}/${q.limit}`;
  return el("div", { className: q.kind === "max" && q.used > q.limit ? "quota-over" : "", text: text.trim() });
}

function renderQuota(summary) {
  const units = summary.by_unit || [];
  const holder = document.getElementById("quota");
  if (!units.length) {
    holder.replaceChildren(el("p", { className: "muted", text: "暂无作品。No entries yet." }));
    return;
  }
  const body = units.map((u) => {
    const quota = (u.quota || []).length ? u.quota.map(quotaText) : [el("span", { className: "muted", text: "不限 none" })];
    return el("tr", {}, [
      el("td", { text: u.unit_name || u.unit_code }),
      el("td", { className: "num", text: String(u.total) }),
      el("td", { className: "num", text: String(u.awaiting || 0) }),
      el("td", { className: "num", text: String(u.approved || 0) }),
      el("td", {}, quota),
    ]);
  });
  const head = el("tr", {}, [
    el("th", { text: "单位 Unit" }),
    el("th", { className: "num", text: "报名 Entries" }),
    el("th", { className: "num", text: "待审核 Awaiting" }),
    el("th", { className: "num", text: "已通过 Approved" }),
    el("th", { text: "推荐名额 已用/上限 Quota used/limit" }),
  ]);
  holder.replaceChildren(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)]));
}

function approvalOf(r) {
  return typeof r.approval === "string" ? r.approval : (r.approval || {}).state;
}

function matches(r) {
  const want = filter.value;
  if (!want) return true;
  if (want === "awaiting_approval") return r.stage === "awaiting_approval";
  return approvalOf(r) === want || r.stage === want;
}

function actionsOf(r) {
  if (r.stage !== "awaiting_approval") {
    return el("td", {}, [el("span", { className: "muted small", text: APPROVAL_ZH[approvalOf(r)] || "检测通过后可审核" })]);
  }
  const ok = el("button", { type: "button", className: "ok", "data-action": "approve", text: "通过 Approve" });
  const back = el("button", { type: "button", className: "secondary", "data-action": "return", text: "退回 Return" });
  ok.addEventListener("click", () => approve(r, ok));
  back.addEventListener("click", () => openReturn(r));
  return el("td", {}, [el("div", { className: "actions", style: "margin:0" }, [ok, back])]);
}

function renderRows() {
  const tbody = document.getElementById("rows");
  const shown = rows.filter(matches);
  document.getElementById("count").textContent = `（${shown.length} / ${rows.length}）`;
  if (!shown.length) {
    tbody.replaceChildren(el("tr", {}, [el("td", { colspan: "6", className: "muted", text: "没有符合条件的作品。No entries here." })]));
    return;
  }
  tbody.replaceChildren(
    ...shown.map((r) =>
      el("tr", { "data-submission": r.submission_id }, [
        el("td", {}, [el("a", { href: `/submissions/${encodeURIComponent(r.submission_id)}`, text: r.title || "（未命名）" })]),
        el("td", { text: r.unit_name || r.unit_code || "" }),
        el("td", { text: r.group || "" }),
        el("td", { text: r.category || "" }),
        el("td", {}, [el("span", { className: stageClass(r.stage), text: r.stage_label_zh || r.stage })]),
        actionsOf(r),
      ]),
    ),
  );
}

function done(zh, en) {
  showBanner(banner, "ok", zh, en);
  load();
}

function decide(r, action, body) {
  return api("POST", `/api/submissions/${encodeURIComponent(r.submission_id)}/${action}`, body);
}

async function approve(r, button) {
  button.disabled = true;
  try {
    await decide(r, "approve", {});
    done(`已通过《${r.title}》，作品进入评审。`, "approved; the entry goes to review");
  } catch (error) {
    button.disabled = false;
    showError(banner, error);
    window.scrollTo(0, 0);
  }
}

function reasonError(text) {
  reasonField.classList.toggle("invalid", Boolean(text));
  reasonField.querySelector(".error").textContent = text;
}

function openReturn(r) {
  returning = r;
  document.getElementById("return-title").textContent = `《${r.title}》 ${r.unit_name || ""}`;
  reasonBox.value = "";
  reasonError("");
  dialog.showModal();
  reasonBox.focus();
}

reasonBox.addEventListener("input", () => reasonError(""));
document.getElementById("return-cancel").addEventListener("click", () => dialog.close());
document.getElementById("return-form").addEventListener("submit", async (event) => {
  event.preventDefault();
  const reason = reasonBox.value.trim();
  if (!reason) {
    reasonError("请填写退回原因 Please give a reason");
    return;
  }
  const r = returning;
  try {
    await decide(r, "return", { reason });
    dialog.close();
    done(`已退回《${r.title}》，参赛者会看到退回原因。`, "returned with your reason");
  } catch (error) {
    reasonError((error.detail && error.detail.message_zh) || error.message);
  }
});

filter.addEventListener("change", renderRows);

function load() {
  const base = `/api/campaigns/${encodeURIComponent(cid)}`;
  api("GET", `${base}/submissions`).then(
    (list) => {
      rows = list || [];
      renderRows();
    },
    (error) => showError(banner, error),
  );
  api("GET", `${base}/summary`).then(renderQuota, () => {
    document.getElementById("quota").textContent = "名额信息暂不可用 Quota unavailable";
  });
}

load();
setInterval(() => {
  if (!document.hidden && !dialog.open) load();
}, 10000);
