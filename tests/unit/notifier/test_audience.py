"""Who hears what from each event, and in which words."""

from datetime import UTC, datetime

import pytest

from contracts import RoundNoticed, SubmissionReturned
from contracts.campaign import (
    NOTIFICATION_KINDS,
    Campaign,
    MessageTemplate,
    Notifications,
    notification_problems,
)
from services.intake.presets import load_preset
from services.notifier.audience import CAMPAIGN_ADMIN, UNIT_ADMIN, Audience, Cause, notices_for, round_noticed
from services.notifier.kinds import DEFAULTS
from services.notifier.rendering import render
from services.notifier.timing import quiet_until, retry_delay_s
from tests.unit.samples import common, published, reviewed, submitted, transcoded, validated

CAMPAIGN = load_preset("yanbian-2024")
BASE = "https://zhengji.example.cn"


def kinds(event: object, entrant: str | None = "u1") -> list[tuple[str, Audience]]:
    return [(n.kind, n.audience) for n in notices_for(event, entrant, CAMPAIGN, BASE)]  # type: ignore[arg-type]


def test_each_step_of_an_entry_tells_the_right_people() -> None:
    me = Audience(person="u1")
    assert kinds(submitted()) == [("received", me)]
    assert kinds(validated(passed=True)) == []  # nothing to do for the entrant yet
    assert kinds(validated(passed=False)) == [("check_failed", me)]
    assert kinds(transcoded(succeeded=False)) == [("processing_failed", me)]
    assert kinds(transcoded(succeeded=True)) == [
        ("awaiting_approval", Audience(role=UNIT_ADMIN, units=("22", "2224", "222401")))
    ]
    assert kinds(reviewed("awarded")) == [("result", me), ("certificate_ready", me)]
    assert kinds(reviewed("recommended")) == [("result", me)]  # no award, no certificate
    assert kinds(published("published")) == [("published", me)]
    assert kinds(published("failed")) == [("publish_failed", Audience(role=CAMPAIGN_ADMIN))]


def test_an_entry_without_a_known_entrant_tells_only_the_admins() -> None:
    assert kinds(submitted(), entrant=None) == []
    assert [k for k, _ in kinds(transcoded(), entrant=None)] == ["awaiting_approval"]


def test_a_failed_check_names_the_top_finding_and_links_to_the_entry() -> None:
    (notice,) = notices_for(validated(passed=False), "u1", CAMPAIGN, BASE)
    message = render(notice.kind, CAMPAIGN, {"title": "红色故事", **notice.zh}, notice.en, english=True)
    assert "帧率应为25帧/秒" in message.body and "frame rate must be 25 fps" in message.body
    assert f"{BASE}/submissions/S1" in message.body
    assert message.body.index("帧率") < message.body.index("frame rate")  # Chinese first
    assert message.params["link"] == f"{BASE}/submissions/S1"  # whole: a cut link leads nowhere


def test_a_returned_entry_tells_its_entrant_the_units_reason_and_where_to_fix_it() -> None:
    back = SubmissionReturned(
        **common(1, 3), producer="intake", reason="课件缺少封面", returned_by_unit="222401"
    )
    (notice,) = notices_for(back, "u1", CAMPAIGN, BASE)
    assert (notice.kind, notice.audience) == ("returned", Audience(person="u1"))
    message = render(notice.kind, CAMPAIGN, {"title": "红色故事", **notice.zh}, notice.en, english=False)
    assert "课件缺少封面" in message.body and f"{BASE}/submissions/S1" in message.body
    assert kinds(back, entrant=None) == []


def test_a_review_result_says_the_level_and_the_award_and_its_certificate_is_ready() -> None:
    event = reviewed("awarded", level="county")
    result, certificate = notices_for(event, "u1", CAMPAIGN, BASE)
    assert "优秀资源奖" in result.zh["detail"]
    message = render(
        certificate.kind, CAMPAIGN, {"title": "红色故事", **certificate.zh}, certificate.en, False
    )
    assert message.subject == "获奖证书可以下载：《红色故事》"
    assert "获县区评审优秀资源奖" in message.body and f"{BASE}/submissions/S1" in message.body
    # Told beside the result under a cause of its own, so the once-per-cause rule keeps both.
    assert Cause.of(event, result.kind).id != Cause.of(event, certificate.kind).id


def test_a_campaign_wording_is_used_and_an_unsafe_one_is_refused_and_not_used() -> None:
    def with_template(template: MessageTemplate) -> Campaign:
        rules = CAMPAIGN.notifications.model_copy(update={"templates": {"received": template}})
        return CAMPAIGN.model_copy(update={"notifications": rules})

    mine = with_template(MessageTemplate(body_zh="收到《{title}》"))
    assert render("received", mine, {"title": "红色故事"}, {}, english=False).body == "收到《红色故事》"
    for unsafe in ("{title.__class__}", "{0}", "{secret}", "{title!r}", "{title:>99}", "{"):
        # Refused to its author; stored anyway (by a newer release): the default wording goes out.
        stored = with_template(MessageTemplate(body_zh=unsafe))
        [problem] = notification_problems(stored)
        assert problem.startswith("notifications.templates.received: 模板")
        assert "已收到您的作品" in render("received", stored, {"title": "x"}, {}, english=False).body


def test_campaign_settings_name_only_kinds_the_notifier_has() -> None:
    assert set(DEFAULTS) == set(NOTIFICATION_KINDS)
    # A kind from a newer release still loads; its author is told.
    typo = CAMPAIGN.model_copy(update={"notifications": Notifications(sms_templates={"recieved": "SMS_1"})})
    assert "未知消息类型 ['recieved']" in notification_problems(typo)[0]


@pytest.mark.parametrize(
    ("utc_hour", "held_until_utc_hour"),
    [(13, None), (14, 23), (20, 23), (22, 23), (23, None)],  # Asia/Shanghai is UTC+8: quiet 22-07
)
def test_quiet_hours_are_the_campaigns_local_night(utc_hour: int, held_until_utc_hour: int | None) -> None:
    now = datetime(2024, 11, 1, utc_hour, 30, tzinfo=UTC)
    until = quiet_until(now, "Asia/Shanghai", 22, 7)
    assert (until.astimezone(UTC).hour if until else None) == held_until_utc_hour
    assert until is None or until > now


def test_no_quiet_hours_when_unset_and_backoff_grows_to_its_cap() -> None:
    assert quiet_until(datetime(2024, 11, 1, 15, tzinfo=UTC), "Asia/Shanghai", None, None) is None
    assert [retry_delay_s(n, 60) for n in (1, 2, 3)] == [60, 120, 240]
    assert retry_delay_s(30, 60) == 3600


def test_a_platforms_address_becomes_the_link_only_when_it_is_a_web_address() -> None:
    shown = published("published").model_copy(update={"url": "https://platform.example.cn/works/7"})
    (notice,) = notices_for(shown, "u1", CAMPAIGN, BASE)
    assert notice.zh["link"] == "https://platform.example.cn/works/7"
    script = shown.model_copy(update={"url": "javascript:alert(1)"})
    (notice,) = notices_for(script, "u1", CAMPAIGN, BASE)
    assert notice.zh["link"] == f"{BASE}/showcase/yanbian-2024"


def test_a_rounds_chairs_are_its_leaders_and_the_admins_of_its_unit_or_the_campaign() -> None:
    def noticed(**fields: object) -> RoundNoticed:
        common = {"campaign_id": "c", "producer": "review", "level": "county", "level_name": "县区评审"}
        return RoundNoticed.model_validate({**common, "entries": 12, **fields})

    unit_round = noticed(
        round_id="c:county|222401", kind="scored", unit_path=["22", "2224", "222401"], chairs=["R1"]
    )
    told = round_noticed(unit_round, BASE)
    assert [(n.kind, n.audience) for n in told] == [
        ("round_scored", Audience(person="reviewer:R1")),
        ("round_scored", Audience(role=UNIT_ADMIN, units=("22", "2224", "222401"))),
    ]
    assert told[0].zh["link"] == f"{BASE}/review/chair/rounds/c%3Acounty%7C222401"
    assert told[0].zh["detail"] == "12件作品"
    appeal = noticed(round_id="c:county", kind="appealed", appeal_id="A1", title="红色故事")
    (admins,) = round_noticed(appeal, BASE)  # a campaign-wide round with no 组长 imported
    assert (admins.kind, admins.audience, admins.zh["title"]) == (
        "appeal_filed",
        Audience(role=CAMPAIGN_ADMIN),
        "红色故事",
    )
