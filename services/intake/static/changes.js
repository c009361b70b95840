// Live changes of a campaign: make one (only the fields filled), and read the audit list.
import { api } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";
import { formatTime } from "./format.js";

const cid = document.getElementById("page").dataset.campaign;
const form = document.getElementById("change-form");
const banner = document.getElementById("change-banner");
const holder = document.getElementById("changes");
const base = `/api/campaigns/${encodeURIComponent(cid)}`;

function value(name) {
  return form.elements[name].value.trim();
}

// The change the filled fields describe (the API refuses an empty one, with its reason).
function changeOf(current) {
  const body = { reason: value("reason") };
  if (value("upload_ends") && current.upload_window) {
    body.upload_window = { starts: current.upload_window.starts, ends: value("upload_ends") };
  }
  if (value("ext_unit") || value("ext_ends")) body.unit_extension = { unit: value("ext_unit"), ends: value("ext_ends") };
  if (value("level")) {
    body.review_windows = { [value("level")]: { starts: value("level_starts"), ends: value("level_ends") || null } };
  }
  if (value("showcase_from")) body.showcase_from = value("showcase_from");
  if (value("target")) {
    const target = {};
    if (value("target_url")) target.url = value("target_url");
    if (value("target_date")) target.publish_at = value("target_date");
    body.targets = { [value("target")]: target };
  }
  return body;
}

function shown(v) {
  if (v === null || v === undefined) return "—";
  return typeof v === "object" ? JSON.stringify(v) : String(v);
}

async function load() {
  const rows = await api("GET", `${base}/changes`);
  if (!rows.length) {
    holder.replaceChildren(el("p", { className: "muted", text: "尚无修改 no changes yet" }));
    return;
  }
  const head = el("tr", {}, ["版本 Version", "时间 When", "修改人 Who", "修改内容 What", "原因 Why"].map((h) => el("th", { text: h })));
  const body = rows.map((r) =>
    el("tr", { "data-revision": String(r.revision) }, [
      el("td", { text: String(r.revision) }),
      el("td", { text: formatTime(r.at) }),
      el("td", { text: r.who.name }),
      el("td", {}, r.changes.map((c) => el("div", { className: "small", text: `${c.field}：${shown(c.before)} → ${shown(c.after)}` }))),
      el("td", { text: r.reason }),
    ]),
  );
  holder.replaceChildren(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)]));
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  try {
    const current = await api("GET", base);
    const done = await api("POST", `${base}/changes`, changeOf(current));
    // Reloaded, so the table of current settings shows the new version too.
    location.search = `?saved=${done.revision}`;
  } catch (error) {
    showError(banner, error);
  }
});

const saved = new URLSearchParams(location.search).get("saved");
if (saved) showBanner(banner, "ok", `已保存，当前为第 ${saved} 版`, `saved: version ${saved}`);
load().catch((error) => showError(banner, error));
