"""The whole Yanbian campaign, as `make demo` runs it, on the real broker, store and ffmpeg."""

from pathlib import Path

import httpx

from tests.conftest import eventually
from zhengji import samples
from zhengji.demo import SAMPLES, run_campaign
from zhengji.standin import StandIn, serving

TARGETS = {"yanbian_platform", "sizheng_library"}


async def test_every_sample_ends_where_its_defect_sends_it(system: httpx.AsyncClient, tmp_path: Path) -> None:
    media = await samples.make_all(tmp_path / "samples")
    async with serving(StandIn(fail_first=2)) as platform:
        rows = await run_campaign(system, media, platform)
        awarded = next(r for r in rows if r["sample"].key == "conforming-a")["submission_id"]

        async def on_both_platforms() -> bool:
            # The stage says "published" after the first platform; the second may come a moment later.
            timeline = (await system.get(f"/api/submissions/{awarded}")).json()["timeline"]
            targets = {e["target"] for e in timeline if e["event_type"] == "submission.published"}
            return targets == TARGETS and len(platform.received) == 2

        await eventually(on_both_platforms, 60, "the awarded work on both platforms")

    ended = {row["sample"].key: row["status"]["stage"] for row in rows}
    assert ended == {s.key: s.expected for s in SAMPLES}

    reasons = {
        row["sample"].key: {
            f["rule_id"] for f in row["status"].get("findings") or [] if f["severity"] == "error"
        }
        for row in rows
    }
    assert reasons["frame-rate-30"] == {"video.frame_rate"}
    assert reasons["resolution-720p"] == {"video.resolution"}
    assert reasons["too-long"] == {"video.duration"}
    assert reasons["no-audio"] == {"audio.present"}
    assert reasons["not-media"] == {"file.readable"}

    # One copy per platform of the one awarded work, despite two 503s first; no phone numbers sent.
    assert sorted(item["channel"] for item in platform.received) == ["sizheng", "yanbian"]
    assert {item["body"]["metadata"]["title"] for item in platform.received} == {"杨靖宇将军的故事"}
    phones = {f"1390433{i:04d}" for i in range(len(SAMPLES) + 1)}  # the entrants' numbers in demo forms
    assert not any(p in str(item["body"]) for item in platform.received for p in phones)
    timeline = (await system.get(f"/api/submissions/{awarded}")).json()["timeline"]
    assert {e["target"] for e in timeline if e["event_type"] == "submission.published"} == TARGETS
    assert [e["event_type"] for e in timeline].count("submission.approved") == 1
