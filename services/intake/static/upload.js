// Resumable uploads (tus 1.0, the vendored tus-js-client as window.tus) for one material of one entry.
//
// The upload URL is kept in localStorage under a fingerprint of (entry, material, file), so after
// a reload or a closed tab the same file continues from the server's offset. The server also
// lists an entry's unfinished uploads, so the bar shows where it stopped before a file is chosen
// (a browser cannot re-open a file by itself; the entrant picks it again).
import { bilingual } from "/static/common/dom.js";
import { formatBytes } from "./format.js";

const { tus } = window;
const ENDPOINT = "/api/tus/";
const boxes = [];

export const supported = Boolean(tus && tus.isSupported);

const fingerprint = (submissionId, material) => async (file) =>
  ["zhengji", submissionId, material, file.name, file.size, file.lastModified].join("|");

function errorText(error) {
  const response = error && error.originalResponse;
  if (!response) {
    return { zh: "网络连接中断，上传已暂停。网络恢复后点击“继续上传”", en: "the connection dropped; press continue" };
  }
  const status = response.getStatus();
  let body = null;
  try {
    body = JSON.parse(response.getBody());
  } catch {
    body = null; // not JSON: the status speaks
  }
  const detail = (body && body.detail) || {};
  if (detail.message_zh) return { zh: detail.message_zh, en: detail.message_en || "" };
  if (status === 401) return { zh: "登录已过期，请重新登录后继续上传", en: "log in again to continue" };
  return { zh: `上传失败（${status}），请稍后重试`, en: "upload failed" };
}

// One material's upload box: file input, bar, text, pause/continue.
class Box {
  constructor(root, options) {
    this.root = root;
    this.opts = options;
    this.input = root.querySelector("input[type=file]");
    this.bar = root.querySelector(".progress");
    this.fill = root.querySelector(".progress > div");
    this.text = root.querySelector(".progress-text");
    this.error = root.querySelector(".upload-error");
    this.pause = root.querySelector(".pause");
    this.resume = root.querySelector(".resume");
    this.upload = null;
    this.pending = null;
    this.running = false;
    this.queue = [];
    // An image set is several files: they go one after another.
    this.input.addEventListener("change", () => {
      const [first, ...rest] = this.input.files;
      this.queue = rest;
      if (first) this.choose(first);
    });
    this.pause.addEventListener("click", () => this.stop());
    this.resume.addEventListener("click", () => {
      if (!this.upload) return;
      this.setError(null);
      this.running = true;
      this.buttons();
      this.upload.start();
    });
  }

  // A video or audio work is pre-checked first (precheck.js): the upload waits for its answer.
  async choose(file) {
    this.chosen = file;
    if (this.opts.precheck && !(await this.opts.precheck(file, this.root))) return;
    if (this.chosen === file) this.start(file); // not if another file was chosen meanwhile
  }

  show(sent, total, paused) {
    const pct = total ? Math.floor((sent / total) * 100) : 0;
    this.bar.classList.remove("hidden");
    this.bar.classList.toggle("paused", Boolean(paused));
    this.bar.setAttribute("aria-valuenow", String(pct));
    this.fill.style.width = `${pct}%`;
    this.text.textContent = `已上传 ${formatBytes(sent)} / ${formatBytes(total)}（${pct}%）${this.eta(sent, total)}`;
  }

  // Remaining time from the rate since the last (re)start: a slow county line sees it is moving.
  eta(sent, total) {
    if (!this.running || !this.t0 || sent <= this.b0) return "";
    const rate = (sent - this.b0) / ((Date.now() - this.t0) / 1000);
    const left = (total - sent) / rate;
    if (!Number.isFinite(left) || left < 1) return "";
    return left > 90 ? `，约剩 ${Math.ceil(left / 60)} 分钟` : `，约剩 ${Math.ceil(left)} 秒`;
  }

  setError(message) {
    this.error.classList.toggle("hidden", !message);
    this.error.replaceChildren(...(message ? [bilingual(message.zh, message.en)] : []));
  }

  buttons() {
    this.pause.classList.toggle("hidden", !this.running);
    this.resume.classList.toggle("hidden", this.running || !this.upload);
    this.enable(!this.running && this.open !== false);
  }

  // Whether a file may be chosen now (the page decides from the stage and the window).
  enable(open) {
    if (!this.running) this.open = open;
    this.input.disabled = !open;
    this.input.parentNode.classList.toggle("disabled", !open);
  }

  // An unfinished upload the server knows of: show where it stopped, ask for the same file.
  showPending(pending) {
    if (this.running || this.upload) return;
    this.pending = pending;
    this.show(pending.offset, pending.length, true);
    this.text.textContent += `。上次上传已中断，请重新选择同一个文件「${pending.original || pending.filename}」，将从中断处继续`;
  }

  async start(file) {
    const o = this.opts;
    this.setError(null);
    const upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: o.chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: {
        submission_id: o.submissionId,
        material: o.material,
        filename: file.name,
        filetype: file.type || "application/octet-stream",
      },
      fingerprint: fingerprint(o.submissionId, o.material),
      removeFingerprintOnSuccess: true,
      // Say so while the client retries on its own: a stalled bar with no word looks broken.
      onShouldRetry: (error, attempt, options) => {
        const retry = tus.defaultOptions.onShouldRetry(error, attempt, options);
        if (retry) this.setError({ zh: `网络连接中断，正在自动重试（第${attempt + 1}次）…`, en: "connection lost, retrying" });
        return retry;
      },
      onChunkComplete: () => this.setError(null),
      onProgress: (sent, total) => this.show(sent, total, false),
      onSuccess: () => this.finished(file),
      onError: (error) => this.failed(error),
    });
    this.upload = upload;
    this.running = true;
    this.buttons();
    this.show(0, file.size, false);
    const previous = await upload.findPreviousUploads();
    const pending = this.pending;
    const samePending = pending && pending.length === file.size;
    if (previous.length) {
      previous.sort((a, b) => new Date(b.creationTime) - new Date(a.creationTime));
      upload.resumeFromPreviousUpload(previous[0]);
    } else if (samePending && (pending.original || pending.filename) === file.name) {
      // Another browser, or cleared storage: the server still holds the bytes.
      upload.url = pending.upload_url;
    }
    this.t0 = Date.now();
    this.b0 = samePending ? pending.offset : 0;
    upload.start();
  }

  finished(file) {
    this.running = false;
    this.upload = null;
    this.pending = null;
    this.buttons();
    this.fill.style.width = "100%";
    this.text.textContent = `上传完成：${file.name}（${formatBytes(file.size)}）`;
    if (this.queue.length) {
      this.start(this.queue.shift());
      return;
    }
    this.input.value = "";
    if (this.opts.onDone) this.opts.onDone();
  }

  failed(error) {
    this.running = false;
    this.buttons();
    this.bar.classList.add("paused");
    this.setError(errorText(error));
    const status = error.originalResponse ? error.originalResponse.getStatus() : 0;
    // A refusal (size, type, window, name) will not change by retrying: start over with another file.
    if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
      this.upload = null;
      this.queue = [];
      this.input.value = "";
      this.buttons();
    }
  }

  stop() {
    if (!this.upload) return;
    this.running = false;
    this.buttons();
    this.bar.classList.add("paused");
    this.text.textContent += "（已暂停 paused）";
    this.upload.abort();
  }
}

window.addEventListener("beforeunload", (event) => {
  if (!boxes.some((b) => b.running)) return undefined;
  event.preventDefault();
  event.returnValue = "上传尚未完成：离开后可重新选择同一文件继续。";
  return event.returnValue;
});

export function uploadBox(root, options) {
  const box = new Box(root, options);
  boxes.push(box);
  return box;
}
