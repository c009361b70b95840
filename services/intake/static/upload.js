/* Resumable uploads (tus 1.0, tus-js-client) for one material of one entry.

   The upload URL is kept in localStorage under a fingerprint of (entry, material, file), so after
   a reload or a closed tab the same file continues from the server's offset. The server also
   lists an entry's unfinished uploads, so the bar shows where it stopped before a file is chosen
   (a browser cannot re-open a file by itself; the entrant picks it again). */
"use strict";

var ZjUpload = (function () {
  var ENDPOINT = "/api/tus/";

  function fingerprint(submissionId, material) {
    return function (file) {
      return Promise.resolve(["zhengji", submissionId, material, file.name, file.size, file.lastModified].join("|"));
    };
  }

  function errorText(err) {
    var res = err && err.originalResponse;
    if (res) {
      try {
        var d = JSON.parse(res.getBody()).detail || {};
        if (d.message_zh) return { zh: d.message_zh, en: d.message_en || "" };
      } catch (e) { /* not JSON: fall through */ }
      var status = res.getStatus();
      if (status === 401) return { zh: "登录已过期，请重新登录后继续上传", en: "log in again to continue" };
      return { zh: "上传失败（" + status + "），请稍后重试", en: "upload failed" };
    }
    return { zh: "网络连接中断，上传已暂停。网络恢复后点击“继续上传”", en: "the connection dropped; press continue" };
  }

  // One material's upload box: file input, bar, text, pause/continue.
  function Box(root, options) {
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
    var self = this;
    this.queue = [];
    // An image set is several files: they go one after another.
    this.input.addEventListener("change", function () {
      self.queue = Array.prototype.slice.call(self.input.files, 1);
      if (self.input.files.length) self.start(self.input.files[0]);
    });
    this.pause.addEventListener("click", function () { self.stop(); });
    this.resume.addEventListener("click", function () {
      if (self.upload) { self.setError(null); self.running = true; self.buttons(); self.upload.start(); }
    });
  }

  Box.prototype.show = function (sent, total, paused) {
    var pct = total ? Math.floor((sent / total) * 100) : 0;
    this.bar.classList.remove("hidden");
    this.bar.classList.toggle("paused", !!paused);
    this.bar.setAttribute("aria-valuenow", String(pct));
    this.fill.style.width = pct + "%";
    this.text.textContent = "已上传 " + Zj.formatBytes(sent) + " / " + Zj.formatBytes(total) + "（" + pct + "%）" + this.eta(sent, total);
  };

  // Remaining time from the rate since the last (re)start: a slow county line sees it is moving.
  Box.prototype.eta = function (sent, total) {
    if (!this.running || !this.t0 || sent <= this.b0) return "";
    var rate = (sent - this.b0) / ((Date.now() - this.t0) / 1000);
    var left = (total - sent) / rate;
    if (!isFinite(left) || left < 1) return "";
    return left > 90 ? "，约剩 " + Math.ceil(left / 60) + " 分钟" : "，约剩 " + Math.ceil(left) + " 秒";
  };

  Box.prototype.setError = function (msg) {
    this.error.textContent = "";
    this.error.classList.toggle("hidden", !msg);
    if (msg) this.error.appendChild(Zj.bilingual(msg.zh, msg.en));
  };

  Box.prototype.buttons = function () {
    this.pause.classList.toggle("hidden", !this.running);
    this.resume.classList.toggle("hidden", this.running || !this.upload);
    this.enable(!this.running && this.open !== false);
  };

  // Whether a file may be chosen now (the page decides from the stage and the window).
  Box.prototype.enable = function (open) {
    if (!this.running) this.open = open;
    this.input.disabled = !open;
    if (this.input.parentNode.classList) this.input.parentNode.classList.toggle("disabled", !open);
  };

  // An unfinished upload the server knows of: show where it stopped, ask for the same file.
  Box.prototype.showPending = function (pending) {
    if (this.running || this.upload) return;
    this.pending = pending;
    this.show(pending.offset, pending.length, true);
    this.text.textContent += "。上次上传已中断，请重新选择同一个文件「" + (pending.original || pending.filename) + "」，将从中断处继续";
  };

  Box.prototype.start = function (file) {
    var self = this;
    var o = this.opts;
    this.setError(null);
    var upload = new tus.Upload(file, {
      endpoint: ENDPOINT,
      chunkSize: o.chunkSize,
      retryDelays: [0, 1000, 3000, 5000, 10000, 20000],
      metadata: { submission_id: o.submissionId, material: o.material, filename: file.name, filetype: file.type || "application/octet-stream" },
      fingerprint: fingerprint(o.submissionId, o.material),
      removeFingerprintOnSuccess: true,
      // Say so while the client retries on its own: a stalled bar with no word looks broken.
      onShouldRetry: function (err, attempt, options) {
        var retry = tus.defaultOptions.onShouldRetry(err, attempt, options);
        if (retry) self.setError({ zh: "网络连接中断，正在自动重试（第" + (attempt + 1) + "次）…", en: "connection lost, retrying" });
        return retry;
      },
      onChunkComplete: function () { self.setError(null); },
      onProgress: function (sent, total) { self.show(sent, total, false); },
      onSuccess: function () {
        self.running = false;
        self.upload = null;
        self.pending = null;
        self.buttons();
        self.fill.style.width = "100%";
        self.text.textContent = "上传完成：" + file.name + "（" + Zj.formatBytes(file.size) + "）";
        if (self.queue.length) { self.start(self.queue.shift()); return; }
        self.input.value = "";
        if (o.onDone) o.onDone();
      },
      onError: function (err) {
        self.running = false;
        self.buttons();
        self.bar.classList.add("paused");
        self.setError(errorText(err));
        var status = err.originalResponse ? err.originalResponse.getStatus() : 0;
        // A refusal (size, type, window, name) will not change by retrying: start over with another file.
        if (status >= 400 && status < 500 && status !== 409 && status !== 423) {
          self.upload = null;
          self.queue = [];
          self.input.value = "";
          self.buttons();
        }
      },
    });
    this.upload = upload;
    this.running = true;
    this.buttons();
    this.show(0, file.size, false);
    return upload.findPreviousUploads().then(function (previous) {
      if (previous.length) {
        previous.sort(function (a, b) { return new Date(b.creationTime) - new Date(a.creationTime); });
        upload.resumeFromPreviousUpload(previous[0]);
      } else if (self.pending && self.pending.length === file.size && (self.pending.original || self.pending.filename) === file.name) {
        // Another browser, or cleared storage: the server still holds the bytes.
        upload.url = self.pending.upload_url;
      }
      self.t0 = Date.now();
      self.b0 = self.pending && self.pending.length === file.size ? self.pending.offset : 0;
      upload.start();
    });
  };

  Box.prototype.stop = function () {
    if (!this.upload) return;
    this.running = false;
    this.buttons();
    this.bar.classList.add("paused");
    this.text.textContent += "（已暂停 paused）";
    this.upload.abort();
  };

  var boxes = [];
  window.addEventListener("beforeunload", function (e) {
    var busy = boxes.some(function (b) { return b.running; });
    if (!busy) return undefined;
    e.preventDefault();
    e.returnValue = "上传尚未完成：离开后可重新选择同一文件继续。";
    return e.returnValue;
  });

  return {
    supported: typeof tus !== "undefined" && tus.isSupported,
    box: function (root, options) {
      var b = new Box(root, options);
      boxes.push(b);
      return b;
    },
  };
})();
