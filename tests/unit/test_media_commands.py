"""The pure parts of media work and publishing: ffmpeg progress, transcoder commands, retries, payloads."""

import json
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime
from pathlib import Path

import pytest

from contracts import Attribution, BlobRef, EntryInfo, Rendition, SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.intake.presets import load_preset
from services.media.inputs import url_input_args
from services.media.process import parse_progress_block
from services.publisher.delivery import retry_after_s
from services.publisher.payload import public_payload

# --- ffmpeg -progress ----------------------------------------------------------------------------

RUNNING = """frame=250
fps=50.00
stream_0_0_q=28.0
bitrate=1024.3kbits/s
total_size=1310720
out_time_us=10000000
out_time_ms=10000000
out_time=00:00:10.000000
dup_frames=0
drop_frames=0
speed= 2.5x
progress=continue""".splitlines()

ENDED = """frame=7500
fps=62.10
stream_0_0_q=-1.0
bitrate=2011.7kbits/s
total_size=75437312
out_time_us=300040000
out_time_ms=300040000
out_time=00:05:00.040000
dup_frames=0
drop_frames=0
speed=2.48x
progress=end""".splitlines()

STARTING = """frame=0
fps=0.00
stream_0_0_q=0.0
bitrate=N/A
total_size=44
out_time_us=N/A
out_time_ms=N/A
out_time=N/A
dup_frames=0
drop_frames=0
speed=N/A
progress=continue""".splitlines()


def test_progress_block_while_running() -> None:
    progress = parse_progress_block(RUNNING)
    assert progress.out_time_s == pytest.approx(10.0)
    assert progress.speed == pytest.approx(2.5)
    assert progress.done is False


def test_progress_block_at_the_end() -> None:
    progress = parse_progress_block(ENDED)
    assert progress.out_time_s == pytest.approx(300.04)
    assert progress.speed == pytest.approx(2.48)
    assert progress.done is True


def test_progress_block_before_the_first_frame_has_no_speed() -> None:
    progress = parse_progress_block(STARTING)
    assert progress.out_time_s == 0.0
    assert progress.speed is None
    assert progress.done is False


def test_progress_from_an_old_ffmpeg_with_only_out_time_ms_in_microseconds() -> None:
    # ffmpeg's out_time_ms has always been microseconds despite its name
    progress = parse_progress_block(["out_time_ms=5000000", "speed=1x", "progress=continue"])
    assert progress.out_time_s == pytest.approx(5.0)
    assert progress.speed == pytest.approx(1.0)


def test_progress_with_a_negative_start_time_is_clamped_to_zero() -> None:
    assert parse_progress_block(["out_time_us=-9223372036854775807", "progress=continue"]).out_time_s == 0.0


# --- transcoder command -------------------------------------------------------------------------

SOURCE = Path("/work/in/upload.mp4")
WORK = Path("/work/out")


def split_outputs(args: list[str], outputs: list[Path]) -> list[list[str]]:
    """The options that apply to each output file, in order (ffmpeg: options precede their output)."""
    segments, start = [], args.index("-filter_complex") + 2
    for path in outputs:
        end = args.index(str(path))
        segments.append(args[start:end])
        start = end + 1
    assert start == len(args), "nothing may follow the last output"
    return segments


def filter_graph(args: list[str]) -> str:
    return args[args.index("-filter_complex") + 1]


@pytest.mark.parametrize(("value", "seconds"), [("120", 120.0), ("0", 0.0), ("1.5", 1.5), ("-3", 0.0)])
def test_retry_after_in_seconds(value: str, seconds: float) -> None:
    assert retry_after_s(value) == seconds


def test_retry_after_as_an_http_date() -> None:
    when = datetime.now(UTC) + timedelta(seconds=90)
    waited = retry_after_s(format_datetime(when, usegmt=True))
    assert waited is not None
    assert 85 <= waited <= 90  # HTTP dates have whole seconds


def test_retry_after_in_the_past_means_now() -> None:
    assert retry_after_s("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0


@pytest.mark.parametrize("value", [None, "", "soon", "Wed, 32 Foo 2015", "12 apples"])
def test_retry_after_garbage_is_ignored(value: str | None) -> None:
    assert retry_after_s(value) is None


# --- what a platform receives --------------------------------------------------------------------

PERSONAL = ["金英姬", "13904330001"]


def reviewed_event() -> SubmissionReviewed:
    def blob(seed: str, media_type: str) -> BlobRef:
        return BlobRef(uri=f"blob://sha256/{seed * 64}", sha256=seed * 64, size=1000, media_type=media_type)

    return SubmissionReviewed(
        submission_id="S1",
        campaign_id="yanbian-2024",
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(
            title="杨靖宇将军的故事", group="小学组", category="英雄故事", summary="红色资源微视频"
        ),
        # an author name on the event by mistake: the publisher must still keep it private
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学", author="金英姬"),
        level="prefecture",
        outcome="awarded",
        award_tier="优秀资源奖",
        rank=1,
        score=93.5,
        renditions=[
            Rendition(name="preview-720p", blob=blob("a", "video/mp4"), height=720),
            Rendition(name="poster", blob=blob("b", "image/jpeg"), height=720),
        ],
    )


@pytest.fixture(scope="module")
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


# The publisher's signed links for the event's renditions (payload.media_links).
LINKS = {
    "preview-720p": "https://zhengji.example.cn/blobs/" + "a" * 64 + "?expires=9&sig=x",
    "poster": "https://zhengji.example.cn/blobs/" + "b" * 64 + "?expires=9&sig=y",
}


def greedy_target() -> PublicationTarget:
    return PublicationTarget(
        key="yanbian_platform",
        name="延边教育资源公共服务平台",
        fields=["title", "name", "phone", "author", "unit_name", "group", "award_tier"],
    )


def test_payload_never_carries_personal_fields(yanbian: Campaign) -> None:
    assert yanbian.authors_public is False
    payload = public_payload(yanbian, greedy_target(), reviewed_event(), LINKS)
    metadata = payload["metadata"]
    assert "name" not in metadata and "phone" not in metadata
    assert metadata.get("author") is None
    text = json.dumps(payload, ensure_ascii=False)
    assert not [p for p in PERSONAL if p in text]
    assert metadata["title"] == "杨靖宇将军的故事"
    assert metadata["unit_name"] == "延吉市第一小学"
    assert metadata["award_tier"] == "优秀资源奖"


def test_payload_names_the_author_where_the_campaign_allows(yanbian: Campaign) -> None:
    public = yanbian.model_copy(update={"authors_public": True})
    payload = public_payload(public, greedy_target(), reviewed_event(), LINKS)
    assert payload["metadata"]["author"] == "金英姬"
    assert "phone" not in payload["metadata"]


def test_payload_has_only_the_fields_the_target_asks_for_and_media_links(yanbian: Campaign) -> None:
    target = yanbian.publication_targets[0]
    payload = public_payload(yanbian, target, reviewed_event(), LINKS)
    assert list(payload["metadata"]) == target.fields
    assert payload["submission_id"] == "S1" and payload["campaign_id"] == "yanbian-2024"
    assert payload["media"] == LINKS


def test_a_presigned_url_is_read_with_only_the_protocols_its_scheme_needs() -> None:
    secure = url_input_args("https://oss.example.cn/b/sha256/ab/cd?X-Amz-Signature=1")
    assert secure[:2] == ["-protocol_whitelist", "https,tls,tcp"] and secure[-2:] == ["-i", secure[-1]]
    assert url_input_args("http://127.0.0.1:9000/b/k")[1] == "http,tcp"
    for other in ("file:///etc/passwd", "concat:a|b", "rtmp://x/y", "/blobs/sha256/ab/cd"):
        with pytest.raises(ValueError):
            url_input_args(other)
