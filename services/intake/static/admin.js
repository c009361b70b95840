// Campaign admin: create a campaign from a preset, import the organisation tree.
import { api, tableType } from "/static/common/api.js";
import { showBanner } from "/static/common/dom.js";

const create = document.getElementById("create-form");
const createBanner = document.getElementById("create-banner");
create.addEventListener("submit", async (event) => {
  event.preventDefault();
  const { preset, id, starts, ends } = create.elements;
  const body = { preset: preset.value };
  if (id.value.trim()) body.id = id.value.trim();
  if (starts.value.trim() || ends.value.trim()) {
    body.upload_window = { starts: starts.value.trim(), ends: ends.value.trim() || null };
  }
  try {
    const answer = await api("POST", "/api/campaigns", body);
    location.href = `/campaigns/${encodeURIComponent(answer.id)}`;
  } catch (error) {
    const d = error.detail || {};
    const problems = Array.isArray(d.problems)
      ? d.problems.map((p) => p.message_zh || p).join("；")
      : typeof d.problems === "string" ? d.problems : "";
    showBanner(createBanner, "error", (d.message_zh || "创建失败") + (problems ? `：${problems}` : ""), d.message_en);
  }
});

const upload = document.getElementById("import-form");
const importBanner = document.getElementById("import-banner");
upload.addEventListener("submit", async (event) => {
  event.preventDefault();
  const file = document.getElementById("units-file").files[0];
  if (!file) {
    showBanner(importBanner, "error", "请选择文件", "choose a file");
    return;
  }
  try {
    const d = await api("POST", "/api/units/import", file, { contentType: tableType(file) });
    showBanner(importBanner, "ok", `导入完成：新增${d.created}，更新${d.updated}，未变${d.unchanged}，共${d.total}`, "imported");
  } catch (error) {
    const d = error.detail || {};
    const rows = (d.problems || []).slice(0, 10).map((p) => `第${p.row}行：${p.message_zh}`);
    showBanner(importBanner, "error", (d.message_zh || "导入失败") + (rows.length ? `。${rows.join("；")}` : ""), d.message_en);
  }
});
