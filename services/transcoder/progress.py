"""A job's progress across its ffmpeg runs: percent, speed and ETA (pure).

A job runs several ffmpeg passes over the same media (loudness measurement, master, the
streaming pass). Each pass reports how far into the media it is (``-progress``); weighting
the passes by what they cost per media second turns that into one percentage, and the
current pass's speed (media seconds per wall second, times its weight) into an ETA."""

from dataclasses import dataclass, field
from typing import Any

from services.media.process import Progress

# Cost of a pass per media second, relative to a full encode of the master (measured on the CPU
# path; bench/bench_transcoder.py). Only the ratios matter.
PASS_COST = {"measure": 0.03, "remux": 0.02, "encode": 1.0, "streaming": 1.4, "sprite": 0.01, "verify": 0.02}


@dataclass
class JobProgress:
    duration_s: float
    passes: list[str] = field(default_factory=list)
    current: int = -1
    within_s: float = 0.0
    speed: float | None = None

    def plan(self, passes: list[str]) -> None:
        self.passes, self.current, self.within_s = passes, -1, 0.0

    def begin(self, name: str) -> None:
        self.current = self.passes.index(name)
        self.within_s, self.speed = 0.0, None

    def update(self, p: Progress) -> None:
        self.within_s = self.duration_s if p.done else min(p.out_time_s, self.duration_s)
        if p.speed:
            self.speed = p.speed

    def _work(self) -> tuple[float, float]:
        total = sum(PASS_COST[name] for name in self.passes) * self.duration_s
        done = sum(PASS_COST[name] for name in self.passes[: max(self.current, 0)]) * self.duration_s
        if self.current >= 0:
            done += PASS_COST[self.passes[self.current]] * self.within_s
        return done, total

    def snapshot(self) -> dict[str, Any]:
        phase = self.passes[self.current] if 0 <= self.current < len(self.passes) else "probe"
        done, total = self._work()
        percent = min(99.9, 100 * done / total) if total > 0 else 0.0
        eta: float | None = None
        if self.speed and self.current >= 0 and total > 0:
            rate = self.speed * PASS_COST[phase]  # work units per wall second in this pass
            eta = round(max(0.0, total - done) / rate, 1) if rate > 0 else None
        return {"phase": phase, "percent": round(percent, 1), "speed": self.speed, "eta_s": eta}
