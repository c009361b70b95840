// Filing an appeal on the public 公示 page: the API checks everything (login, period, limits) and
// its Chinese message is shown as it comes; a malformed field is named in Chinese.
import { api } from "/static/common/api.js";
import { showBanner, showError } from "/static/common/dom.js";

const root = document.getElementById("notice");
const form = document.getElementById("appeal");
const out = document.getElementById("appeal-result");
const FIELD_ZH = { contact: "联系方式", reason: "异议理由", submission_id: "异议作品" };

// A 422 of the request's shape (services/common/errors.py) names its fields by `loc`: say which in Chinese.
function explain(error) {
  const errors = (error.detail && error.detail.errors) || [];
  const named = [...new Set(errors.map((e) => (e.loc || []).slice(-1)[0]).filter((f) => f in FIELD_ZH))];
  if (!named.length) return showError(out, error);
  const zh = named.map((f) => FIELD_ZH[f]).join("、");
  return showBanner(out, "error", `请填写${zh}（不能为空，且不超过限定字数）`, error.detail.message_en);
}

form.addEventListener("submit", async (event) => {
  event.preventDefault();
  const body = Object.fromEntries(new FormData(form));
  const button = form.querySelector("button[type=submit]");
  button.disabled = true;
  try {
    const filed = await api("POST", `/api/review/rounds/${encodeURIComponent(root.dataset.round)}/appeals`, body);
    showBanner(
      out,
      "ok",
      `异议已提交（编号 ${filed.appeal_id}），评审组长将通过您留下的联系方式答复`,
      "appeal filed: the chair will answer by the contact you left",
    );
    form.reset();
  } catch (error) {
    explain(error);
  } finally {
    button.disabled = false;
  }
});
