/* The registration form: the API checks it (one set of rules), this shows its answers per field. */
"use strict";

(function () {
  var form = document.getElementById("entry-form");
  var banner = document.getElementById("banner");
  var campaign = form.getAttribute("data-campaign");
  var subcolumns = JSON.parse(form.getAttribute("data-subcolumns") || "{}");

  // Character counters: the limit is shown, not enforced by the browser, so a pasted text
  // over it is visible and the API's message says what to do.
  Array.prototype.forEach.call(form.querySelectorAll("[data-max]"), function (input) {
    var counter = form.querySelector('.counter[data-for="' + input.name + '"]');
    var max = parseInt(input.getAttribute("data-max"), 10);
    function update() {
      var n = input.value.trim().length;
      counter.textContent = n + "/" + max + "字";
      counter.style.color = n > max ? "#c81e1e" : "";
    }
    input.addEventListener("input", update);
    update();
  });

  // Hunan: the sub-column list follows the chosen section.
  var category = form.elements.category;
  var subcolumn = form.elements.subcolumn;
  if (category && subcolumn && Object.keys(subcolumns).length) {
    var all = Array.prototype.map.call(subcolumn.options, function (o) { return o.value; }).filter(Boolean);
    category.addEventListener("change", function () {
      var allowed = subcolumns[category.value] || all;
      var keep = subcolumn.value;
      while (subcolumn.options.length > 1) subcolumn.remove(1);
      allowed.forEach(function (name) { subcolumn.appendChild(Zj.el("option", { text: name })); });
      subcolumn.value = allowed.indexOf(keep) >= 0 ? keep : "";
    });
  }

  function clearErrors() {
    banner.className = "hidden";
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (f) {
      f.classList.remove("invalid");
      f.querySelector(".error").textContent = "";
    });
  }

  function fieldError(name, zh, en) {
    var field = form.querySelector('[data-field="' + name + '"]');
    if (!field) return false;
    field.classList.add("invalid");
    field.querySelector(".error").appendChild(Zj.el("div", {}, [Zj.bilingual(zh, en)]));
    return true;
  }

  function collect() {
    var body = { form: {} };
    Array.prototype.forEach.call(form.elements, function (input) {
      if (!input.name) return;
      var value = input.value.trim();
      if (input.name === "group") { if (value) body.group = value; }
      else if (input.name === "unit_code") { if (value) body.unit_code = value; }
      else if (value) body.form[input.name] = value;
    });
    return body;
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors();
    var body = collect();
    if (form.elements.group && !body.group) {
      fieldError("group", "请选择组别", "choose a group");
      form.elements.group.focus();
      return;
    }
    var button = document.getElementById("submit-entry");
    button.disabled = true;
    Zj.api("POST", "/api/campaigns/" + encodeURIComponent(campaign) + "/entries", body).then(
      function (answer) {
        location.href = "/submissions/" + encodeURIComponent(answer.submission_id);
      },
      function (err) {
        button.disabled = false;
        var d = err.detail || {};
        var placed = 0;
        (d.fields || []).forEach(function (p) { if (fieldError(p.field, p.message_zh, p.message_en)) placed++; });
        if (d.field && fieldError(d.field, d.message_zh, d.message_en)) placed++;
        if (placed && d.fields) {
          Zj.showBanner(banner, "error", "报名表有" + d.fields.length + "处需要修改，请看标红的项目", "please correct the fields marked in red");
        } else {
          Zj.showError(banner, err);
        }
        var first = form.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
        if (first) first.focus();
        window.scrollTo(0, 0);
      }
    );
  });
})();
