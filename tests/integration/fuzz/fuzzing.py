"""Running an atheris fuzz target for the fuzz tests: a bounded time, a fixed seed, under the
bounded children's address-space limit, and the outcomes the target reports by name."""

import json
import sys
from pathlib import Path

from services.media.process import run
from services.validator.bounded_check import ADDRESS_SPACE_LIMIT

FUZZ_SECONDS = 6  # per kind: four kinds take about 25 s of the suite
INPUT_TIMEOUT_S = 10  # one input longer than this is a hang
# A fixed seed: the suite's short run mutates the same way every time, so a failure replays
# (once, an unseeded run failed on a state no saved input reproduced). Finding new crashes is
# for longer runs with other seeds (docs/performance.md, "Fuzz").
SEED = 20261206


def _outcomes(stdout: bytes) -> dict[str, int]:
    lines = [line for line in stdout.decode().splitlines() if line.startswith("FUZZ_OUTCOMES ")]
    return dict(json.loads(lines[-1].removeprefix("FUZZ_OUTCOMES "))) if lines else {}


async def fuzzed(target: list[str], corpus: Path, tmp_path: Path) -> dict[str, int]:
    """Run the atheris ``target`` (module and its arguments) over ``corpus`` for ``FUZZ_SECONDS``
    under the bounded children's address-space limit; its outcomes. Fails on any crash input."""
    argv = [
        sys.executable,
        "-m",
        *target,
        f"-max_total_time={FUZZ_SECONDS}",
        f"-timeout={INPUT_TIMEOUT_S}",
        f"-seed={SEED}",
        f"-artifact_prefix={tmp_path}/",
        "-print_final_stats=1",
        str(corpus),
    ]
    done = await run(argv, FUZZ_SECONDS + INPUT_TIMEOUT_S + 60, address_space=ADDRESS_SPACE_LIMIT)
    crashes = sorted(p.name for p in tmp_path.iterdir() if p.is_file())
    assert done.returncode == 0 and not crashes, (
        f"{target}: a parse escaped its bounds (inputs kept in {tmp_path}: {crashes})\n"
        + done.stderr.decode(errors="replace")[-4000:]
    )
    return _outcomes(done.stdout)
