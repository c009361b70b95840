"""The on-screen text pass on real clips: what the slate says and how long, contact details and when.

Each clip goes through ``self_check`` (what ``zhengji validate`` runs) with the entry's form values;
the last test sends the same clips through the validator service on the real broker and store."""

from pathlib import Path
from typing import Any

from contracts import CampaignDefined
from contracts.campaign import Campaign
from contracts.events import Finding, Severity
from services.common.blob_files import FileBlobStore
from services.common.settings import Settings
from services.validator.selfcheck import self_check
from tests.conftest import eventually
from tests.integration.validator.screen_media import (
    CONTACTS,
    NAME,
    ON_SCREEN,
    SCHOOL,
    SLATE,
    TITLE,
    programme_clip,
    slate_clip,
)
from tests.integration.validator.test_validator_service import publish, submitted, validator_alone

SCREEN_RULES = {"video.slate_field", "video.slate_title", "video.intro_slate", "video.contact_details"}
CAPTIONS = [
    ("咨询电话 13800138000", 2, 4.5),
    ("www.hongse-jiyi.com", 5.5, 8),
    ("微信号：hongse_2024", 9, 11.5),
]


async def screen_findings(path: Path, campaign: Campaign) -> list[Finding]:
    result = await self_check(path, campaign, None, on_screen=ON_SCREEN)
    assert result.tool_error is None
    assert result.quality is not None and result.quality.screen_text_frames
    return [f for f in result.findings if f.rule_id in SCREEN_RULES | {"video.screen_text"}]


async def test_a_correct_slate_passes(tmp_path: Path) -> None:
    path = slate_clip(tmp_path / "ok.mp4", TITLE, f"{SCHOOL} {NAME}", slate_s=4)
    assert await screen_findings(path, SLATE) == []


async def test_a_slate_without_the_name_is_a_warning_naming_it(tmp_path: Path) -> None:
    path = slate_clip(tmp_path / "no-name.mp4", TITLE, SCHOOL, slate_s=3)
    [missing] = await screen_findings(path, SLATE)
    assert missing.rule_id == "video.slate_field" and missing.severity is Severity.WARNING
    assert f"片头未显示姓名「{NAME}」" in missing.message_zh
    assert missing.confidence is not None and 0 < missing.confidence < 1
    assert missing.time_range is not None and missing.time_range.start_s < 0.5


async def test_a_slate_with_another_title_says_which(tmp_path: Path) -> None:
    path = slate_clip(tmp_path / "other.mp4", "长白山的红色记忆", f"{SCHOOL} {NAME}", slate_s=3)
    [other] = await screen_findings(path, SLATE)
    assert other.rule_id == "video.slate_title"
    assert "长白山的红色记忆" in other.message_zh and TITLE in other.message_zh


async def test_a_slate_over_five_seconds_is_found_with_its_length(tmp_path: Path) -> None:
    path = slate_clip(tmp_path / "long.mp4", TITLE, f"{SCHOOL} {NAME}", slate_s=7)
    [long] = await screen_findings(path, SLATE)
    assert long.rule_id == "video.intro_slate" and long.confidence is not None
    assert long.time_range is not None and 6.5 <= long.time_range.end_s <= 7.5


async def test_phone_url_and_wechat_on_screen_are_found_with_their_times(tmp_path: Path) -> None:
    path = programme_clip(tmp_path / "ads.mp4", CAPTIONS)
    found = await screen_findings(path, CONTACTS)
    assert [f.rule_id for f in found] == ["video.contact_details"] * 3
    assert all(f.severity is Severity.ERROR and f.confidence for f in found)
    for f, (text, shown_from, shown_to), value in zip(
        found, CAPTIONS, ["13800138000", "www.hongse-jiyi.com", "hongse_2024"], strict=True
    ):
        assert value in f.measured, (text, f.measured)
        assert f.time_range is not None
        assert shown_from - 0.1 <= f.time_range.start_s <= shown_from + 1.5, (text, f.time_range)
        assert shown_to - 1.5 <= f.time_range.end_s <= shown_to + 1.5, (text, f.time_range)


async def test_other_text_on_screen_gives_nothing(tmp_path: Path) -> None:
    captions = [("第3课 认识数字", 1, 4), ("2024年6月 共12页", 5, 8), ("延吉市第一小学 李明老师", 8, 11)]
    path = programme_clip(tmp_path / "plain.mp4", captions)
    assert await screen_findings(path, CONTACTS) == []


async def test_the_service_and_the_self_check_give_the_same_findings(
    settings: Settings, tmp_path: Path
) -> None:
    blobs = FileBlobStore(settings.blobs_path())
    no_name = slate_clip(tmp_path / "no-name.mp4", TITLE, SCHOOL, slate_s=3)
    ads = programme_clip(tmp_path / "ads.mp4", CAPTIONS)
    slate_event = submitted("s-slate", await blobs.put_file(no_name, "video/mp4"), campaign=SLATE)
    slate_event = slate_event.model_copy(update={"on_screen": ON_SCREEN})  # as intake sends it
    ads_event = submitted("s-ads", await blobs.put_file(ads, "video/mp4"), campaign=CONTACTS)
    async with validator_alone(settings, SLATE, slate_event) as db:
        await publish(settings, CampaignDefined(campaign_id=CONTACTS.id, producer="intake", spec=CONTACTS))
        await publish(settings, ads_event)

        async def report(sid: str) -> dict[str, Any] | None:
            return await db["reports"].find_one({"_id": f"{sid}:v1"})

        slate_report = await eventually(lambda: report("s-slate"), 300, "the slate clip's report")
        ads_report = await eventually(lambda: report("s-ads"), 300, "the captions clip's report")
    for stored, campaign, event, path in [
        (slate_report, SLATE, slate_event, no_name),
        (ads_report, CONTACTS, ads_event, ads),
    ]:
        local = await self_check(path, campaign, None, on_screen=event.on_screen)
        served = [Finding.model_validate(f) for f in stored["findings"]]
        assert [(f.rule_id, f.measured, f.time_range) for f in served] == [
            (f.rule_id, f.measured, f.time_range) for f in local.findings
        ]
        assert any(f.rule_id in SCREEN_RULES for f in served)
