// What a chosen file's headers say, read where the file is (the browser, or node in the tests),
// without sending it: MediaInfoLib (the vendored mediainfo.js) reads the streams of any container,
// and the top-level MP4/MOV boxes are walked here as services/media/boxes.py walks them on the
// server (index at the front, a box cut short). Only a few fields, as strings, leave this module:
// the server maps them to its own probe and runs the same header rules on it.
const PICK = {
  General: ["Format", "CodecID", "CodecID_Compatible", "FileSize", "Duration", "OverallBitRate", "IsTruncated"],
  Video: [
    "StreamOrder", "Format", "Format_Profile", "Format_Level", "CodecID", "Width", "Height", "Sampled_Width",
    "Sampled_Height", "PixelAspectRatio", "DisplayAspectRatio", "Rotation", "FrameRate", "FrameRate_Mode",
    "FrameRate_Original", "FrameRate_Num", "FrameRate_Den", "FrameRate_Original_Num", "FrameRate_Original_Den",
    "FrameRate_Maximum", "ColorSpace", "ChromaSubsampling", "BitDepth", "ScanType", "ScanOrder", "BitRate",
    "Duration", "FrameCount", "Encoded_Library_Settings",
  ],
  Audio: ["StreamOrder", "Format", "Format_Profile", "Format_AdditionalFeatures", "CodecID", "SamplingRate",
    "Channels", "BitRate", "Duration"],
};
const MAX_TRACKS = 16;
const TOP_LEVEL = new Set(["ftyp", "moov", "mdat", "free", "skip", "wide", "pnot", "uuid", "styp", "sidx", "moof"]);
const MAX_BOXES = 4096;

const latin1 = (bytes) => String.fromCharCode(...bytes);
const big = (bytes, at, n) => bytes.slice(at, at + n).reduce((v, b) => v * 256 + b, 0);

// readChunk(offset, length) -> Promise<Uint8Array>: a slice of the file, never the whole of it.
export async function readBoxes(size, readChunk) {
  const layout = { is_iso: false, major_brand: null, moov_offset: null, mdat_offset: null, truncated: false };
  let offset = 0;
  for (let i = 0; i < MAX_BOXES && offset < size; i++) {
    const header = await readChunk(offset, 16);
    const kind = latin1(header.slice(4, 8));
    if (offset === 0 && (header.length < 8 || !TOP_LEVEL.has(kind))) return layout; // not MP4/MOV
    layout.is_iso = true;
    let boxSize = big(header, 0, 4);
    let headerLen = 8;
    if (boxSize === 1) {
      boxSize = big(header, 8, 8);
      headerLen = 16;
    } else if (boxSize === 0) {
      boxSize = size - offset;
    }
    if (header.length < headerLen || offset + boxSize > size) {
      layout.truncated = true;
      break;
    }
    if (boxSize < headerLen) break;
    if (kind === "ftyp" && boxSize >= 12 && layout.major_brand === null) layout.major_brand = latin1(header.slice(8, 12));
    if (kind === "moov" && layout.moov_offset === null) layout.moov_offset = offset;
    if (kind === "mdat" && layout.mdat_offset === null) layout.mdat_offset = offset;
    offset += boxSize;
  }
  return layout;
}

function picked(track) {
  const out = { kind: track["@type"] };
  for (const key of PICK[track["@type"]] || []) {
    const limit = key === "Encoded_Library_Settings" ? 2000 : 120;
    if (track[key] !== undefined && track[key] !== null) out[key] = String(track[key]).slice(0, limit);
  }
  return out;
}

// The JSON the pre-check endpoint takes as `headers`. `mediaInfo` is a ready MediaInfo instance.
export async function readHeaders(size, readChunk, mediaInfo) {
  const result = await mediaInfo.analyzeData(() => size, (length, offset) => readChunk(offset, length));
  const tracks = ((result && result.media && result.media.track) || [])
    .filter((t) => t["@type"] in PICK)
    .slice(0, MAX_TRACKS)
    .map(picked);
  return { size, tracks, boxes: await readBoxes(size, readChunk) };
}
