/* Unit admin: the unit's entries with status, approve or return with a reason, quota use. */
"use strict";

(function () {
  var page = document.getElementById("page");
  var cid = page.getAttribute("data-campaign");
  var banner = document.getElementById("banner");
  var filter = document.getElementById("filter");
  var dialog = document.getElementById("return-dialog");
  var reasonBox = document.getElementById("reason");
  var el = Zj.el;
  var rows = [];
  var returning = null;
  var APPROVAL_ZH = { pending: "待审核", approved: "已通过", returned: "已退回" };

  function quotaText(q) {
    var what = (q.series ? q.series + " " : "") + (q.level || "");
    var text = what + (q.kind === "min_per_category" ? " 每类至少" : " ") + q.used + "/" + q.limit;
    return el("div", { className: q.kind === "max" && q.used > q.limit ? "quota-over" : "", text: text.trim() });
  }

  function renderQuota(summary) {
    var units = summary.by_unit || [];
    var holder = document.getElementById("quota");
    holder.textContent = "";
    if (!units.length) { holder.appendChild(el("p", { className: "muted", text: "暂无作品。No entries yet." })); return; }
    var body = units.map(function (u) {
      var quota = (u.quota || []).length ? (u.quota || []).map(quotaText) : [el("span", { className: "muted", text: "不限 none" })];
      return el("tr", {}, [
        el("td", { text: u.unit_name || u.unit_code }),
        el("td", { className: "num", text: String(u.total) }),
        el("td", { className: "num", text: String(u.awaiting || 0) }),
        el("td", { className: "num", text: String(u.approved || 0) }),
        el("td", {}, quota),
      ]);
    });
    holder.appendChild(el("table", {}, [
      el("thead", {}, [el("tr", {}, [
        el("th", { text: "单位 Unit" }), el("th", { className: "num", text: "报名 Entries" }),
        el("th", { className: "num", text: "待审核 Awaiting" }), el("th", { className: "num", text: "已通过 Approved" }),
        el("th", { text: "推荐名额 已用/上限 Quota used/limit" }),
      ])]),
      el("tbody", {}, body),
    ]));
  }

  function matches(r) {
    var want = filter.value;
    if (!want) return true;
    if (want === "awaiting_approval") return r.stage === "awaiting_approval";
    return r.approval === want || (r.approval && r.approval.state === want) || r.stage === want;
  }

  function approvalOf(r) {
    return typeof r.approval === "string" ? r.approval : (r.approval || {}).state;
  }

  function renderRows() {
    var tbody = document.getElementById("rows");
    tbody.textContent = "";
    var shown = rows.filter(matches);
    document.getElementById("count").textContent = "（" + shown.length + " / " + rows.length + "）";
    if (!shown.length) {
      tbody.appendChild(el("tr", {}, [el("td", { colspan: "6", className: "muted", text: "没有符合条件的作品。No entries here." })]));
      return;
    }
    shown.forEach(function (r) {
      var actions = el("td", {});
      if (r.stage === "awaiting_approval") {
        var ok = el("button", { type: "button", className: "ok", "data-action": "approve", text: "通过 Approve" });
        var back = el("button", { type: "button", className: "secondary", "data-action": "return", text: "退回 Return" });
        ok.addEventListener("click", function () { approve(r, ok); });
        back.addEventListener("click", function () { openReturn(r); });
        actions.appendChild(el("div", { className: "actions", style: "margin:0" }, [ok, back]));
      } else {
        var a = approvalOf(r);
        actions.appendChild(el("span", { className: "muted small", text: APPROVAL_ZH[a] || "检测通过后可审核" }));
      }
      tbody.appendChild(el("tr", { "data-submission": r.submission_id }, [
        el("td", {}, [el("a", { href: "/submissions/" + encodeURIComponent(r.submission_id), text: r.title || "（未命名）" })]),
        el("td", { text: r.unit_name || r.unit_code || "" }),
        el("td", { text: r.group || "" }),
        el("td", { text: r.category || "" }),
        el("td", {}, [el("span", { className: Zj.stageClass(r.stage), text: r.stage_label_zh || r.stage })]),
        actions,
      ]));
    });
  }

  function done(zh, en) {
    Zj.showBanner(banner, "ok", zh, en);
    load();
  }

  function approve(r, button) {
    button.disabled = true;
    Zj.api("POST", "/api/submissions/" + encodeURIComponent(r.submission_id) + "/approve", {}).then(
      function () { done("已通过《" + r.title + "》，作品进入评审。", "approved; the entry goes to review"); },
      function (err) { button.disabled = false; Zj.showError(banner, err); window.scrollTo(0, 0); }
    );
  }

  function openReturn(r) {
    returning = r;
    document.getElementById("return-title").textContent = "《" + r.title + "》 " + (r.unit_name || "");
    reasonBox.value = "";
    var field = dialog.querySelector(".field");
    field.classList.remove("invalid");
    field.querySelector(".error").textContent = "";
    dialog.showModal();
    reasonBox.focus();
  }

  reasonBox.addEventListener("input", function () {
    var field = dialog.querySelector(".field");
    field.classList.remove("invalid");
    field.querySelector(".error").textContent = "";
  });
  document.getElementById("return-cancel").addEventListener("click", function () { dialog.close(); });
  document.getElementById("return-form").addEventListener("submit", function (e) {
    e.preventDefault();
    var reason = reasonBox.value.trim();
    var field = dialog.querySelector(".field");
    if (!reason) {
      field.classList.add("invalid");
      field.querySelector(".error").textContent = "请填写退回原因 Please give a reason";
      return;
    }
    var r = returning;
    Zj.api("POST", "/api/submissions/" + encodeURIComponent(r.submission_id) + "/return", { reason: reason }).then(
      function () { dialog.close(); done("已退回《" + r.title + "》，参赛者会看到退回原因。", "returned with your reason"); },
      function (err) {
        field.classList.add("invalid");
        field.querySelector(".error").textContent = (err.detail && err.detail.message_zh) || err.message;
      }
    );
  });

  filter.addEventListener("change", renderRows);

  function load() {
    var base = "/api/campaigns/" + encodeURIComponent(cid);
    Zj.api("GET", base + "/submissions").then(function (list) { rows = list || []; renderRows(); }, function (err) { Zj.showError(banner, err); });
    Zj.api("GET", base + "/summary").then(renderQuota, function () {
      document.getElementById("quota").textContent = "名额信息暂不可用 Quota unavailable";
    });
  }

  load();
  setInterval(function () { if (!document.hidden && !dialog.open) load(); }, 10000);
})();
