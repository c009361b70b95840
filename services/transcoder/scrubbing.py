"""A work that is not a video (audio, pictures, documents, quiz sets): its master is a copy without
identifying metadata, made under the job's lease like a video's master.

Reviewers (review/blind.py) and platforms (publisher/payload.py) are given the ``master`` rendition;
the upload itself stays stored for the campaign admin and the audit. Which rewrite a file gets is
decided by its bytes (``services.media.scrub.sniff``) and its kind: audio through ffmpeg, pictures
(TIFF and HEIC included), Office files (legacy DOC/XLS/PPT included) and PDFs through the bounded
child. A format with nothing to strip (plain text, CSV, BMP) is its own master; a format no
rewriter reads is too, and the job row says so (docs/decisions/0016-scrubbed-works.md, 0037)."""

import time
from pathlib import Path
from typing import Any

from contracts import BlobRef, Rendition
from services.common.blobs import BlobStore
from services.media.probe import probe
from services.media.scrub import PLAIN, REWRITTEN, ScrubFailed, audio_scrub_args, scrub_file_bounded, sniff
from services.transcoder import failures
from services.transcoder.pipeline import Runner


class Scrub:
    def __init__(
        self,
        media: BlobRef,
        source: Path,
        workdir: Path,
        *,
        audio: bool,
        blobs: BlobStore,
        runner: Runner,
        timeout_s: float,
        probe_timeout_s: float,
    ) -> None:
        self.media, self.source, self.workdir, self.audio = media, source, workdir, audio
        self.blobs, self.runner = blobs, runner
        self.timeout_s, self.probe_timeout_s = timeout_s, probe_timeout_s
        self.record: dict[str, Any] = {}

    async def run(self) -> list[Rendition]:
        started = time.perf_counter()
        with self.source.open("rb") as f:
            fmt = "audio" if self.audio else sniff(f.read(16))
        self.record["scrub"] = {"format": fmt}
        if fmt == "audio":
            out = await self._audio()
        elif fmt in REWRITTEN:
            out = self.workdir / "scrubbed"
            try:
                removed = await scrub_file_bounded(fmt, self.source, out, self.timeout_s)
            except ScrubFailed as exc:
                raise failures.unscrubbable(str(exc)) from exc
            self.record["scrub"]["removed_parts"] = removed
        else:
            self.record["scrub"]["kept_as_uploaded"] = "nothing to strip" if fmt in PLAIN else "no rewriter"
            return [Rendition(name="master", kind="master", blob=self.media)]
        self.record["timings_s"] = {"scrub": round(time.perf_counter() - started, 3)}
        ref = await self.blobs.put_file(out, self.media.media_type, move=True)
        return [Rendition(name="master", kind="master", blob=ref)]

    async def _audio(self) -> Path:
        source = await probe(self.source, timeout_s=self.probe_timeout_s)
        out = self.workdir / "scrubbed"
        try:
            args = audio_scrub_args(self.source, out, source.format_name)
        except ScrubFailed as exc:
            raise failures.unscrubbable(str(exc)) from exc
        done = await self.runner(args, self.timeout_s, None)
        if done.returncode != 0:
            raise failures.unscrubbable(failures.last_lines(done.stderr.decode(errors="replace")))
        return out
