"""One atheris fuzz target over the metadata rewriters of legacy Office files, TIFF and HEIC.

``python -m tests.integration.fuzz.scrub_target [libFuzzer flags] CORPUS_DIR``: each input is
written to a file and rewritten by ``services.media.scrub.rewrite``, the function the transcoder's
bounded scrub child runs, as the format its first bytes say. Any exception is that child's
``FILE_FAULT`` (the job fails closed), so it is counted by name, not a crash; what libFuzzer
reports is an input past its ``-timeout`` or memory past the child's limit."""

import json
import sys
import tempfile
from collections import Counter
from pathlib import Path

import atheris

with atheris.instrument_imports(include=["services.media", "olefile"]):
    from services.media.scrub import REWRITTEN, rewrite, sniff

REPORT_EVERY = 100


def main() -> None:
    folder = Path(tempfile.mkdtemp(prefix="zhengji-scrub-fuzz-"))
    source, target = folder / "upload", folder / "scrubbed"
    outcomes: Counter[str] = Counter()

    def one_input(data: bytes) -> None:
        if outcomes.total() % REPORT_EVERY == 0:
            print("FUZZ_OUTCOMES " + json.dumps(outcomes), flush=True)
        fmt = sniff(data[:16])
        if fmt not in REWRITTEN:
            outcomes["not rewritten"] += 1
            return
        source.write_bytes(data)
        try:
            rewrite(fmt, source, target)
        except MemoryError:
            raise
        except Exception as exc:  # the child's FILE_FAULT, named in the job's detail
            outcomes[f"fault:{type(exc).__name__}"] += 1
            return
        outcomes["rewritten"] += 1

    atheris.Setup(sys.argv, one_input)
    atheris.Fuzz()


if __name__ == "__main__":
    main()
