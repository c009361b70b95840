/* Login and entrant registration: post to the API, show its Chinese messages next to the fields. */
"use strict";

(function () {
  var banner = document.getElementById("banner");

  function clearErrors(form) {
    banner.className = "hidden";
    Array.prototype.forEach.call(form.querySelectorAll(".field"), function (f) {
      f.classList.remove("invalid");
      f.querySelector(".error").textContent = "";
    });
  }

  function fieldError(form, name, zh, en) {
    var field = form.querySelector('[data-field="' + name + '"]');
    if (!field) return false;
    field.classList.add("invalid");
    var box = field.querySelector(".error");
    box.textContent = "";
    box.appendChild(Zj.bilingual(zh, en));
    return true;
  }

  function showApiError(form, err) {
    var d = err.detail || {};
    // The accounts API names the offending field in `field`; forms in `fields`.
    if (d.field && fieldError(form, d.field, d.message_zh, d.message_en)) return;
    (d.fields || []).forEach(function (p) { fieldError(form, p.field, p.message_zh, p.message_en); });
    Zj.showError(banner, err);
  }

  function go(form) {
    location.href = form.getAttribute("data-next") || "/";
  }

  var login = document.getElementById("login-form");
  if (login) {
    login.addEventListener("submit", function (e) {
      e.preventDefault();
      clearErrors(login);
      var body = { username: login.username.value.trim(), password: login.password.value };
      if (!body.username) { fieldError(login, "username", "请填写用户名", "required"); return; }
      if (!body.password) { fieldError(login, "password", "请填写密码", "required"); return; }
      Zj.api("POST", "/api/auth/login", body).then(function () { go(login); }, function (err) { showApiError(login, err); });
    });
  }

  var signup = document.getElementById("signup-form");
  if (!signup) return;

  // The unit picker: one select per level, each filled from /api/units when its parent is chosen.
  var picker = document.getElementById("unit-picker");
  var NEXT_LEVEL = { province: "city", city: "county", county: "school" };
  var LEVEL_ZH = { province: "省", city: "市（州）", county: "县（区）", school: "学校（单位）" };

  function addSelect(units, depth) {
    while (picker.children.length > depth) picker.removeChild(picker.lastChild);
    if (!units.length) return;
    var select = Zj.el("select", { "aria-label": LEVEL_ZH[units[0].level] || "单位", "data-depth": String(depth) });
    select.appendChild(Zj.el("option", { value: "", text: "请选择" + (LEVEL_ZH[units[0].level] || "单位") }));
    units.forEach(function (u) { select.appendChild(Zj.el("option", { value: u.code, text: u.name, "data-level": u.level })); });
    var col = Zj.el("div", { className: "col" }, [select]);
    picker.appendChild(col);
    select.addEventListener("change", function () {
      var opt = select.options[select.selectedIndex];
      signup.unit_code.value = select.value;
      if (!select.value) { addSelect([], depth + 1); return; }
      children(select.value, opt.getAttribute("data-level")).then(function (list) { addSelect(list, depth + 1); });
    });
  }

  function children(code, level) {
    var next = NEXT_LEVEL[level];
    if (!next) return Promise.resolve([]);
    var url = "/api/units?under=" + encodeURIComponent(code);
    // Ask for the next level only (a province may hold thousands of schools); a tree that
    // skips a level falls back to the direct children of the whole subtree.
    return Zj.api("GET", url + "&level=" + next).then(function (list) {
      if (list.length) return list;
      return Zj.api("GET", url).then(function (all) {
        return all.filter(function (u) { return u.parent === code; });
      });
    });
  }

  function roots(levels) {
    if (!levels.length) return Promise.resolve([]);
    return Zj.api("GET", "/api/units?level=" + levels[0]).then(function (list) {
      return list.length ? list : roots(levels.slice(1));
    });
  }

  roots(["province", "city", "county", "school"]).then(
    function (list) {
      if (!list.length) {
        fieldError(signup, "unit_code", "尚未导入组织机构，请联系活动管理员", "no units have been imported yet");
      }
      addSelect(list, 0);
    },
    function (err) { Zj.showError(banner, err); }
  );

  signup.addEventListener("submit", function (e) {
    e.preventDefault();
    clearErrors(signup);
    var body = {
      username: signup.username.value.trim(),
      display_name: signup.display_name.value.trim(),
      password: signup.password.value,
      unit_code: signup.unit_code.value,
    };
    var bad = false;
    if (!body.username) bad = fieldError(signup, "username", "请填写用户名", "required") || bad;
    if (!body.display_name) bad = fieldError(signup, "display_name", "请填写姓名", "required") || bad;
    if (body.password.length < 8) bad = fieldError(signup, "password", "密码至少8位", "at least 8 characters") || bad;
    if (body.password !== signup.password2.value) bad = fieldError(signup, "password2", "两次输入的密码不一致", "the passwords differ") || bad;
    var lastSelect = picker.lastChild ? picker.lastChild.querySelector("select") : null;
    if (!body.unit_code || (lastSelect && !lastSelect.value)) {
      bad = fieldError(signup, "unit_code", "请逐级选择到您所在的学校（单位）", "choose your school") || bad;
    }
    if (bad) return;
    Zj.api("POST", "/api/auth/signup", body).then(function () { go(signup); }, function (err) { showApiError(signup, err); });
  });
})();
