"""Byte-level fuzzing (atheris) of the metadata rewriters of DOC/XLS/PPT, TIFF and HEIC, for a
bounded time: every mutated file is rewritten or ends in a named fault, never a hang or a memory
blow-up (``scrub_target.py`` says what counts), under the bounded children's 1 GiB address space."""

from pathlib import Path

from services.media.image_scrub import MalformedImage
from services.media.ole_scrub import MalformedCompoundFile, UnsafeCompoundFile
from services.media.redrawn_scrub import MalformedPicture, PictureTooLarge
from tests.integration.fuzz.fuzzing import fuzzed
from tests.legacy_samples import heic, presentation, tiff, word_document, workbook
from tests.unit.media.test_redrawn_scrub import drawing

# The refusals the rewriters name for a file they cannot rewrite; any other exception (an
# IndexError, a KeyError) is a rewriter that broke on its input, not a refusal. A mutation may
# turn a seed's first bytes into a JPEG's, PNG's, GIF's or WebP's, which image_scrub refuses.
FAULTS = (MalformedCompoundFile, UnsafeCompoundFile, MalformedPicture, PictureTooLarge, MalformedImage)
NAMED_FAULTS = {f"fault:{e.__name__}" for e in FAULTS}


async def test_every_mutated_legacy_file_is_rewritten_or_refused_within_bounds(tmp_path: Path) -> None:
    corpus = tmp_path / "corpus"
    corpus.mkdir()
    seeds = {"plan.doc": word_document(), "list.xls": workbook(), "talk.ppt": presentation(),
             "scan.tif": tiff(drawing()), "photo.heic": heic(drawing())}  # fmt: skip
    for name, data in seeds.items():
        (corpus / name).write_bytes(data)
    outcomes = await fuzzed(["tests.integration.fuzz.scrub_target"], corpus, tmp_path)
    # The harness really rewrote files, and really refused some (the named faults).
    faults = {k for k in outcomes if k.startswith("fault:")}
    assert outcomes.get("rewritten", 0) > 0 and faults, outcomes
    assert faults <= NAMED_FAULTS, outcomes
