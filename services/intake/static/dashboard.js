// Campaign dashboard: counts by stage, approval, group, category and unit, polled every 5 s.
import { api } from "/static/common/api.js";
import { bilingual, el, showError } from "/static/common/dom.js";
import { formatTime } from "./format.js";

const page = document.getElementById("page");
const cid = page.dataset.campaign;
const labels = JSON.parse(page.dataset.labels || "{}");
const level = document.getElementById("level");
const banner = document.getElementById("banner");
const EVERY_MS = 5000;
const APPROVAL = { pending: ["待审核", "pending"], approved: ["已通过", "approved"], returned: ["已退回", "returned"] };
const NONE = () => el("p", { className: "muted", text: "暂无 none" });

function tile(n, zh, en, key) {
  return el("div", { className: "tile", "data-key": key }, [
    el("div", { className: "n", text: String(n) }),
    el("div", { className: "l" }, [bilingual(zh, en)]),
  ]);
}

function renderTiles(summary) {
  const stages = Object.entries(summary.by_stage || {}).map(([stage, n]) => {
    const [zh, en] = labels[stage] || [stage, stage];
    return tile(n, zh, en, `stage:${stage}`);
  });
  document.getElementById("tiles").replaceChildren(tile(summary.total || 0, "报名作品", "entries", "total"), ...stages);
}

// A two-column count table with a bar, biggest first: readable at a glance on a small screen.
function countTable(id, given, name = (k) => [k === "null" || !k ? "（未填）" : k, ""]) {
  const holder = document.getElementById(id);
  const counts = given || {};
  const keys = Object.keys(counts).sort((a, b) => counts[b] - counts[a]);
  if (!keys.length) {
    holder.replaceChildren(NONE());
    return;
  }
  const max = counts[keys[0]] || 1;
  const rows = keys.map((k) => {
    const [zh, en] = name(k);
    const width = Math.max(2, Math.round((counts[k] / max) * 100));
    return el("tr", { "data-key": k }, [
      el("td", {}, [bilingual(zh, en)]),
      el("td", { className: "num", text: String(counts[k]) }),
      el("td", { style: "width:40%" }, [el("span", { className: "bar", style: `width:${width}%` })]),
    ]);
  });
  holder.replaceChildren(el("table", {}, [el("tbody", {}, rows)]));
}

function renderUnits(units) {
  const holder = document.getElementById("by-unit");
  if (!units || !units.length) {
    holder.replaceChildren(NONE());
    return;
  }
  const headings = ["单位 Unit", "报名 Entries", "待审核 Awaiting", "已通过 Approved", "名额 Quota"];
  const head = el("tr", {}, headings.map((h, i) => el("th", { className: i && i < 4 ? "num" : "", text: h })));
  const body = units.map((u) => {
    const quota = (u.quota || []).map((q) => {
      const over = q.kind === "max" && q.used > q.limit;
      const text = `${q.series || ""} ${q.level || ""} ${q.used}/${q.limit}`.trim();
      return el("div", { className: over ? "quota-over" : "", text });
    });
    return el("tr", { "data-unit": u.unit_code }, [
      el("td", { text: u.unit_name || u.unit_code }),
      el("td", { className: "num", text: String(u.total) }),
      el("td", { className: "num", text: String(u.awaiting || 0) }),
      el("td", { className: "num", text: String(u.approved || 0) }),
      el("td", {}, quota.length ? quota : [el("span", { className: "muted", text: "—" })]),
    ]);
  });
  holder.replaceChildren(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)]));
}

function render(summary) {
  banner.className = "hidden";
  renderTiles(summary);
  countTable("by-group", summary.by_group);
  countTable("by-category", summary.by_category);
  countTable("by-approval", summary.by_approval, (k) => APPROVAL[k] || [k, ""]);
  renderUnits(summary.by_unit);
  document.getElementById("updated").textContent = `更新于 ${formatTime(new Date().toISOString()).slice(11)} updated`;
}

let timer = null;
async function load() {
  clearTimeout(timer);
  const url = `/api/campaigns/${encodeURIComponent(cid)}/summary${level.value ? `?level=${level.value}` : ""}`;
  try {
    render(await api("GET", url));
  } catch (error) {
    showError(banner, error);
  }
  timer = setTimeout(tick, EVERY_MS);
}

// A hidden tab does not poll: a lab of thirty laptops left open costs the server nothing.
function tick() {
  if (document.hidden) timer = setTimeout(tick, EVERY_MS);
  else load();
}

level.addEventListener("change", load);
load();
