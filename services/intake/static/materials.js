// An entry's materials: one upload box each, what is uploaded, whether a file may be chosen now,
// and where an unfinished upload stopped (before the file is chosen again).
import { api } from "/static/common/api.js";
import { el } from "/static/common/dom.js";
import { formatBytes } from "./format.js";
import { precheckFor } from "./precheck.js";
import { supported, uploadBox } from "./upload.js";

const PRIMARY_OPEN = ["registered", "failed_validation", "transcode_failed", "awaiting_approval", "returned"];
const KIND_ZH = { video: "视频", audio: "音频", images: "图片", text: "文字", quiz: "题目", courseware: "课件", registration_form: "报名表" };
const ACCEPT = {
  video: "video/*,.mp4,.mov",
  audio: "audio/*,.mp3,.m4a,.wav",
  images: "image/*",
  courseware: ".ppt,.pptx,.pdf",
  registration_form: ".pdf,.jpg,.jpeg,.png",
  text: ".txt,.doc,.docx,.pdf",
  quiz: ".xlsx,.xls,.csv",
};

const uploadId = (url) => String(url || "").replace(/\/+$/, "").split("/").pop();

function uploadedText(sub, m) {
  if (m.primary) {
    const versions = sub.versions || [];
    const v = versions[versions.length - 1];
    return v ? `已上传第${v.version}版${v.filename ? `：${v.filename}` : ""}（${formatBytes(v.media.size)}）` : "";
  }
  const files = ((sub.materials || {})[m.key] || {}).files || [];
  return files.length ? `已上传：${files.map((f) => f.filename).join("、")}` : "";
}

export class Materials {
  // onDone: called when a file is uploaded (the page then reloads the entry's status).
  constructor(holder, { submissionId, chunkSize, onDone }) {
    this.holder = holder;
    this.sid = submissionId;
    this.chunkSize = chunkSize;
    this.onDone = onDone;
    this.boxes = {};
  }

  render(sub) {
    const list = sub.required_materials || [];
    if (!Object.keys(this.boxes).length) {
      const refusal = supported ? [] : [el("div", { className: "banner error", text: "此浏览器不支持断点续传上传，请使用新版 Chrome、Edge 或 Firefox。" })];
      this.holder.replaceChildren(...refusal, ...list.map((m) => this.box(m)));
      this.fetchPending();
    }
    const allowed = !sub.upload || sub.upload.allowed !== false;
    const approved = (sub.approval || {}).state === "approved";
    for (const m of list) {
      const box = this.boxes[m.key];
      if (!box) continue;
      const uploaded = uploadedText(sub, m);
      box.root.querySelector(".uploaded").textContent = uploaded ? `✓ ${uploaded}` : "";
      const open = allowed && (m.primary ? PRIMARY_OPEN.includes(sub.stage) : !approved);
      if (!box.running) box.enable(open);
    }
  }

  box(m) {
    const input = el("input", { type: "file", accept: ACCEPT[m.kind] || "", "aria-label": `选择文件：${m.label}` });
    if (m.kind === "images") input.multiple = true;
    const need = m.required ? "必交" : m.one_of ? "至少交一项" : "选交";
    const root = el("div", { className: "material", "data-material": m.key }, [
      el("div", {}, [
        el("span", { className: "name", text: m.label }), " ",
        el("span", { className: "badge", text: KIND_ZH[m.kind] || m.kind }), " ",
        el("span", { className: m.required ? "badge bad" : "badge", text: need }), " ",
        m.primary ? el("span", { className: "badge good", text: "主作品" }) : "", " ",
        el("span", { className: "uploaded small muted" }),
      ]),
      el("div", { className: "actions" }, [
        // The browser's own file button speaks the browser's language; this one speaks Chinese.
        el("label", { className: "button secondary file-button" }, [input, el("span", { className: "file-label", text: "选择文件 Choose file" })]),
        el("button", { type: "button", className: "secondary pause hidden", text: "暂停 Pause" }),
        el("button", { type: "button", className: "resume hidden", text: "继续上传 Continue" }),
      ]),
      el("div", { className: "progress hidden", role: "progressbar", "aria-valuemin": "0", "aria-valuemax": "100" }, [el("div")]),
      el("div", { className: "progress-text small" }),
      el("div", { className: "upload-error banner error hidden" }),
    ]);
    const precheck = ["video", "audio"].includes(m.kind) ? precheckFor(this.sid, m.key) : null;
    const options = { submissionId: this.sid, material: m.key, chunkSize: this.chunkSize, onDone: this.onDone, precheck };
    this.boxes[m.key] = uploadBox(root, options);
    return root;
  }

  // Unfinished uploads, so the bar shows where each stopped before the file is chosen again.
  // The server knows the offsets; this browser's tus storage knows what the file was called.
  async fetchPending() {
    const local = await this.stored();
    let list;
    try {
      list = await api("GET", `/api/submissions/${encodeURIComponent(this.sid)}/uploads`);
    } catch {
      this.pendingFromStorage(local);
      return;
    }
    for (const p of list || []) {
      const mine = local[uploadId(p.upload_url)];
      p.original = p.original_filename || (mine ? mine.metadata.filename : null);
      if (this.boxes[p.material]) this.boxes[p.material].showPending(p);
    }
  }

  async stored() {
    const storage = window.tus ? window.tus.defaultOptions.urlStorage : null;
    if (!storage || !storage.findAllUploads) return {};
    try {
      const all = await storage.findAllUploads();
      const mine = all.filter((s) => s.metadata && s.metadata.submission_id === this.sid && s.uploadUrl);
      return Object.fromEntries(mine.map((s) => [uploadId(s.uploadUrl), s]));
    } catch {
      return {};
    }
  }

  // Without the server's list (an older server), ask each stored upload URL (tus HEAD) for its offset.
  pendingFromStorage(local) {
    for (const s of Object.values(local)) {
      const headers = { "Tus-Resumable": "1.0.0" };
      fetch(s.uploadUrl, { method: "HEAD", credentials: "same-origin", headers }).then((res) => {
        const box = this.boxes[s.metadata.material];
        if (!res.ok || !box) return;
        box.showPending({
          upload_url: s.uploadUrl,
          material: s.metadata.material,
          filename: s.metadata.filename,
          offset: parseInt(res.headers.get("Upload-Offset"), 10),
          length: s.size,
        });
      });
    }
  }
}
