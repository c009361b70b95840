"""Self-check bench: per-file wall time of ``zhengji validate`` against bare ffprobe and MediaConch.

    .venv/bin/python bench/bench_selfcheck.py [--rounds 7] [--files 40]

Makes one 1920x1080 25 fps H.264 + AAC file (4 s) and a folder of ``--files`` copies, then:
1. one file: ``zhengji validate F --campaign yanbian-2024 --quick`` (a new process, as a
   teacher runs it), ``ffprobe -show_format -show_streams F`` and, if ``mediaconch`` is on the
   PATH, ``mediaconch --Force -p POLICY -fx F`` with bench_validator.py's policy of the same header
   rules (``--Force``: MediaConch otherwise answers from its report database); the median of
   ``--rounds`` runs each, interleaved so a busy neighbour hurts all alike, and the CPU time of
   the children;
2. a folder: ``zhengji validate FOLDER --quick`` once (one process, CPU-count workers), against
   the same files one process each, ffprobe one process each and MediaConch one process each.
Numbers go to docs/performance.md ("Self-check and folder check"); nothing is asserted.
"""

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench_validator import POLICY

ROOT = Path(__file__).resolve().parents[1]
ZHENGJI = [str(ROOT / ".venv" / "bin" / "zhengji"), "validate"]
CAMPAIGN = ["--campaign", "yanbian-2024", "--quick"]


def make_file(out: Path) -> Path:
    sources = ["-f", "lavfi", "-i", "testsrc2=s=1920x1080:r=25:d=4", "-f", "lavfi", "-i", "sine=d=4"]
    encode = ["-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt", "yuv420p", "-c:a", "aac"]
    argv = ["ffmpeg", "-v", "error", "-y", *sources, *encode, "-movflags", "+faststart", str(out)]
    subprocess.run(argv, check=True)
    return out


def timed(argv: list[str]) -> tuple[float, float]:
    """Wall seconds and the child's CPU seconds (user + system) of one run."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    subprocess.run(argv, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def commands(path: Path) -> dict[str, list[str]]:
    policy = Path(tempfile.gettempdir()) / "zhengji-bench-policy.xml"  # not in the folder checked
    policy.write_text(POLICY, encoding="utf-8")
    found = {
        "zhengji validate --quick": [*ZHENGJI, str(path), *CAMPAIGN],
        "ffprobe": ["ffprobe", "-v", "error", "-show_format", "-show_streams", "-of", "json", str(path)],
    }
    if shutil.which("mediaconch"):
        found["mediaconch"] = ["mediaconch", "--Force", "-p", str(policy), "-fx", str(path)]
    return found


def one_file(path: Path, rounds: int) -> None:
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in commands(path)}
    for _ in range(rounds):
        for name, argv in commands(path).items():
            runs[name].append(timed(argv))
    print(f"\none file ({rounds} rounds, median)")
    print(f"{'command':30} {'wall s':>8} {'cpu s':>8}")
    for name, samples in runs.items():
        wall = statistics.median(s[0] for s in samples)
        cpu = statistics.median(s[1] for s in samples)
        print(f"{name:30} {wall:8.3f} {cpu:8.3f}")


def folder(files: list[Path], where: Path) -> None:
    n = len(files)
    print(f"\na folder of {n} files (wall s in all, and per file)")
    rows = {"zhengji validate FOLDER --quick (one process)": timed([*ZHENGJI, str(where), *CAMPAIGN])}
    for name in commands(files[0]):
        wall = cpu = 0.0
        for path in files:
            w, c = timed(commands(path)[name])
            wall, cpu = wall + w, cpu + c
        rows[f"{name} (one process per file)"] = (wall, cpu)
    for name, (wall, cpu) in rows.items():
        print(f"{name:50} {wall:8.2f} {wall / n:8.3f} per file  (cpu {cpu:.2f})")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rounds", type=int, default=7)
    parser.add_argument("--files", type=int, default=40)
    args = parser.parse_args()
    print(f"{os.cpu_count()} CPUs; load average {os.getloadavg()[0]:.2f}")
    if not shutil.which("mediaconch"):
        print("mediaconch is not installed: its rows are left out (no system package was installed)")
    with tempfile.TemporaryDirectory(prefix="zhengji-bench-") as tmp:
        base = make_file(Path(tmp) / "entry.mp4")
        where = Path(tmp) / "stick"
        where.mkdir()
        files = []
        for i in range(args.files):
            files.append(where / f"{i:02d}.mp4")
            shutil.copyfile(base, files[-1])
        one_file(base, args.rounds)
        folder(files, where)
    sys.stdout.flush()


if __name__ == "__main__":
    main()
