// Campaign statistics: one API answer drawn as charts (Chart.js, vendored), each exportable as
// PNG (the canvas's image) and its figures as XLSX (a link to the chart's .xlsx route).
import { api } from "/static/common/api.js";
import { showError } from "/static/common/dom.js";

const page = document.getElementById("page");
const cid = encodeURIComponent(page.dataset.campaign);
const labels = JSON.parse(page.dataset.labels || "{}");
const level = document.getElementById("level");
const awardLevel = document.getElementById("award-level");
const banner = document.getElementById("banner");
const RED = "#9b1c1c";
const PALETTE = ["#9b1c1c", "#d97706", "#0b5cad", "#0f7b3f", "#6b21a8", "#6b7785", "#be185d", "#0e7490"];
const charts = {};
Chart.defaults.datasets.bar.maxBarThickness = 56;  // a campaign's first days: a few wide bars otherwise
let latest = null;

// The exported PNG has a white ground, as a printed report would (a canvas is transparent).
const whiteGround = {
  id: "whiteGround",
  beforeDraw(chart) {
    const { ctx, width, height } = chart;
    ctx.save();
    ctx.globalCompositeOperation = "destination-over";
    ctx.fillStyle = "#fff";
    ctx.fillRect(0, 0, width, height);
    ctx.restore();
  },
};

function draw(key, type, data, options = {}) {
  const empty = !data.labels.length;
  document.getElementById(`empty-${key}`).classList.toggle("hidden", !empty);
  document.getElementById(`chart-${key}`).parentElement.classList.toggle("hidden", empty);
  if (charts[key]) charts[key].destroy();
  charts[key] = new Chart(document.getElementById(`chart-${key}`), {
    type,
    data,
    plugins: [whiteGround],
    options: {
      animation: false,
      maintainAspectRatio: false,
      plugins: { legend: { display: data.datasets.length > 1 } },
      scales: { x: { ticks: { precision: 0 } }, y: { ticks: { precision: 0 } } },
      ...options,
    },
  });
}

function horizontal(stacked = false) {
  const axis = { stacked, beginAtZero: true, ticks: { precision: 0 } };
  return { indexAxis: "y", scales: { x: axis, y: { stacked } } };
}

function drawDays(s) {
  const rows = s.by_day;
  const data = { labels: rows.map((r) => r.day), datasets: [{ label: "报名作品", data: rows.map((r) => r.entries), backgroundColor: RED }] };
  draw("by_day", "bar", data);
}

function drawStages(s) {
  const entries = Object.entries(s.summary.by_stage).sort((a, b) => b[1] - a[1]);
  const data = {
    labels: entries.map(([k]) => (labels[k] || [k])[0]),
    datasets: [{ label: "作品数", data: entries.map(([, n]) => n), backgroundColor: RED }],
  };
  draw("by_stage", "bar", data, horizontal());
}

function cap(unit) {
  const caps = unit.quota.filter((q) => q.kind === "max");
  return caps.length ? caps.reduce((sum, q) => sum + q.limit, 0) : null;
}

function drawUnits(s) {
  const units = s.summary.by_unit;
  const data = {
    labels: units.map((u) => u.unit_name || u.unit_code),
    datasets: [
      { label: "报名作品 entries", data: units.map((u) => u.total), backgroundColor: "#d0d7de" },
      { label: "已审核推荐 approved", data: units.map((u) => u.approved), backgroundColor: RED },
      { label: "推荐名额 quota", data: units.map(cap), backgroundColor: "#0b5cad" },
    ],
  };
  draw("by_unit", "bar", data);
}

function drawFindings(s) {
  const headline = document.getElementById("headline");
  headline.textContent = s.headline_zh ? `${s.headline_zh}  ${s.headline_en}` : "";
  headline.classList.toggle("hidden", !s.headline_zh);
  const data = {
    labels: s.findings.map((f) => f.problem_zh),
    datasets: [{ label: "作品数", data: s.findings.map((f) => f.entries), backgroundColor: RED }],
  };
  draw("findings", "bar", data, horizontal());
}

function drawAwards(s) {
  const rows = s.awards.filter((a) => !awardLevel || a.level === awardLevel.value);
  const units = [...new Set(rows.map((a) => a.unit_name || a.unit_code))];
  const tiers = [...new Set([...s.award_tiers, ...rows.map((a) => a.tier)])].filter((t) => rows.some((a) => a.tier === t));
  const datasets = tiers.map((tier, i) => ({
    label: tier,
    backgroundColor: PALETTE[i % PALETTE.length],
    data: units.map((u) => rows.filter((a) => a.tier === tier && (a.unit_name || a.unit_code) === u).reduce((n, a) => n + a.entries, 0)),
  }));
  draw("awards", "bar", { labels: units, datasets }, { scales: { x: { stacked: true }, y: { stacked: true, ticks: { precision: 0 } } } });
}

async function drawReview() {
  if (!page.dataset.admin) return;  // a unit admin: review's progress is the campaign admin's
  const rows = await api("GET", `/api/review/campaigns/${cid}/progress`);
  const data = {
    labels: rows.map((r) => r.panel),
    datasets: [
      { label: "已评分 scores in", data: rows.map((r) => r.scores_in), backgroundColor: "#0f7b3f" },
      { label: "待评分 scores owed", data: rows.map((r) => r.scores_due - r.scores_in), backgroundColor: "#d0d7de" },
    ],
  };
  draw("review", "bar", data, horizontal(true));
}

function linkData() {
  const query = level.value ? `?level=${level.value}` : "";
  for (const a of document.querySelectorAll("a[data-xlsx]")) {
    if (a.dataset.xlsx !== "review") a.href = a.href.split("?")[0] + query;
  }
}

async function drawStatistics() {
  linkData();
  latest = await api("GET", `/api/campaigns/${cid}/statistics${level.value ? `?level=${level.value}` : ""}`);
  drawDays(latest);
  drawStages(latest);
  drawUnits(latest);
  drawFindings(latest);
  drawAwards(latest);
}

// Review's progress does not depend on how units are summed: drawn with the page, not again on
// each change of level.
async function load(...parts) {
  banner.className = "hidden";
  try {
    await Promise.all(parts.map((draw) => draw()));
    page.dataset.loaded = "yes";
  } catch (error) {
    showError(banner, error);
  }
}

// PNG: the chart as drawn, named after the campaign and the chart.
for (const button of document.querySelectorAll("button.png")) {
  button.addEventListener("click", () => {
    const key = button.dataset.chart;
    const link = document.createElement("a");
    link.href = charts[key].toBase64Image("image/png", 1);
    link.download = `${page.dataset.campaign}-${key}.png`;
    link.click();
  });
}
level.addEventListener("change", () => load(drawStatistics));
if (awardLevel) awardLevel.addEventListener("change", () => latest && drawAwards(latest));
load(drawStatistics, drawReview);
