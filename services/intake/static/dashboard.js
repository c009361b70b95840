/* Campaign dashboard: counts by stage, approval, group, category and unit, polled every 5 s. */
"use strict";

(function () {
  var page = document.getElementById("page");
  var cid = page.getAttribute("data-campaign");
  var labels = JSON.parse(page.getAttribute("data-labels") || "{}");
  var level = document.getElementById("level");
  var banner = document.getElementById("banner");
  var el = Zj.el;
  var EVERY_MS = 5000;
  var APPROVAL = { pending: ["待审核", "pending"], approved: ["已通过", "approved"], returned: ["已退回", "returned"] };

  function tile(n, zh, en, key) {
    return el("div", { className: "tile", "data-key": key }, [
      el("div", { className: "n", text: String(n) }),
      el("div", { className: "l" }, [Zj.bilingual(zh, en)]),
    ]);
  }

  function renderTiles(s) {
    var holder = document.getElementById("tiles");
    holder.textContent = "";
    holder.appendChild(tile(s.total || 0, "报名作品", "entries", "total"));
    Object.keys(s.by_stage || {}).forEach(function (stage) {
      var l = labels[stage] || [stage, stage];
      holder.appendChild(tile(s.by_stage[stage], l[0], l[1], "stage:" + stage));
    });
  }

  // A two-column count table with a bar, biggest first: readable at a glance on a small screen.
  function countTable(id, counts, name) {
    var holder = document.getElementById(id);
    holder.textContent = "";
    var keys = Object.keys(counts || {}).sort(function (a, b) { return counts[b] - counts[a]; });
    if (!keys.length) { holder.appendChild(el("p", { className: "muted", text: "暂无 none" })); return; }
    var max = counts[keys[0]] || 1;
    holder.appendChild(el("table", {}, [el("tbody", {}, keys.map(function (k) {
      var label = name ? name(k) : [k === "null" || !k ? "（未填）" : k, ""];
      return el("tr", { "data-key": k }, [
        el("td", {}, [Zj.bilingual(label[0], label[1])]),
        el("td", { className: "num", text: String(counts[k]) }),
        el("td", { style: "width:40%" }, [el("span", { className: "bar", style: "width:" + Math.max(2, Math.round((counts[k] / max) * 100)) + "%" })]),
      ]);
    }))]));
  }

  function renderUnits(units) {
    var holder = document.getElementById("by-unit");
    holder.textContent = "";
    if (!units || !units.length) { holder.appendChild(el("p", { className: "muted", text: "暂无 none" })); return; }
    var head = el("tr", {}, ["单位 Unit", "报名 Entries", "待审核 Awaiting", "已通过 Approved", "名额 Quota"].map(function (h, i) {
      return el("th", { className: i && i < 4 ? "num" : "", text: h });
    }));
    var body = units.map(function (u) {
      var quota = (u.quota || []).map(function (q) {
        var over = q.kind === "max" && q.used > q.limit;
        return el("div", { className: over ? "quota-over" : "", text: ((q.series || "") + " " + (q.level || "") + " " + q.used + "/" + q.limit).trim() });
      });
      return el("tr", { "data-unit": u.unit_code }, [
        el("td", { text: u.unit_name || u.unit_code }),
        el("td", { className: "num", text: String(u.total) }),
        el("td", { className: "num", text: String(u.awaiting || 0) }),
        el("td", { className: "num", text: String(u.approved || 0) }),
        el("td", {}, quota.length ? quota : [el("span", { className: "muted", text: "—" })]),
      ]);
    });
    holder.appendChild(el("table", {}, [el("thead", {}, [head]), el("tbody", {}, body)]));
  }

  function render(s) {
    banner.className = "hidden";
    renderTiles(s);
    countTable("by-group", s.by_group);
    countTable("by-category", s.by_category);
    countTable("by-approval", s.by_approval, function (k) { return APPROVAL[k] || [k, ""]; });
    renderUnits(s.by_unit);
    document.getElementById("updated").textContent = "更新于 " + Zj.formatTime(new Date().toISOString()).slice(11) + " updated";
  }

  var timer = null;
  function load() {
    clearTimeout(timer);
    var url = "/api/campaigns/" + encodeURIComponent(cid) + "/summary" + (level.value ? "?level=" + level.value : "");
    Zj.api("GET", url).then(render, function (err) { Zj.showError(banner, err); }).then(function () {
      timer = setTimeout(tick, EVERY_MS);
    });
  }

  // A hidden tab does not poll: a lab of thirty laptops left open costs the server nothing.
  function tick() {
    if (document.hidden) { timer = setTimeout(tick, EVERY_MS); return; }
    load();
  }

  level.addEventListener("change", load);
  load();
})();
