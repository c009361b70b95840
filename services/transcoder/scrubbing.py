"""A work that is not a video (audio, pictures, documents, quiz sets): its master is a copy without
identifying metadata, made under the job's lease like a video's master.

Reviewers (review/blind.py) and platforms (publisher/payload.py) are given the ``master`` rendition;
the upload itself stays stored for the campaign admin and the audit. The copy is made as review
makes a reviewer's copy of an entry's other files (``services.media.scrubbed_copy.scrub_to``): audio
through ffmpeg, pictures (TIFF and HEIC included), Office files (legacy DOC/XLS/PPT included) and
PDFs through the bounded child. A format with nothing to strip (plain text, CSV, BMP) is its own
master; a format no rewriter reads is too, and the job row says so
(docs/decisions/0016-scrubbed-works.md, 0037)."""

import time
from pathlib import Path
from typing import Any

from contracts import BlobRef, Rendition
from services.common.blobs import BlobStore
from services.media.scrub import ScrubFailed
from services.media.scrubbed_copy import scrub_to
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
        out = self.workdir / "scrubbed"
        self.record["scrub"] = {}
        try:
            written = await scrub_to(
                self.source,
                out,
                self.record["scrub"],
                audio=self.audio,
                timeout_s=self.timeout_s,
                probe_timeout_s=self.probe_timeout_s,
                ffmpeg=self.runner,
            )
        except ScrubFailed as exc:
            raise failures.unscrubbable(str(exc)) from exc
        if not written:
            return [Rendition(name="master", kind="master", blob=self.media)]
        self.record["timings_s"] = {"scrub": round(time.perf_counter() - started, 3)}
        ref = await self.blobs.put_file(out, self.media.media_type, move=True)
        return [Rendition(name="master", kind="master", blob=ref)]
