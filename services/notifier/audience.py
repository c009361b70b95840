"""Who hears what, from which event: pure, so every rule is tested without a broker.

An event names a submission; the entrant is the account that submitted it (``entrant_id`` of its
``submitted`` event, remembered by the notifier). Unit admins are addressed by role and unit,
campaign admins by role: the notifier turns those into the people who registered with it
(``people.py``). A reminder is no event: ``approval_due`` is built by the notifier's own sweep
(``deadlines.py``). Reviewers hear of their share of a round from review's ``review.assigned``.
A round's chairs hear from review's ``round.noticed`` (every score in, an appeal filed). What no
event says yet (reviewer invitations, dead letters) is listed in docs/decisions/0026-notifications.md
as knowingly thin."""

from dataclasses import dataclass, field
from urllib.parse import quote

from contracts import (
    SubmissionApproved,
    SubmissionPublished,
    SubmissionReturned,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
)
from contracts.campaign import Campaign
from contracts.events import ReviewerAssigned, RoundNoticed, Severity, SubmissionEvent
from services.common.links import web_link
from services.notifier.deadlines import Reminder
from services.notifier.review_shares import Share

ENTRANT, UNIT_ADMIN, CAMPAIGN_ADMIN = "entrant", "unit_admin", "campaign_admin"
# Kinds an event tells the same person beside its first message (an award's result, then its
# certificate): each is told once under its own cause.
ALSO_TOLD = frozenset({"certificate_ready"})


@dataclass(frozen=True)
class Audience:
    """One account (``person``), or every registered account with ``role`` (of one of ``units``)."""

    person: str | None = None
    role: str | None = None
    units: tuple[str, ...] = ()


@dataclass(frozen=True)
class Cause:
    """What a message answers: an event (its id), or a key of its own (a reminder, a
    round, dead letters); never told twice."""

    id: str
    campaign_id: str
    submission_id: str | None = None

    @classmethod
    def of(cls, event: SubmissionEvent, kind: str = "") -> "Cause":
        """An event's message; a kind told beside the event's first (``ALSO_TOLD``) is a cause of
        its own, or the once-per-cause rule would swallow it."""
        key = f"{event.event_id}:{kind}" if kind in ALSO_TOLD else str(event.event_id)
        return cls(key, event.campaign_id, event.submission_id)


@dataclass(frozen=True)
class Notice:
    kind: str
    audience: Audience
    zh: dict[str, str] = field(default_factory=dict)  # placeholder values in Chinese
    en: dict[str, str] = field(default_factory=dict)  # ... where the English differs


def _entrant(entrant_id: str | None) -> Audience | None:
    return Audience(person=entrant_id) if entrant_id else None


def _top_finding(event: SubmissionValidated) -> tuple[str, str]:
    errors = [f for f in event.findings if f.severity == Severity.ERROR] or event.findings
    if not errors:
        return "未说明原因", "no reason given"
    top, more = errors[0], len(errors) - 1
    zh, en = top.message_zh, top.message_en
    if more:
        zh, en = f"{zh}（另有{more}项问题）", f"{en} (and {more} more)"
    return zh, en


def _level_name(campaign: Campaign, key: str) -> str:
    """The level's name as the notice calls it (州级, 省级...); its key if the campaign lost it."""
    return next((lv.name for lv in campaign.review_levels if lv.key == key), key)


def _result(campaign: Campaign, event: SubmissionReviewed) -> tuple[str, str]:
    level = _level_name(campaign, event.level)
    if event.outcome == "awarded":
        tier = event.award_tier or ""
        return f"{level}评审获{tier}", f"{tier} at the {event.level} level"
    if event.outcome == "recommended":
        return f"{level}评审获推荐，进入上一级评审", f"recommended at the {event.level} level"
    return f"{level}评审未获推荐", f"not recommended at the {event.level} level"


def notices_for(
    event: SubmissionEvent, entrant_id: str | None, campaign: Campaign, base_url: str
) -> list[Notice]:
    """What ``event`` tells whom (the caller adds campaign, title and version to every notice)."""
    base = base_url.rstrip("/")
    mine = {"link": f"{base}/submissions/{event.submission_id}"}
    entrant = _entrant(entrant_id)
    notices: list[tuple[str, Audience | None, dict[str, str], dict[str, str]]] = []
    match event:
        case SubmissionSubmitted():
            notices.append(("received", entrant, mine, {}))
        case SubmissionValidated(passed=False):
            zh, en = _top_finding(event)
            notices.append(("check_failed", entrant, {**mine, "detail": zh}, {"detail": en}))
        case SubmissionTranscoded(succeeded=False):
            reason = event.reason or "未说明原因"
            notices.append(("processing_failed", entrant, {**mine, "detail": reason}, {}))
        case SubmissionTranscoded(succeeded=True):
            unit = event.attribution
            # Any unit admin above the entry may approve it (intake's auth.can_approve): all are told.
            admins = Audience(role=UNIT_ADMIN, units=tuple(unit.unit_path or [unit.unit_code]))
            link = {"link": f"{base}/campaigns/{event.campaign_id}/unit", "unit": unit.unit_name}
            notices.append(("awaiting_approval", admins, link, {}))
        case SubmissionApproved():
            notices.append(("in_review", entrant, mine, {}))
        case SubmissionReturned():
            notices.append(("returned", entrant, {**mine, "detail": event.reason}, {}))
        case SubmissionReviewed():
            zh, en = _result(campaign, event)
            notices.append(("result", entrant, {**mine, "detail": zh}, {"detail": en}))
            if event.outcome == "awarded" and event.award_tier:
                # A level's result arrives once it is final, so its certificate can be issued now.
                award = {"detail": f"{_level_name(campaign, event.level)}{event.award_tier}"}
                notices.append(("certificate_ready", entrant, {**mine, **award}, award))
        case SubmissionPublished(status="published"):
            where = event.target_name or event.target
            # The platform's address becomes a link in the inbox: http(s) only (links.py).
            url = web_link(event.url) or f"{base}/showcase/{event.campaign_id}"
            link = {"link": url, "detail": where}
            notices.append(("published", entrant, link, {}))
        case SubmissionPublished(status="failed"):
            admins = Audience(role=CAMPAIGN_ADMIN)
            detail = f"{event.target_name or event.target}：{event.reason or '未说明原因'}"
            notices.append(("publish_failed", admins, {"link": f"{base}/admin", "detail": detail}, {}))
    return [Notice(kind, who, zh, en) for kind, who, zh, en in notices if who is not None]


def approval_due(reminder: Reminder, base_url: str) -> Notice:
    """A unit's admins: entries of their subtree still wait for approval, and until when."""
    day = reminder.deadline
    zh = {
        "title": f"{day.year}年{day.month}月{day.day}日截止",
        "detail": f"{reminder.waiting}件作品待审核",
        "unit": reminder.unit_name,
        "link": f"{base_url.rstrip('/')}/campaigns/{reminder.campaign_id}/unit",
    }
    en = {"title": f"closes on {day.isoformat()}", "detail": f"{reminder.waiting} entries awaiting approval"}
    return Notice("approval_due", Audience(role=UNIT_ADMIN, units=(reminder.unit,)), zh, en)


def review_assigned(event: ReviewerAssigned, base_url: str) -> Notice:
    """The reviewer (``reviewer:<id>``, as the notifier knows them): their share of the round."""
    zh_detail, en_detail = f"{event.entries}件作品待评", f"{event.entries} entries to score"
    if event.entries == 0:
        zh_detail, en_detail = "已无待评作品（分配已调整）", "no entries any more (the assignment changed)"
    elif day := event.window_ends:
        zh_detail += f"，请于{day.year}年{day.month}月{day.day}日前完成评分"
        en_detail += f", by {day.isoformat()}"
    zh = {"title": event.level_name, "detail": zh_detail, "link": f"{base_url.rstrip('/')}/review/"}
    en = {"title": f"the {event.level} round", "detail": en_detail}
    return Notice("review_assigned", Audience(person=f"reviewer:{event.reviewer_id}"), zh, en)


def round_noticed(event: RoundNoticed, base_url: str) -> list[Notice]:
    """A round's chairs: its 组长 (reviewers), and the admins of its unit and the units above it,
    or the campaign admins for a campaign-wide round (``review.round_chairs``)."""
    link = f"{base_url.rstrip('/')}/review/chair/rounds/{quote(event.round_id, safe='')}"
    if event.kind == "scored":
        zh = {"title": event.level_name, "detail": f"{event.entries}件作品", "link": link}
        en = {"title": f"the {event.level} round", "detail": f"{event.entries} entries"}
    else:
        title = event.title or "（未知作品）"
        zh = {"title": title, "detail": event.level_name, "link": link}
        en = {"title": event.title or "an entry", "detail": event.level}
    kind = "round_scored" if event.kind == "scored" else "appeal_filed"
    admins = (
        Audience(role=UNIT_ADMIN, units=tuple(event.unit_path))
        if event.unit_path
        else Audience(role=CAMPAIGN_ADMIN)
    )
    chairs = [Audience(person=f"reviewer:{r}") for r in event.chairs]
    return [Notice(kind, who, zh, en) for who in (*chairs, admins)]


def review_due(share: Share, base_url: str) -> Notice:
    """The reviewer, before the round's scoring window closes (``review_shares.py``)."""
    day = share.window_ends
    assert day is not None  # only shares with a window are due
    zh = {
        "title": share.level_name,
        "detail": f"您尚有{share.to_score}件作品未评，{day.year}年{day.month}月{day.day}日截止",
        "link": f"{base_url.rstrip('/')}/review/",
    }
    en = {
        "title": f"the {share.level} round",
        "detail": f"{share.to_score} entries still to score, closes {day.isoformat()}",
    }
    return Notice("review_due", Audience(person=f"reviewer:{share.reviewer_id}"), zh, en)
