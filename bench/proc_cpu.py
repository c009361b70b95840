"""CPU seconds of processes from /proc, for benches that say which process spent a run's CPU."""

import os
from pathlib import Path


def cpu_s(pid: int) -> float:
    """CPU seconds of a process and its waited-for children (ffmpeg, ffprobe, bounded checks)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    utime, stime, cutime, cstime = (int(f) for f in fields[11:15])
    return (utime + stime + cutime + cstime) / os.sysconf("SC_CLK_TCK")


def name_of(pid: int) -> str:
    return Path(f"/proc/{pid}/comm").read_text().strip()


def children(pid: int) -> list[int]:
    """The processes ``pid`` started that still run (its embedded broker and store, say)."""
    found: list[int] = []
    for task in Path(f"/proc/{pid}/task").iterdir():
        text = (task / "children").read_text().split()
        found.extend(int(p) for p in text)
    return found
