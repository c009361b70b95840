// The pre-check of a chosen video or audio file, before any byte of it is sent: its headers are
// read here (precheck_read.js on the vendored mediainfo.js, loaded on first use), about 2 KB of
// them go to the server, which runs the validator's header rules on them, and the findings show
// at once with their fixes. With no error the upload starts; with errors the entrant decides
// (choose another file, or upload anyway): the server's check after the upload is what counts.
// A browser that cannot read the file (or a refused pre-check) just uploads, as before.
import { api } from "/static/common/api.js";
import { bilingual, el } from "/static/common/dom.js";
import { finding } from "./finding_view.js";
import { readHeaders } from "./precheck_read.js";

const WASM = new URL("./vendor/mediainfo.js/MediaInfoModule.wasm", import.meta.url).href;
let reader = null; // one MediaInfo instance per page, made when the first file is chosen

async function mediaInfo() {
  if (!reader) {
    reader = import("./vendor/mediainfo.js/mediainfo.min.js").then(({ default: factory }) =>
      factory({ format: "object", full: true, locateFile: () => WASM }),
    );
  }
  return reader;
}

const sliceOf = (file) => async (offset, length) =>
  new Uint8Array(await file.slice(offset, offset + length).arrayBuffer());

function panel(root) {
  let holder = root.querySelector(".precheck");
  if (!holder) {
    holder = el("div", { className: "precheck", role: "status" });
    root.querySelector(".actions").after(holder);
  }
  return holder;
}

function show(holder, answer, upload) {
  const errors = answer.findings.filter((f) => f.severity === "error").length;
  const head = errors
    ? el("div", { className: "banner error" }, [bilingual(`上传前预检发现${errors}项须修改的问题，建议修改后重新导出再上传。`, `the pre-check found ${errors} problem(s) to fix before uploading`)])
    : el("div", { className: "banner ok" }, [bilingual("上传前预检通过，开始上传。", "the pre-check passed; uploading")]);
  const items = answer.findings.map(finding);
  const note = el("p", { className: "small muted precheck-note" }, [bilingual(answer.note_zh, answer.note_en)]);
  holder.replaceChildren(head, ...items, note, ...(upload ? [upload] : []));
}

// For one material of one entry: (file, root) -> Promise<boolean>, true when the upload may start.
export function precheckFor(submissionId, material) {
  return async (file, root) => {
    const holder = panel(root);
    holder.replaceChildren(el("p", { className: "small muted" }, [bilingual("正在本机读取文件信息（不上传）…", "reading the file's headers here; nothing is sent")]));
    let answer;
    try {
      const headers = await readHeaders(file.size, sliceOf(file), await mediaInfo());
      answer = await api("POST", `/api/submissions/${encodeURIComponent(submissionId)}/precheck`, { material, headers });
    } catch {
      holder.replaceChildren(); // no pre-check this time: the server checks after the upload
      return true;
    }
    if (!answer.checked) {
      holder.replaceChildren();
      return true;
    }
    if (answer.passed) {
      show(holder, answer, null);
      return true;
    }
    return new Promise((resolve) => {
      const anyway = el("button", { type: "button", className: "secondary upload-anyway", text: "仍然上传 Upload anyway" });
      anyway.addEventListener("click", () => {
        anyway.remove();
        resolve(true);
      });
      show(holder, answer, anyway);
    });
  };
}
