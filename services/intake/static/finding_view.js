// One finding as the entrant sees it: what to fix (Chinese, then English), expected and measured,
// and where in the work. The server's check (submission.js) and the pre-check (precheck.js) show
// their findings alike.
import { el } from "/static/common/dom.js";

function clock(s) {
  return `${Math.floor(s / 60)}:${String(Math.floor(s % 60)).padStart(2, "0")}`;
}

export function finding(f) {
  const dl = el("dl", {}, [
    el("dt", { text: "要求 Expected" }), el("dd", { text: f.expected || "—" }),
    el("dt", { text: "实测 Measured" }), el("dd", { text: f.measured || "—" }),
  ]);
  if (f.time_range) {
    dl.append(el("dt", { text: "位置 Where" }), el("dd", { text: `${clock(f.time_range.start_s)} – ${clock(f.time_range.end_s)}` }));
  }
  return el("div", { className: `finding ${f.severity}`, "data-rule": f.rule_id }, [
    el("div", { className: "what", text: f.message_zh }),
    el("div", { className: "en", text: f.message_en }),
    dl,
  ]);
}
