"""The whole Yanbian campaign, as `make demo` runs it, on the real broker, store and ffmpeg."""

from pathlib import Path

import httpx

from zhengji import samples
from zhengji.demo import SAMPLES, run_campaign
from zhengji.standin import StandIn, serving


async def test_every_sample_ends_where_its_defect_sends_it(system: httpx.AsyncClient, tmp_path: Path) -> None:
    media = await samples.make_all(tmp_path / "samples")
    async with serving(StandIn(fail_first=2)) as platform:
        rows = await run_campaign(system, media, platform)

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
    published = next(r for r in rows if r["sample"].key == "conforming-a")["status"]
    assert {e["target"] for e in published["timeline"] if e["event_type"] == "submission.published"} == {
        "yanbian_platform",
        "sizheng_library",
    }
