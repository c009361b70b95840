"""What a process start costs, with and without compiled bytecode: `.venv/bin/python bench/bench_startup.py`.

Every service, every bounded media child (a validator check, a scrub) and every ``zhengji`` command
is a new Python process that imports its modules. Where bytecode cannot be written (an image's
unprivileged user, or ``PYTHONDONTWRITEBYTECODE`` set, as in some CI images) each start compiles
them from source again. Baseline, in the same run: the same command reading no bytecode at all
(``PYTHONPYCACHEPREFIX`` pointed at an empty directory); measured: the command with the bytecode
``make deps`` (``compileall``) and the image (``uv sync --compile-bytecode`` and ``compileall``)
write. Prints the median CPU seconds of ``--rounds`` starts of each and their ratio. No
thresholds: the numbers go to docs/performance.md, "Start-up".
"""

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

BIN = Path(sys.executable).parent
COMMANDS = {
    "zhengji --help": [str(BIN / "zhengji"), "--help"],
    "scrub child (its imports)": [sys.executable, "-c", "import services.media.scrub"],
    "validator check child (its imports)": [sys.executable, "-c", "import services.validator.bounded_check"],
    "a service (zhengji.runtime)": [sys.executable, "-c", "import zhengji.runtime"],
}


def cpu_of(command: list[str], env: dict[str, str]) -> float:
    """CPU seconds (user and system) one run of ``command`` took."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    subprocess.run(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=True)
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return after.ru_utime + after.ru_stime - before.ru_utime - before.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="zhengji-no-pyc-") as empty:
        without = {**os.environ, "PYTHONPYCACHEPREFIX": empty, "PYTHONDONTWRITEBYTECODE": "1"}
        compiled = {k: v for k, v in os.environ.items() if k != "PYTHONPYCACHEPREFIX"}
        load = os.getloadavg()[0]
        print(f"bench_startup: median CPU seconds of {args.rounds} starts (load average {load:.1f})")
        for name, command in COMMANDS.items():
            cold = statistics.median(cpu_of(command, without) for _ in range(args.rounds))
            warm = statistics.median(cpu_of(command, compiled) for _ in range(args.rounds))
            print(f"  {name:<38} no bytecode {cold:5.2f}, bytecode {warm:5.2f}  ratio {warm / cold:.2f}")


if __name__ == "__main__":
    main()
