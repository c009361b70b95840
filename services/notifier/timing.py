"""When a message may go: quiet hours in the campaign's zone, retries' backoff. Pure.

Quiet hours hold SMS, WeChat and e-mail (a phone that buzzes at 23:00 for a failed frame rate
helps nobody); the in-app inbox is silent, so it is never held. A window that crosses midnight
(22 to 7) is the usual case; ``from == until`` means no quiet hours."""

from datetime import datetime, timedelta

from contracts.calendar import zone_named


def quiet_until(now: datetime, zone: str, from_hour: int | None, until_hour: int | None) -> datetime | None:
    """When the quiet hours around ``now`` end (an aware datetime), or None when it is not quiet."""
    if from_hour is None or until_hour is None or from_hour == until_hour:
        return None
    local = now.astimezone(zone_named(zone))
    hour = local.hour
    quiet = (
        from_hour <= hour < until_hour if from_hour < until_hour else hour >= from_hour or hour < until_hour
    )
    if not quiet:
        return None
    end = local.replace(hour=until_hour, minute=0, second=0, microsecond=0)
    if end <= local:
        end += timedelta(days=1)
    return end


def retry_delay_s(tries: int, base_s: float, cap_s: float = 3600.0) -> float:
    """Backoff before try ``tries + 1``: base, 2x, 4x ... up to the cap."""
    return float(min(cap_s, base_s * 2 ** max(0, tries - 1)))
