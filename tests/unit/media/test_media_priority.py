"""Media children run below the services' CPU priority, so uploads and pages stay responsive on a
machine whose cores the media work fills (all-in-one deployments, the demo)."""

import os

from services.media.process import MEDIA_NICE, run


async def test_a_media_child_runs_at_a_lower_cpu_priority_than_its_service() -> None:
    done = await run(["nice"], timeout_s=10)  # prints its own niceness
    assert int(done.stdout) == min(19, os.nice(0) + MEDIA_NICE)
