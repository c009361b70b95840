"""The upload window: inclusive dates in the campaign's own calendar (Asia/Shanghai, pure)."""

from datetime import date, datetime
from zoneinfo import ZoneInfo

from contracts.campaign import Window
from services.common.errors import ServiceError as IntakeError  # old name, kept until its owner renames it

CAMPAIGN_TZ = ZoneInfo("Asia/Shanghai")


def campaign_today(now: datetime | None = None) -> date:
    return (now or datetime.now(CAMPAIGN_TZ)).astimezone(CAMPAIGN_TZ).date()


def zh_date(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def window_text(window: Window) -> tuple[str, str]:
    if window.ends is None:
        return f"{zh_date(window.starts)}起（北京时间）", f"from {window.starts} (Beijing time)"
    return (
        f"{zh_date(window.starts)}至{zh_date(window.ends)}（北京时间）",
        f"{window.starts} to {window.ends} (Beijing time)",
    )


def upload_refusal(window: Window | None, now: datetime | None = None) -> IntakeError | None:
    """Why an upload cannot happen now, or None when it can."""
    if window is None:
        return None
    today = campaign_today(now)
    zh, en = window_text(window)
    shown = {"starts": str(window.starts), "ends": str(window.ends) if window.ends else None}
    if today < window.starts:
        return IntakeError(
            403,
            f"上传尚未开始：上传时间为{zh}",
            f"uploads have not opened yet: they are open {en}",
            window=shown,
        )
    if window.ends is not None and today > window.ends:
        return IntakeError(
            403, f"上传已截止：上传时间为{zh}", f"uploads have closed: they were open {en}", window=shown
        )
    return None


def registration_refusal(window: Window | None, now: datetime | None = None) -> IntakeError | None:
    """Registering is possible before the window opens (to prepare), but not after it closed."""
    refusal = upload_refusal(window, now)
    if refusal is not None and window is not None and campaign_today(now) > window.starts:
        return IntakeError(
            403, refusal.zh.replace("上传已截止", "报名已截止"), refusal.en, window=refusal.extra["window"]
        )
    return None
