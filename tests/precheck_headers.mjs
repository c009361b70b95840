// The browser pre-check's reader, run by node on files of the test corpus: prints, for each path
// given, one JSON line with what the page would send (services/intake/static/precheck_read.js on
// the vendored mediainfo.js, as the page runs them). Used by tests/integration/intake/test_precheck*.
import { closeSync, fstatSync, openSync, readFileSync, readSync } from "node:fs";
import { fileURLToPath } from "node:url";
import MediaInfoFactory from "../services/intake/static/vendor/mediainfo.js/mediainfo.min.js";
import { readHeaders } from "../services/intake/static/precheck_read.js";

const wasm = fileURLToPath(new URL("../services/intake/static/vendor/mediainfo.js/MediaInfoModule.wasm", import.meta.url));
// The bundle is the browser build: it fetches its wasm, which node's fetch cannot do from a file.
globalThis.fetch = async () => new Response(readFileSync(wasm), { headers: { "content-type": "application/wasm" } });
const mediaInfo = await MediaInfoFactory({ format: "object", full: true, locateFile: () => wasm });

for (const path of process.argv.slice(2)) {
  const fd = openSync(path, "r");
  const size = fstatSync(fd).size;
  const readChunk = async (offset, length) => {
    const buffer = Buffer.alloc(Math.max(0, Math.min(length, size - offset)));
    const n = buffer.length ? readSync(fd, buffer, 0, buffer.length, offset) : 0;
    return new Uint8Array(buffer.buffer, buffer.byteOffset, n);
  };
  process.stdout.write(JSON.stringify({ path, headers: await readHeaders(size, readChunk, mediaInfo) }) + "\n");
  closeSync(fd);
}
mediaInfo.close();
