"""A job's percent and ETA across its passes, from ffmpeg's -progress reports."""

import pytest

from services.media.process import Progress
from services.transcoder.progress import PASS_COST, JobProgress


def test_before_planning_the_job_is_probing_at_zero() -> None:
    assert JobProgress(100).snapshot() == {"phase": "probe", "percent": 0.0, "speed": None, "eta_s": None}


def test_percent_weighs_each_pass_by_its_cost_and_eta_follows_the_current_speed() -> None:
    job = JobProgress(100)
    job.plan(["measure", "encode", "streaming", "verify"])
    total = sum(PASS_COST[p] for p in job.passes) * 100
    job.begin("measure")
    job.update(Progress(out_time_s=100, speed=50.0, done=True))
    job.begin("encode")
    job.update(Progress(out_time_s=25, speed=2.0, done=False))
    snap = job.snapshot()
    done = (PASS_COST["measure"] * 100) + PASS_COST["encode"] * 25
    assert snap["phase"] == "encode" and snap["percent"] == pytest.approx(100 * done / total, abs=0.05)
    # the rest of the work at the encode's pace: 2 media seconds per second, at the encode's cost
    assert snap["eta_s"] == pytest.approx((total - done) / (2.0 * PASS_COST["encode"]), abs=0.1)


def test_a_remux_is_nearly_free_so_the_streaming_pass_dominates() -> None:
    job = JobProgress(60)
    job.plan(["measure", "remux", "streaming", "verify"])
    job.begin("streaming")
    job.update(Progress(out_time_s=0, speed=None, done=False))
    assert job.snapshot()["percent"] < 5
    job.update(Progress(out_time_s=60, speed=3.0, done=True))
    assert 95 < job.snapshot()["percent"] < 100  # verify is still to come
