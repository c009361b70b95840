"""The provincial-day bench's chart: what each stage had done over time, and its queue (PNG)."""

from collections.abc import Callable
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display: a file only
import matplotlib.pyplot as plt

STAGES = ("arrived", "uploaded", "validated", "transcoded")
QUEUES: dict[str, Callable[[dict[str, float]], float]] = {
    "waiting to upload / uploading": lambda row: row["arrived"] - row["uploaded"],
    "being validated or waiting": lambda row: row["validating"],
    "being transcoded or waiting": lambda row: row["transcoding"],
}


def draw(samples: list[dict[str, float]], minutes: float, hours: float, out: Path) -> None:
    """Two panels over the simulated hours: cumulative submissions per stage, and queue depths."""
    to_hour = hours / (minutes * 60)
    x = [row["t"] * to_hour for row in samples]
    fig, (done, queued) = plt.subplots(2, 1, figsize=(10, 7), sharex=True)
    for stage in STAGES:
        done.plot(x, [row[stage] for row in samples], label=stage)
    done.set_ylabel("submissions (cumulative)")
    done.legend(loc="upper left")
    done.grid(alpha=0.3)
    for name, depth in QUEUES.items():
        queued.plot(x, [depth(row) for row in samples], label=name)
    queued.set_ylabel("queue depth")
    queued.set_xlabel(f"hours into the last {hours:g} (deadline: dashed; played in {minutes:g} min)")
    queued.legend(loc="upper left")
    queued.grid(alpha=0.3)
    for night in range(0, int(hours), 24):  # 00:00-07:00 each day, when few upload
        for panel in (done, queued):
            panel.axvspan(night, night + 7, color="grey", alpha=0.1)
    for panel in (done, queued):  # after it: the backlog the deadline left, drained
        panel.axvline(hours, color="black", linestyle="--", linewidth=1)
    fig.suptitle(f"A provincial day: {int(samples[-1]['arrived']) if samples else 0} submissions")
    fig.tight_layout()
    out.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(out, dpi=100)
    plt.close(fig)
