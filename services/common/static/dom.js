// Building page elements and showing messages Chinese first, English after, on every service's pages.

// el("tr", {className: "x", "data-key": k, text: "..."}, [child, "text", ...])
export function el(tag, attrs = {}, children = []) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (key === "text") node.textContent = value;
    else if (key === "className") node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children) node.append(child);
  return node;
}

// The Chinese words, then the English in a muted <span class="en">.
export function bilingual(zh, en) {
  return el("span", {}, [zh || "", el("span", { className: "en", text: en ? ` ${en}` : "" })]);
}

// A message box: kind is "error", "ok" or "info" (a class each service's stylesheet colours).
export function showBanner(node, kind, zh, en) {
  node.className = `banner ${kind}`;
  node.hidden = false;
  node.replaceChildren(bilingual(zh, en));
}

// An ApiError (or anything thrown) in words: the server's Chinese message first.
export function showError(node, error) {
  const detail = (error && error.detail) || { message_zh: String(error) };
  showBanner(node, "error", detail.message_zh || "出错了", detail.message_en || "");
}
