// The registration form: the API checks it (one set of rules), this shows its answers per field.
import { api } from "/static/common/api.js";
import { bilingual, el, showBanner, showError } from "/static/common/dom.js";

const form = document.getElementById("entry-form");
const banner = document.getElementById("banner");
const campaign = form.dataset.campaign;
const subcolumns = JSON.parse(form.dataset.subcolumns || "{}");

// Character counters: the limit is shown, not enforced by the browser, so a pasted text
// over it is visible and the API's message says what to do.
for (const input of form.querySelectorAll("[data-max]")) {
  const counter = form.querySelector(`.counter[data-for="${input.name}"]`);
  const max = parseInt(input.dataset.max, 10);
  const update = () => {
    const n = input.value.trim().length;
    counter.textContent = `${n}/${max}字`;
    counter.style.color = n > max ? "#c81e1e" : "";
  };
  input.addEventListener("input", update);
  update();
}

// Hunan: the sub-column list follows the chosen section.
const { category, subcolumn } = form.elements;
if (category && subcolumn && Object.keys(subcolumns).length) {
  const all = Array.from(subcolumn.options, (o) => o.value).filter(Boolean);
  category.addEventListener("change", () => {
    const allowed = subcolumns[category.value] || all;
    const keep = subcolumn.value;
    while (subcolumn.options.length > 1) subcolumn.remove(1);
    for (const name of allowed) subcolumn.append(el("option", { text: name }));
    subcolumn.value = allowed.includes(keep) ? keep : "";
  });
}

// Shanxi: a series asks for fields the form leaves optional; mark them when it is chosen (the API
// refuses the entry without them, naming each field).
const seriesRequired = JSON.parse(form.dataset.seriesRequired || "{}");
const { series } = form.elements;
if (series && Object.keys(seriesRequired).length) {
  const mark = () => {
    const wanted = seriesRequired[series.value] || [];
    for (const label of form.querySelectorAll(".field label .series-req")) label.remove();
    for (const key of wanted) {
      const label = form.querySelector(`[data-field="${key}"] label`);
      if (label && !label.querySelector(".req")) label.append(el("span", { className: "req series-req", text: "*" }));
    }
  };
  series.addEventListener("change", mark);
  mark();
}

function clearErrors() {
  banner.className = "hidden";
  for (const field of form.querySelectorAll(".field")) {
    field.classList.remove("invalid");
    field.querySelector(".error").textContent = "";
  }
}

function fieldError(name, zh, en) {
  const field = form.querySelector(`[data-field="${name}"]`);
  if (!field) return false;
  field.classList.add("invalid");
  field.querySelector(".error").append(el("div", {}, [bilingual(zh, en)]));
  return true;
}

function collect() {
  const body = { form: {} };
  for (const input of form.elements) {
    if (!input.name) continue;
    const value = input.value.trim();
    if (!value) continue;
    if (input.name === "group" || input.name === "unit_code") body[input.name] = value;
    else body.form[input.name] = value;
  }
  return body;
}

// One key for this page's registration: sent again after an answer that never came (a dropped
// connection), it finds the entry already made instead of the one-per-person refusal.
// getRandomValues, not randomUUID: the latter needs HTTPS, and some bureaus serve plain HTTP.
const registrationKey = Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) =>
  b.toString(16).padStart(2, "0"),
).join("");

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  clearErrors();
  const body = collect();
  const button = document.getElementById("submit-entry");
  button.disabled = true;
  try {
    const url = `/api/campaigns/${encodeURIComponent(campaign)}/entries`;
    const answer = await api("POST", url, body, { headers: { "Idempotency-Key": registrationKey } });
    location.href = `/submissions/${encodeURIComponent(answer.submission_id)}`;
  } catch (error) {
    button.disabled = false;
    const d = error.detail || {};
    let placed = 0;
    for (const p of d.fields || []) if (fieldError(p.field, p.message_zh, p.message_en)) placed++;
    if (d.field && fieldError(d.field, d.message_zh, d.message_en)) placed++;
    if (placed && d.fields) {
      showBanner(banner, "error", `报名表有${d.fields.length}处需要修改，请看标红的项目`, "please correct the fields marked in red");
    } else {
      showError(banner, error);
    }
    const first = form.querySelector(".field.invalid input, .field.invalid select, .field.invalid textarea");
    if (first) first.focus();
    window.scrollTo(0, 0);
  }
});
