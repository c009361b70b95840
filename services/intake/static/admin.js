/* Campaign admin: create a campaign from a preset, import the organisation tree. */
"use strict";

(function () {
  var create = document.getElementById("create-form");
  var createBanner = document.getElementById("create-banner");
  create.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = { preset: create.elements.preset.value };
    if (create.elements.id.value.trim()) body.id = create.elements.id.value.trim();
    var starts = create.elements.starts.value.trim();
    var ends = create.elements.ends.value.trim();
    if (starts || ends) body.upload_window = { starts: starts, ends: ends || null };
    Zj.api("POST", "/api/campaigns", body).then(
      function (answer) {
        location.href = "/campaigns/" + encodeURIComponent(answer.id);
      },
      function (err) {
        var d = err.detail || {};
        var extra = typeof d.problems === "string" ? d.problems
          : Array.isArray(d.problems) ? d.problems.map(function (p) { return p.message_zh || p; }).join("；") : "";
        Zj.showBanner(createBanner, "error", (d.message_zh || "创建失败") + (extra ? "：" + extra : ""), d.message_en);
      }
    );
  });

  var imp = document.getElementById("import-form");
  var importBanner = document.getElementById("import-banner");
  imp.addEventListener("submit", function (e) {
    e.preventDefault();
    var file = document.getElementById("units-file").files[0];
    if (!file) { Zj.showBanner(importBanner, "error", "请选择文件", "choose a file"); return; }
    var xlsx = /\.xlsx$/i.test(file.name);
    fetch("/api/units/import", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": xlsx ? "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet" : "text/csv" },
      body: file,
    }).then(function (res) {
      return res.json().then(function (data) {
        if (res.ok) {
          Zj.showBanner(importBanner, "ok",
            "导入完成：新增" + data.created + "，更新" + data.updated + "，未变" + data.unchanged + "，共" + data.total,
            "imported");
          return;
        }
        var d = data.detail || {};
        var rows = (d.problems || []).slice(0, 10).map(function (p) { return "第" + p.row + "行：" + p.message_zh; });
        Zj.showBanner(importBanner, "error", (d.message_zh || "导入失败") + (rows.length ? "。" + rows.join("；") : ""), d.message_en);
      });
    }, function () {
      Zj.showBanner(importBanner, "error", "网络连接中断，请重试", "network error");
    });
  });
})();
