// Calling a zhengji JSON API from a page: the one fetch helper of every service's pages.
//
// Errors come back as {"detail": {"message_zh", "message_en", ...}} (services/common/errors.py);
// the helper throws them as an ApiError whose `detail` keeps every field the server sent (fields,
// problems, ...), so a page can place each message next to the input it is about. A 401 on a page
// that names its login page (<html data-login="/login">) goes there with ?next= the page (intake's
// login comes back to it; review's signs in by the link the organisers sent).

export class ApiError extends Error {
  constructor(status, detail) {
    super(`${detail.message_zh || "请求失败"}（${status}）`);
    this.status = status;
    this.detail = detail;
  }
}

// The server's bilingual detail, or words for the answers that carry none.
function detailOf(status, body) {
  const detail = body && body.detail;
  if (detail && typeof detail === "object" && !Array.isArray(detail)) return detail;
  if (Array.isArray(detail)) {
    // FastAPI's own 422 (a malformed request): name the fields it points at.
    return {
      message_zh: "提交的内容格式不正确",
      message_en: "the request is malformed",
      fields: detail.map((d) => {
        const loc = d.loc || [];
        return { field: String(loc[loc.length - 1]), message_zh: "格式不正确", message_en: d.msg };
      }),
    };
  }
  if (status === 401) return { message_zh: "请先登录", message_en: "please log in" };
  if (status === 403) return { message_zh: "没有权限进行此操作", message_en: "not allowed" };
  if (status === 0) return { message_zh: "网络连接中断，请检查网络后重试", message_en: "network error" };
  return { message_zh: "服务器暂时无法处理，请稍后再试", message_en: "the server could not answer" };
}

function toLogin(url) {
  const login = document.documentElement.dataset.login;
  // A login request's own 401 is a wrong password, not an expired session.
  if (!login || new URL(url, location.href).pathname.startsWith("/api/auth/")) return;
  location.href = `${login}?next=${encodeURIComponent(location.pathname + location.search)}`;
}

// A server or network that never answers: the page says so instead of waiting for ever.
const TIMEOUT_MS = 30000;
const TIMED_OUT = { message_zh: "请求超时，请检查网络后重试", message_en: "the request timed out" };

const XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

// A table a person uploads (the organisation tree, an expert list): XLSX when its name says so,
// else CSV; the server reads the one the Content-Type names.
export function tableType(file) {
  return /\.xlsx$/i.test(file.name) ? XLSX : "text/csv";
}

// `body`: an object sent as JSON, or a File/Blob sent as it is (its type, or `contentType`);
// `headers`: more request headers (an Idempotency-Key).
// Resolves to the parsed JSON answer (null when the answer is empty); rejects with an ApiError,
// also when no whole answer came within `timeoutMs`.
export async function api(method, url, body, { contentType, timeoutMs = TIMEOUT_MS, headers: extra = {} } = {}) {
  const headers = { Accept: "application/json", ...extra };
  const abort = new AbortController();
  const timer = setTimeout(() => abort.abort(), timeoutMs);
  const init = { method, credentials: "same-origin", headers, signal: abort.signal };
  if (body instanceof Blob) {
    headers["Content-Type"] = contentType || body.type || "application/octet-stream";
    init.body = body;
  } else if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  let response, text;
  try {
    response = await fetch(url, init);
    text = await response.text();
  } catch {
    throw new ApiError(0, abort.signal.aborted ? { ...TIMED_OUT } : detailOf(0, null));
  } finally {
    clearTimeout(timer);
  }
  let data = null;
  try {
    data = text ? JSON.parse(text) : null;
  } catch {
    data = null;
  }
  if (response.status === 401) toLogin(url);
  if (!response.ok) throw new ApiError(response.status, detailOf(response.status, data));
  return data;
}
