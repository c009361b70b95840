// Login, entrant registration and the account page (password change, an admin's reset): post to
// the API, show its Chinese messages next to the fields.
import { api } from "/static/common/api.js";
import { bilingual, el, showBanner, showError } from "/static/common/dom.js";

const banner = document.getElementById("banner");

function clearErrors(form, box = banner) {
  box.className = "hidden";
  for (const field of form.querySelectorAll(".field")) {
    field.classList.remove("invalid");
    field.querySelector(".error").textContent = "";
  }
}

function fieldError(form, name, zh, en) {
  const field = form.querySelector(`[data-field="${name}"]`);
  if (!field) return false;
  field.classList.add("invalid");
  field.querySelector(".error").replaceChildren(bilingual(zh, en));
  return true;
}

function showApiError(form, error, box = banner) {
  const d = error.detail || {};
  // The accounts API names the offending field in `field`; forms in `fields`.
  if (d.field && fieldError(form, d.field, d.message_zh, d.message_en)) return;
  for (const p of d.fields || []) fieldError(form, p.field, p.message_zh, p.message_en);
  showError(box, error);
}

async function send(form, url, body) {
  try {
    const answer = await api("POST", url, body);
    const next = form.dataset.next || "/";
    // A temporary password (an admin's reset): the account page first, then where it was going.
    const mustChange = answer && answer.user && answer.user.must_change_password;
    location.href = mustChange ? `/account?next=${encodeURIComponent(next)}` : next;
  } catch (error) {
    showApiError(form, error);
  }
}

const login = document.getElementById("login-form");
if (login) {
  login.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(login);
    const body = { username: login.username.value.trim(), password: login.password.value };
    if (!body.username) fieldError(login, "username", "请填写用户名", "required");
    else if (!body.password) fieldError(login, "password", "请填写密码", "required");
    else send(login, "/api/auth/login", body);
  });
}

// The unit picker: one select per level, each filled from /api/units when its parent is chosen.
const NEXT_LEVEL = { province: "city", city: "county", county: "school" };
const LEVEL_ZH = { province: "省", city: "市（州）", county: "县（区）", school: "学校（单位）" };

async function children(code, level) {
  const next = NEXT_LEVEL[level];
  if (!next) return [];
  const url = `/api/units?under=${encodeURIComponent(code)}`;
  // Ask for the next level only (a province may hold thousands of schools); a tree that
  // skips a level falls back to the direct children of the whole subtree.
  const list = await api("GET", `${url}&level=${next}`);
  if (list.length) return list;
  return (await api("GET", url)).filter((u) => u.parent === code);
}

async function roots(levels) {
  for (const level of levels) {
    const list = await api("GET", `/api/units?level=${level}`);
    if (list.length) return list;
  }
  return [];
}

function unitPicker(signup) {
  const picker = document.getElementById("unit-picker");
  const addSelect = (units, depth) => {
    while (picker.children.length > depth) picker.lastElementChild.remove();
    if (!units.length) return;
    const levelZh = LEVEL_ZH[units[0].level] || "单位";
    const select = el("select", { "aria-label": levelZh, "data-depth": String(depth) }, [
      el("option", { value: "", text: `请选择${levelZh}` }),
      ...units.map((u) => el("option", { value: u.code, text: u.name, "data-level": u.level })),
    ]);
    picker.append(el("div", { className: "col" }, [select]));
    select.addEventListener("change", async () => {
      signup.unit_code.value = select.value;
      try {
        const level = select.value ? select.selectedOptions[0].dataset.level : null;
        addSelect(level ? await children(select.value, level) : [], depth + 1);
      } catch (error) {
        showError(banner, error);
      }
    });
  };
  roots(["province", "city", "county", "school"]).then(
    (list) => {
      if (!list.length) fieldError(signup, "unit_code", "尚未导入组织机构，请联系活动管理员", "no units have been imported yet");
      addSelect(list, 0);
    },
    (error) => showError(banner, error),
  );
  return picker;
}

const signup = document.getElementById("signup-form");
if (signup) {
  const picker = unitPicker(signup);
  signup.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(signup);
    const body = {
      username: signup.username.value.trim(),
      display_name: signup.display_name.value.trim(),
      password: signup.password.value,
      unit_code: signup.unit_code.value,
    };
    let bad = false;
    const refuse = (name, zh, en) => {
      bad = fieldError(signup, name, zh, en) || bad;
    };
    if (!body.username) refuse("username", "请填写用户名", "required");
    if (!body.display_name) refuse("display_name", "请填写姓名", "required");
    if (body.password.length < 8) refuse("password", "密码至少8位", "at least 8 characters");
    if (body.password !== signup.password2.value) refuse("password2", "两次输入的密码不一致", "the passwords differ");
    const lastSelect = picker.lastElementChild && picker.lastElementChild.querySelector("select");
    if (!body.unit_code || (lastSelect && !lastSelect.value)) {
      refuse("unit_code", "请逐级选择到您所在的学校（单位）", "choose your school");
    }
    if (!bad) send(signup, "/api/auth/signup", body);
  });
}

const password = document.getElementById("password-form");
if (password) {
  password.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(password);
    const body = { old_password: password.old_password.value, new_password: password.new_password.value };
    if (!body.old_password) fieldError(password, "old_password", "请填写原密码", "required");
    else if (body.new_password.length < 8) fieldError(password, "new_password", "密码至少8位", "at least 8 characters");
    else if (body.new_password !== password.new_password2.value) {
      fieldError(password, "new_password2", "两次输入的密码不一致", "the passwords differ");
    } else send(password, "/api/auth/password", body);
  });
}

const reset = document.getElementById("reset-form");
if (reset) {
  const box = document.getElementById("reset-banner");
  const done = document.getElementById("reset-done");
  reset.addEventListener("submit", async (event) => {
    event.preventDefault();
    clearErrors(reset, box);
    done.className = "hidden";
    const username = reset.username.value.trim();
    if (!username) return fieldError(reset, "username", "请填写用户名", "required");
    const typed = reset.temporary_password.value;
    try {
      const url = `/api/users/${encodeURIComponent(username)}/password`;
      const answer = await api("POST", url, typed ? { temporary_password: typed } : {});
      showBanner(
        done,
        "ok",
        `已重置 ${answer.username} 的密码，临时密码：${answer.temporary_password}（对方下次登录时须修改）`,
        "reset; the owner must change it at the next login",
      );
    } catch (error) {
      showApiError(reset, error, box);
    }
  });
}
