/* An entry's page: status, what to do next, uploads, findings, timeline, approval, versions.
   The status is polled (every 2 s while a service is working on the entry, else every 10 s). */
"use strict";

(function () {
  var page = document.getElementById("page");
  var sid = page.getAttribute("data-submission");
  var chunk = parseInt(page.getAttribute("data-chunk"), 10);
  var banner = document.getElementById("banner");
  var boxes = {};
  var WORKING = ["validating", "transcoding"];
  var PRIMARY_OPEN = ["registered", "failed_validation", "transcode_failed", "awaiting_approval", "returned"];
  var KIND_ZH = { video: "视频", audio: "音频", images: "图片", text: "文字", quiz: "题目", courseware: "课件", registration_form: "报名表" };
  var ACCEPT = {
    video: "video/*,.mp4,.mov", audio: "audio/*,.mp3,.m4a,.wav", images: "image/*", courseware: ".ppt,.pptx,.pdf",
    registration_form: ".pdf,.jpg,.jpeg,.png", text: ".txt,.doc,.docx,.pdf", quiz: ".xlsx,.xls,.csv",
  };
  var el = Zj.el;
  var timer = null;
  var last = null;

  function text(id, zh, en, kind) {
    var node = document.getElementById(id);
    if (!zh) { node.className = "hidden"; return; }
    Zj.showBanner(node, kind || "info", zh, en);
  }

  function nextStep(sub) {
    var a = sub.approval || {};
    var missing = (sub.required_materials || []).filter(function (m) { return m.required && !m.uploaded; });
    var need = missing.map(function (m) { return m.label; }).join("、");
    switch (sub.stage) {
      case "registered": return ["报名表已提交。下一步：请在下方上传作品" + (need ? "（须上传：" + need + "）" : ""), "next: upload the work below", "info"];
      case "validating": return ["作品已上传，正在自动检测技术指标，本页会自动刷新。", "the work is being checked; this page refreshes itself", "info"];
      case "failed_validation": return ["技术检测未通过：请按下方“技术检测结果”逐项修改后，重新上传新版本（截止日期前可多次提交）。", "the check failed: fix what the findings say and upload a new version", "error"];
      case "transcoding": return ["技术检测通过，正在转码。", "passed the check; transcoding", "ok"];
      case "transcode_failed": return ["转码失败：请重新导出视频后上传新版本。", "transcoding failed: export again and upload a new version", "error"];
      case "awaiting_approval":
        return [need ? "检测通过，等待推荐单位审核。审核前还须上传：" + need : "检测通过，等待推荐单位审核。", "passed; waiting for your unit's approval", need ? "error" : "ok"];
      case "returned": return ["推荐单位退回，原因：" + (a.reason || "（未说明）") + "　请按要求修改后，在下方上传新版本或补充材料。", "returned by your unit: " + (a.reason || ""), "error"];
      default: return null;
    }
  }

  function materialBox(m) {
    var input = el("input", { type: "file", accept: ACCEPT[m.kind] || "", "aria-label": "选择文件：" + m.label });
    if (m.kind === "images") input.multiple = true;
    var root = el("div", { className: "material", "data-material": m.key }, [
      el("div", {}, [
        el("span", { className: "name", text: m.label }), " ",
        el("span", { className: "badge", text: KIND_ZH[m.kind] || m.kind }), " ",
        el("span", { className: m.required ? "badge bad" : "badge", text: m.required ? "必交" : m.one_of ? "至少交一项" : "选交" }), " ",
        m.primary ? el("span", { className: "badge good", text: "主作品" }) : "", " ",
        el("span", { className: "uploaded small muted" }),
      ]),
      el("div", { className: "actions" }, [
        // The browser's own file button speaks the browser's language; this one speaks Chinese.
        el("label", { className: "button secondary file-button" }, [input, el("span", { className: "file-label", text: "选择文件 Choose file" })]),
        el("button", { type: "button", className: "secondary pause hidden", text: "暂停 Pause" }),
        el("button", { type: "button", className: "resume hidden", text: "继续上传 Continue" }),
      ]),
      el("div", { className: "progress hidden", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, [el("div")]),
      el("div", { className: "progress-text small" }),
      el("div", { className: "upload-error banner error hidden" }),
    ]);
    boxes[m.key] = ZjUpload.box(root, { submissionId: sid, material: m.key, chunkSize: chunk, onDone: load });
    return root;
  }

  function uploadedText(sub, m) {
    if (m.primary) {
      var v = (sub.versions || [])[(sub.versions || []).length - 1];
      return v ? "已上传第" + v.version + "版" + (v.filename ? "：" + v.filename : "") + "（" + Zj.formatBytes(v.media.size) + "）" : "";
    }
    var files = ((sub.materials || {})[m.key] || {}).files || [];
    return files.length ? "已上传：" + files.map(function (f) { return f.filename; }).join("、") : "";
  }

  function renderMaterials(sub) {
    var holder = document.getElementById("materials");
    var list = sub.required_materials || [];
    if (!Object.keys(boxes).length) {
      holder.textContent = "";
      if (!ZjUpload.supported) holder.appendChild(el("div", { className: "banner error", text: "此浏览器不支持断点续传上传，请使用新版 Chrome、Edge 或 Firefox。" }));
      list.forEach(function (m) { holder.appendChild(materialBox(m)); });
      fetchPending();
    }
    var allowed = !sub.upload || sub.upload.allowed !== false;
    var approved = (sub.approval || {}).state === "approved";
    list.forEach(function (m) {
      var box = boxes[m.key];
      if (!box) return;
      box.root.querySelector(".uploaded").textContent = uploadedText(sub, m) ? "✓ " + uploadedText(sub, m) : "";
      var open = allowed && (m.primary ? PRIMARY_OPEN.indexOf(sub.stage) >= 0 : !approved);
      if (!box.running) box.enable(open);
    });
  }

  // Unfinished uploads, so the bar shows where each stopped before the file is chosen again.
  // The server knows the offsets; this browser's tus storage knows what the file was called.
  function fetchPending() {
    stored().then(function (local) {
      Zj.api("GET", "/api/submissions/" + encodeURIComponent(sid) + "/uploads").then(
        function (list) {
          (list || []).forEach(function (p) {
            var mine = local[uploadId(p.upload_url)];
            p.original = p.original_filename || (mine ? mine.metadata.filename : null);
            if (boxes[p.material]) boxes[p.material].showPending(p);
          });
        },
        function () { pendingFromStorage(local); }
      );
    });
  }

  function uploadId(url) {
    return String(url || "").replace(/\/+$/, "").split("/").pop();
  }

  function stored() {
    var storage = typeof tus !== "undefined" ? tus.defaultOptions.urlStorage : null;
    if (!storage || !storage.findAllUploads) return Promise.resolve({});
    return storage.findAllUploads().then(function (all) {
      var byId = {};
      all.forEach(function (s) {
        if (s.metadata && s.metadata.submission_id === sid && s.uploadUrl) byId[uploadId(s.uploadUrl)] = s;
      });
      return byId;
    }, function () { return {}; });
  }

  // Without the server's list (an older server), ask each stored upload URL for its offset.
  function pendingFromStorage(local) {
    Object.keys(local).forEach(function (id) {
      var s = local[id];
      fetch(s.uploadUrl, { method: "HEAD", credentials: "same-origin", headers: { "Tus-Resumable": "1.0.0" } }).then(function (res) {
        if (!res.ok || !boxes[s.metadata.material]) return;
        boxes[s.metadata.material].showPending({
          upload_url: s.uploadUrl, material: s.metadata.material, filename: s.metadata.filename,
          offset: parseInt(res.headers.get("Upload-Offset"), 10), length: s.size,
        });
      });
    });
  }

  function renderFindings(sub) {
    var holder = document.getElementById("findings");
    var findings = sub.findings || [];
    var validated = (sub.versions || []).some(function (v) { return v.report; }) || findings.length || ["validating", "registered"].indexOf(sub.stage) < 0;
    if (!validated || sub.stage === "validating") {
      holder.textContent = "";
      holder.appendChild(el("p", { className: "muted" }, [Zj.bilingual(sub.stage === "validating" ? "检测中，请稍候…" : "上传作品后自动检测。", sub.stage === "validating" ? "checking…" : "the check runs after the upload")]));
      return;
    }
    holder.textContent = "";
    var groups = [["error", "须修改", "must fix"], ["warning", "建议修改", "should fix"], ["info", "提示", "notes"]];
    var errors = findings.filter(function (f) { return f.severity === "error"; }).length;
    if (!errors) holder.appendChild(el("div", { className: "banner ok" }, [Zj.bilingual("技术检测通过，所有必须项目均符合要求。", "every required check passed")]));
    groups.forEach(function (g) {
      var items = findings.filter(function (f) { return f.severity === g[0]; });
      if (!items.length) return;
      holder.appendChild(el("h3", { className: "small" }, [Zj.bilingual(g[1] + "（" + items.length + "项）", g[2])]));
      items.forEach(function (f) { holder.appendChild(finding(f)); });
    });
  }

  function clock(s) {
    var m = Math.floor(s / 60);
    var r = Math.floor(s % 60);
    return m + ":" + (r < 10 ? "0" : "") + r;
  }

  function finding(f) {
    var dl = el("dl", {}, [
      el("dt", { text: "要求 Expected" }), el("dd", { text: f.expected || "—" }),
      el("dt", { text: "实测 Measured" }), el("dd", { text: f.measured || "—" }),
    ]);
    if (f.time_range) {
      dl.appendChild(el("dt", { text: "位置 Where" }));
      dl.appendChild(el("dd", { text: clock(f.time_range.start_s) + " – " + clock(f.time_range.end_s) }));
    }
    return el("div", { className: "finding " + f.severity, "data-rule": f.rule_id }, [
      el("div", { className: "what", text: f.message_zh }),
      el("div", { className: "en", text: f.message_en }),
      dl,
    ]);
  }

  // What each step says: the service's stage label, except where the event itself says more
  // (a transcoded entry still waits for its unit, so "in review" would be premature).
  var EVENT_TEXT = {
    "submission.transcoded": function (t) { return t.succeeded === false ? null : ["转码完成", "transcoded"]; },
    "submission.approved": function () { return ["推荐单位审核通过，进入评审", "approved by the unit; in review"]; },
    "intake.returned": function () { return ["推荐单位退回", "returned by the unit"]; },
  };
  var BAD_STAGES = ["failed_validation", "transcode_failed", "returned", "not_recommended", "publish_failed"];

  function renderTimeline(sub) {
    var items = [{ at: sub.created_at, zh: "已报名", en: "registered", cls: "good" }];
    (sub.timeline || []).forEach(function (t) {
      var own = EVENT_TEXT[t.event_type] ? EVENT_TEXT[t.event_type](t) : null;
      var zh = own ? own[0] : t.label_zh || t.stage;
      if (t.event_type === "submission.validated" && !t.passed) {
        zh += "（" + (t.findings || []).filter(function (f) { return f.severity === "error"; }).length + "项须修改）";
      }
      if (t.reason) zh += "：" + t.reason;
      if (t.version) zh += " · 第" + t.version + "版";
      items.push({ at: t.at, zh: zh, en: own ? own[1] : t.label_en, cls: BAD_STAGES.indexOf(t.stage) >= 0 ? "bad" : "good" });
    });
    items.sort(function (x, y) { return new Date(x.at) - new Date(y.at); });
    var list = document.getElementById("timeline");
    list.textContent = "";
    items.forEach(function (it, i) {
      list.appendChild(el("li", { className: it.cls + (i === items.length - 1 ? " current" : "") }, [
        Zj.bilingual(it.zh, it.en), el("div", { className: "muted small", text: Zj.formatTime(it.at) }),
      ]));
    });
  }

  function renderApproval(sub) {
    var a = sub.approval || {};
    var box = document.getElementById("approval");
    var states = { pending: ["待审核", "pending"], approved: ["已通过", "approved"], returned: ["已退回", "returned"] };
    var before = ["registered", "validating", "failed_validation", "transcoding", "transcode_failed"].indexOf(sub.stage) >= 0;
    var s = (!before && states[a.state]) || ["技术检测通过后由推荐单位审核", "your unit approves after the check"];
    box.textContent = "";
    box.appendChild(el("p", {}, [Zj.bilingual(s[0], s[1])]));
    if (a.reason) box.appendChild(el("p", {}, ["退回原因：", el("strong", { text: a.reason })]));
    if (a.note) box.appendChild(el("p", { text: "备注：" + a.note }));
    if (a.at) box.appendChild(el("p", { className: "muted", text: Zj.formatTime(a.at) }));
  }

  function renderVersions(sub) {
    var versions = sub.versions || [];
    if (!versions.length) return;
    var rows = versions.slice().reverse().map(function (v) {
      var r = v.report;
      var verdict = !r ? "检测中" : r.passed ? "通过" : "未通过（" + r.findings.filter(function (f) { return f.severity === "error"; }).length + "项）";
      return el("tr", {}, [
        el("td", { className: "nowrap", text: "第" + v.version + "版" }),
        el("td", {}, [v.filename || "", el("div", { className: "muted", text: Zj.formatBytes(v.media.size) + " · " + Zj.formatTime(v.at) })]),
        el("td", { className: "nowrap", text: verdict }),
      ]);
    });
    var table = el("table", {}, [el("tbody", {}, rows)]);
    var holder = document.getElementById("versions");
    holder.textContent = "";
    holder.appendChild(table);
  }

  function render(sub) {
    last = sub;
    banner.className = "hidden";
    var stage = document.getElementById("stage");
    stage.className = Zj.stageClass(sub.stage);
    stage.setAttribute("data-stage", sub.stage);
    stage.textContent = sub.stage_label_zh || sub.stage;
    document.getElementById("stage-en").textContent = sub.stage_label_en || "";
    document.getElementById("refreshed").textContent = "（更新于 " + Zj.formatTime(new Date().toISOString()).slice(11) + "）";
    var step = nextStep(sub);
    if (step) text("next-step", step[0], step[1], step[2]); else text("next-step", null);
    var fn = sub.file_name;
    text("file-name", fn && fn.message_zh ? fn.message_zh : null, fn ? fn.message_en : "", "info");
    var up = sub.upload;
    // Closed because a service is working on it is news, not a fault; a closed window is.
    var busy = WORKING.indexOf(sub.stage) >= 0;
    text("window", up && up.allowed === false ? up.message_zh : null, up ? up.message_en : "", busy ? "info" : "error");
    withdraw.classList.toggle("hidden", sub.stage !== "registered" || (sub.versions || []).length > 0);
    renderMaterials(sub);
    renderFindings(sub);
    // After a failed check the findings are what the entrant needs first: put them on top.
    var findingsCard = document.getElementById("findings-card");
    var materialsCard = document.getElementById("materials-card");
    var failed = sub.stage === "failed_validation";
    if (failed !== (findingsCard.nextElementSibling === materialsCard)) {
      materialsCard.parentNode.insertBefore(failed ? findingsCard : materialsCard, failed ? materialsCard : findingsCard);
    }
    renderTimeline(sub);
    renderApproval(sub);
    renderVersions(sub);
    renderTranscoding(sub);
  }

  // While the transcoder works, its job's percent, speed and time left (from ffmpeg -progress).
  function renderTranscoding(sub) {
    var holder = document.getElementById("transcode-progress");
    var job = sub.stage === "transcoding" ? sub.transcoding : null;
    if (!job) { holder.textContent = ""; return; }
    var parts = ["转码 " + Math.round(job.percent || 0) + "%"];
    if (job.speed) parts.push("速度 " + Number(job.speed).toFixed(1) + "倍");
    if (job.eta_s != null) parts.push("预计还需 " + Math.max(1, Math.round(job.eta_s)) + " 秒");
    holder.textContent = job.state === "queued" ? "排队等待转码 / queued" : parts.join("，");
  }

  // Before anything is uploaded an entry may be withdrawn, which frees the per-person place.
  var withdraw = document.getElementById("withdraw");
  withdraw.addEventListener("click", function () {
    if (!window.confirm("确定撤回这件作品的报名吗？撤回后可重新报名。")) return;
    Zj.api("DELETE", "/api/submissions/" + encodeURIComponent(sid)).then(
      function () { location.href = "/my"; },
      function (err) { Zj.showError(banner, err); }
    );
  });

  function schedule() {
    clearTimeout(timer);
    var busy = last && WORKING.indexOf(last.stage) >= 0;
    timer = setTimeout(function () { if (document.hidden) schedule(); else load(); }, busy ? 2000 : 10000);
  }

  function load() {
    return Zj.api("GET", "/api/submissions/" + encodeURIComponent(sid)).then(render, function (err) { Zj.showError(banner, err); }).then(schedule);
  }

  load();
})();
