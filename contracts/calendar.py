"""The campaign's own calendar: the one place a time zone turns instants into the dates notices name.

A notice's dates (upload window, review windows, ``publish_at``, ``showcase_from``) are days on the
wall calendar of the campaign's region, not UTC days: 2026-03-01 begins in Beijing at 16:00 UTC on
02-28, while servers and containers run on UTC. Every service asks this module what day it is for a
campaign and when a day begins, instead of holding its own offset. The zone is the campaign's
``time_zone`` (an IANA name, default Asia/Shanghai); pure, no I/O beyond the tz database.
"""

from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from functools import cache
from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

if TYPE_CHECKING:
    from contracts.campaign import Campaign, PublicationTarget, Window

DEFAULT_TIME_ZONE = "Asia/Shanghai"
WindowState = Literal["before", "open", "after"]


@cache
def zone_named(name: str) -> ZoneInfo:
    """The IANA zone ``name``; ValueError (a pydantic validation error in the spec) when unknown."""
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"未知时区“{name}”，请用 IANA 名称如 Asia/Shanghai / unknown time zone") from exc


def campaign_zone(campaign: "Campaign | None" = None) -> ZoneInfo:
    """The campaign's zone; None (no campaign at hand, e.g. a list of rows from many) is the default."""
    return zone_named(campaign.time_zone if campaign is not None else DEFAULT_TIME_ZONE)


def to_campaign_time(moment: datetime, campaign: "Campaign | None" = None) -> datetime:
    """``moment`` on the campaign's clock; a naive datetime is UTC (as the store returns them)."""
    aware = moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    return aware.astimezone(campaign_zone(campaign))


def campaign_now(campaign: "Campaign | None" = None, now: datetime | None = None) -> datetime:
    """Now (or the given instant, for tests) on the campaign's clock."""
    return to_campaign_time(now or datetime.now(UTC), campaign)


def campaign_today(campaign: "Campaign | None" = None, now: datetime | None = None) -> date:
    """The date a notice would call today."""
    return campaign_now(campaign, now).date()


def day_starts(day: date, campaign: "Campaign | None" = None) -> datetime:
    """The instant (UTC) the campaign's ``day`` begins: when a date in a notice comes into force."""
    return datetime.combine(day, time(0, 0), tzinfo=campaign_zone(campaign)).astimezone(UTC)


def where_in(window: "Window", day: date) -> WindowState:
    """Where a campaign date stands against an inclusive window of campaign dates."""
    if day < window.starts:
        return "before"
    if window.ends is not None and day > window.ends:
        return "after"
    return "open"


def window_state(
    window: "Window", campaign: "Campaign | None" = None, now: datetime | None = None
) -> WindowState:
    """Where today, in the campaign's calendar, stands against the window."""
    return where_in(window, campaign_today(campaign, now))


def zone_label(campaign: "Campaign | None" = None) -> tuple[str, str]:
    """How pages name the zone: (Chinese, English)."""
    name = campaign.time_zone if campaign is not None else DEFAULT_TIME_ZONE
    return ("北京时间", "Beijing time") if name == DEFAULT_TIME_ZONE else (f"{name}时间", f"{name} time")


def publishable_from(campaign: "Campaign", target: "PublicationTarget") -> datetime | None:
    """When a work may first go out to ``target``: the start (in the campaign's calendar) of the
    later of its ``publish_at`` and the campaign's ``showcase_from`` (Yanbian: 12-15); None: at once.
    The publisher schedules by it, intake refuses a change that a sent publication contradicts."""
    days = [d for d in (target.publish_at, campaign.showcase_from) if d is not None]
    return day_starts(max(days), campaign) if days else None


def window_for(campaign: "Campaign", unit_path: Sequence[str] = ()) -> "Window | None":
    """The upload window of an entry of the unit at the end of ``unit_path``: the campaign's, with
    the latest end any extension of the unit or a unit above it grants."""
    window = campaign.upload_window
    if window is None or window.ends is None:
        return window
    ends = [x.ends for x in campaign.live.unit_extensions if x.unit in unit_path]
    latest = max([window.ends, *ends])
    return window if latest == window.ends else window.model_copy(update={"ends": latest})
