// The admin page's first-run steps: add a unit admin, invite experts (review's expert import),
// and tick "invite experts" once review's plan of any campaign lists an expert (first_run.py).
import { api, tableType } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";

const checklist = document.getElementById("checklist");

async function plan(cid) {
  return api("GET", `/api/review/campaigns/${encodeURIComponent(cid)}/plan`);
}

function tick(key, done) {
  const item = checklist && checklist.querySelector(`[data-step="${key}"]`);
  if (!item || !done) return;
  item.classList.add("done");
  item.querySelector(".tick").textContent = "✓";
  item.querySelector(".tick").setAttribute("aria-label", "已完成");
}

// Review's plan of each campaign, a few at a time (a browser opens about six connections to a
// host), until one lists an expert; a plan review cannot give leaves the step open, as not known done.
const AT_ONCE = 6;
async function tickExperts() {
  const ids = JSON.parse((checklist && checklist.dataset.campaigns) || "[]");
  for (let i = 0; i < ids.length; i += AT_ONCE) {
    const plans = await Promise.all(ids.slice(i, i + AT_ONCE).map((cid) => plan(cid).catch(() => null)));
    if (plans.some((p) => p && p.levels.some((lv) => lv.experts > 0))) return tick("experts", true);
  }
}

const unitForm = document.getElementById("unit-admin-form");
const unitBanner = document.getElementById("unit-admin-banner");
unitForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const f = unitForm.elements;
  const body = {
    username: f.username.value.trim(),
    display_name: f.display_name.value.trim(),
    unit_code: f.unit_code.value.trim(),
    password: f.password.value,
    role: "unit_admin",
  };
  try {
    await api("POST", "/api/users", body);
    showBanner(unitBanner, "ok", `已添加单位管理员 ${body.username}`, "unit admin added");
    tick("unit_admins", true);
    unitForm.reset();
  } catch (error) {
    showError(unitBanner, error);
  }
});

async function fillUnits() {
  try {
    const units = await api("GET", "/api/units");
    document.getElementById("unit-codes").replaceChildren(
      ...units.filter((u) => u.level !== "school").map((u) => el("option", { value: u.code, text: u.name })),
    );
  } catch {
    // no tree yet: the code is typed
  }
}

const expertForm = document.getElementById("experts-form");
const expertBanner = document.getElementById("experts-banner");
const campaignSelect = document.getElementById("ex-campaign");
const levelSelect = document.getElementById("ex-level");

// A campaign just created reaches review by its event a moment later: ask again a few times.
async function fillLevels(tries = 10) {
  if (!campaignSelect.value) return;
  try {
    const levels = (await plan(campaignSelect.value)).levels;
    levelSelect.replaceChildren(...levels.map((lv) => el("option", { value: lv.key, text: `${lv.name}（已有${lv.experts}位）` })));
    expertBanner.className = "hidden";
  } catch (error) {
    if (error.status === 404 && tries > 1) setTimeout(() => fillLevels(tries - 1), 1000);
    else showError(expertBanner, error);
  }
}

expertForm.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("experts-file").files[0];
  if (!file || !levelSelect.value) {
    showBanner(expertBanner, "error", "请选择活动、评审级别和专家名单文件", "choose a campaign, a level and a file");
    return;
  }
  const url = `/api/review/campaigns/${encodeURIComponent(campaignSelect.value)}/levels/${encodeURIComponent(levelSelect.value)}/experts`;
  try {
    const d = await api("POST", url, file, { contentType: tableType(file) });
    showBanner(expertBanner, "ok", `导入完成：新增${d.added}，更新${d.updated}`, "imported");
    const rows = d.experts.filter((x) => x.token).map((x) => {
      const link = `${location.origin}/review/login?token=${encodeURIComponent(x.token)}`;
      return el("tr", {}, [el("td", { text: `${x.name}（${x.role === "chair" ? "组长" : "评审"}）` }), el("td", {}, [el("code", { text: link })])]);
    });
    const table = document.getElementById("expert-links");
    table.querySelector("tbody").replaceChildren(...rows);
    table.classList.toggle("hidden", !rows.length);
    tick("experts", true);
    fillLevels();
  } catch (error) {
    showError(expertBanner, error);
  }
});

campaignSelect.addEventListener("change", () => fillLevels());
fillUnits();
fillLevels();
tickExperts();
