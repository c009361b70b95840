// The inbox page: messages newest first (unread marked), and the person's own contact choices.
import { api } from "/static/common/api.js";
import { el, showBanner, showError } from "/static/common/dom.js";

const list = document.getElementById("messages");
const form = document.getElementById("contacts");
const NAMES = { email: ["电子邮件", "E-mail"], sms: ["手机短信", "SMS"], wechat: ["微信 openid", "WeChat openid"] };

async function showMessages() {
  const inbox = await api("GET", "/api/notifier/inbox?limit=100");
  list.replaceChildren(
    ...inbox.messages.map((m) =>
      el("li", { className: m.read ? "read" : "unread", "data-id": m.id }, [
        el("strong", { text: m.subject }),
        el("time", { text: ` ${new Date(m.created_at).toLocaleString("zh-CN")}` }),
        el("p", { text: m.body }),
        ...(m.link ? [el("a", { href: m.link, text: "查看 View" })] : []),
      ]),
    ),
  );
  if (!inbox.messages.length) list.replaceChildren(el("li", { text: "暂无消息 No messages" }));
}

async function showContacts() {
  const me = await api("GET", "/api/notifier/me");
  const rows = me.available.map((name) => {
    const saved = me.preferences.contacts[name] || { address: "", agreed: false };
    const [zh, en] = NAMES[name] || [name, name];
    return el("p", {}, [
      el("label", {}, [`${zh} `, el("span", { className: "en", text: en }), " ",
        el("input", { name: `${name}-address`, value: saved.address })]),
      el("label", {}, [
        el("input", Object.assign({ type: "checkbox", name: `${name}-agreed` }, saved.agreed ? { checked: "" } : {})),
        " 同意通过此方式接收通知 ", el("span", { className: "en", text: "I agree to be told this way" }),
      ]),
    ]);
  });
  const english = el("input", Object.assign({ type: "checkbox", name: "english" }, me.preferences.english ? { checked: "" } : {}));
  const banner = el("div", { hidden: "" });
  form.replaceChildren(...rows, el("p", {}, [el("label", {}, [english, " 附英文 Also in English"])]),
    el("button", { type: "submit", text: "保存 Save" }), banner);
  form.onsubmit = async (event) => {
    event.preventDefault();
    const contacts = {};
    for (const name of me.available) {
      const address = form.elements[`${name}-address`].value.trim();
      if (address) contacts[name] = { address, agreed: form.elements[`${name}-agreed`].checked };
    }
    try {
      await api("PUT", "/api/notifier/me", { english: english.checked, contacts });
      showBanner(banner, "ok", "已保存", "saved");
    } catch (error) {
      showError(banner, error);
    }
  };
}

document.getElementById("read-all").addEventListener("click", async () => {
  await api("POST", "/api/notifier/inbox/read-all");
  await showMessages();
});
await showMessages();
await showContacts();
