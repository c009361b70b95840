"""Byte-level fuzzing (atheris) of the metadata rewriters of DOC/XLS/PPT, TIFF and HEIC, for a
bounded time: every mutated file is rewritten or ends in a named fault, never a hang or a memory
blow-up (``scrub_target.py`` says what counts), under the scrub child's own address-space limit."""

import sys
from pathlib import Path

from services.media.process import run
from services.media.scrub import ADDRESS_SPACE_LIMIT
from tests.integration.fuzz.test_parsers_fuzz import FUZZ_SECONDS, INPUT_TIMEOUT_S, _outcomes
from tests.legacy_samples import heic, presentation, tiff, word_document, workbook
from tests.unit.media.test_redrawn_scrub import drawing


async def test_every_mutated_legacy_file_is_rewritten_or_refused_within_bounds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = {"plan.doc": word_document(), "list.xls": workbook(), "talk.ppt": presentation(),
             "scan.tif": tiff(drawing()), "photo.heic": heic(drawing())}  # fmt: skip
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    argv = [sys.executable, "-m", "tests.integration.fuzz.scrub_target", f"-max_total_time={FUZZ_SECONDS}",
            f"-timeout={INPUT_TIMEOUT_S}", f"-artifact_prefix={tmp_path}/", str(corpus)]  # fmt: skip
    done = await run(argv, FUZZ_SECONDS + INPUT_TIMEOUT_S + 60, address_space=ADDRESS_SPACE_LIMIT)
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert done.returncode == 0 and not crashes, (
        f"a rewrite escaped its bounds (inputs kept in {tmp_path}: {crashes})\n"
        + done.stderr.decode(errors="replace")[-4000:]
    )
    outcomes = _outcomes(done.stdout)
    # The harness really rewrote files, and really refused some (the named faults).
    assert outcomes.get("rewritten", 0) > 0 and any(k.startswith("fault:") for k in outcomes), outcomes
