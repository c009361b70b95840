"""The upload window: inclusive dates in the campaign's own calendar (``contracts.calendar``, pure).

A unit's extension (``Campaign.live.unit_extensions``, a live change) moves the end for that unit
and every unit under it: an entry whose ``unit_path`` holds the unit's code uploads until then."""

from collections.abc import Sequence
from datetime import date, datetime

from contracts.calendar import window_for, window_state, zone_label
from contracts.campaign import Campaign, Window
from services.common.errors import ServiceError


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def window_text(window: Window, campaign: Campaign) -> tuple[str, str]:
    zone_zh, zone_en = zone_label(campaign)
    if window.ends is None:
        return f"{zh_date(window.starts)}起（{zone_zh}）", f"from {window.starts} ({zone_en})"
    return (
        f"{zh_date(window.starts)}至{zh_date(window.ends)}（{zone_zh}）",
        f"{window.starts} to {window.ends} ({zone_en})",
    )


def upload_refusal(
    campaign: Campaign, now: datetime | None = None, unit_path: Sequence[str] = ()
) -> ServiceError | None:
    """Why an upload of an entry of ``unit_path`` cannot happen now, or None when it can."""
    window = window_for(campaign, unit_path)
    if window is None:
        return None
    state = window_state(window, campaign, now)
    zh, en = window_text(window, campaign)
    shown = {"starts": str(window.starts), "ends": str(window.ends) if window.ends else None}
    if state == "before":
        return ServiceError(
            403,
            f"上传尚未开始：上传时间为{zh}",
            f"uploads have not opened yet: they are open {en}",
            window=shown,
        )
    if state == "after":
        return ServiceError(
            403, f"上传已截止：上传时间为{zh}", f"uploads have closed: they were open {en}", window=shown
        )
    return None


def registration_refusal(
    campaign: Campaign, now: datetime | None = None, unit_path: Sequence[str] = ()
) -> ServiceError | None:
    """Registering is possible before the window opens (to prepare), but not after it closed."""
    window = window_for(campaign, unit_path)
    if window is None or window_state(window, campaign, now) != "after":
        return None
    closed = upload_refusal(campaign, now, unit_path)
    assert closed is not None
    return ServiceError(
        403, closed.zh.replace("上传已截止", "报名已截止"), closed.en, window=closed.extra["window"]
    )
