"""A text file named .mp4 that is really a playlist must not pass as the entrant's own video.

An HLS playlist or an ffconcat list next to another entrant's blob would make ffmpeg read that blob;
campaigns that state no container (Hunan, Ganzhou) have no container rule to catch it."""

from pathlib import Path

import pytest

from contracts.events import Severity
from services.intake.presets import load_preset
from services.validator.selfcheck import self_check
from tests.integration.validator import defects

PLAYLISTS = {
    "hls": "#EXTM3U\n#EXT-X-TARGETDURATION:4\n#EXTINF:4.0,\nother.mp4\n#EXT-X-ENDLIST\n",
    "ffconcat": "ffconcat version 1.0\nfile other.mp4\n",
}


@pytest.mark.parametrize("campaign_id", ["hunan-smart-edu-2022", "ganzhou-party-courseware"])
@pytest.mark.parametrize("kind", sorted(PLAYLISTS))
async def test_a_playlist_named_mp4_fails_as_not_a_video(tmp_path: Path, campaign_id: str, kind: str) -> None:
    defects.conforming(tmp_path / "other.mp4")  # someone else's work, next to the upload
    disguised = tmp_path / "mine.mp4"
    disguised.write_text(PLAYLISTS[kind], encoding="utf-8")
    result = await self_check(disguised, load_preset(campaign_id), None)
    assert not result.passed and result.tool_error is None
    [finding] = result.findings
    assert (finding.rule_id, finding.severity) == ("file.readable", Severity.ERROR)
    assert "播放列表" in finding.message_zh and "playlist" in finding.message_en
    assert result.probe is None  # nothing of the other file was read as this one's
