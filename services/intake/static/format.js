// How intake's pages write stages, sizes and times.

// Colour of a stage's badge: green done well, red needs the entrant, amber waiting on someone.
const GOOD = ["approved", "transcoding", "in_review", "recommended", "awarded", "published"];
const BAD = ["failed_validation", "transcode_failed", "returned", "not_recommended", "publish_failed", "rejected"];

export function stageClass(stage) {
  if (GOOD.includes(stage)) return "badge good";
  if (BAD.includes(stage)) return "badge bad";
  return "badge wait";
}

export function formatBytes(n) {
  if (n >= 1048576) return `${(n / 1048576).toFixed(1)} MB`;
  if (n >= 1024) return `${(n / 1024).toFixed(0)} KB`;
  return `${n} B`;
}

// In the browser's time zone: 2024-05-01 09:30:00.
export function formatTime(iso) {
  if (!iso) return "";
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return String(iso);
  const p = (n) => String(n).padStart(2, "0");
  return `${d.getFullYear()}-${p(d.getMonth() + 1)}-${p(d.getDate())} ${p(d.getHours())}:${p(d.getMinutes())}:${p(d.getSeconds())}`;
}
