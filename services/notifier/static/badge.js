// The unread count beside the header on every page, linking to the inbox (/notifications).
// Quiet when nobody is logged in (401) or the notifier does not answer: it is a hint, not a page.
import { el } from "/static/common/dom.js";

async function unread() {
  const answer = await fetch("/api/notifier/inbox?limit=1", {
    credentials: "same-origin",
    headers: { Accept: "application/json" },
  }).catch(() => null);
  if (!answer || !answer.ok) return null;
  return (await answer.json()).unread;
}

const count = await unread();
if (count !== null) {
  document.head.append(el("link", { rel: "stylesheet", href: "/static/notifier/badge.css" }));
  const slot = document.getElementById("notifier-badge-slot") || document.querySelector("header .who");
  const badge = el("a", { href: "/notifications", id: "notifier-badge", className: "notifier-badge" }, [
    "消息 ",
    el("span", { className: "en", text: "Messages " }),
    el("b", { className: count ? "count unread" : "count", text: String(count) }),
  ]);
  badge.title = `${count} 条未读 / unread`;
  if (slot) slot.prepend(badge);
}
