"""Counts for the admins' dashboards: by stage, approval, group, category and unit (pure).

Units can be rolled up to a level (``county``: every entry counts for the county above its
school), and each unit's counts sit next to its quotas: caps (Shanxi) with the places used,
minimums per section (Hunan) with the approved entries of each section."""

from collections import Counter
from typing import Any

from contracts.campaign import Campaign, Series
from services.intake.limits import quotas_for
from services.intake.units import LEVELS


def bucket_of(unit_path: list[str], units: dict[str, dict[str, Any]], level: str | None) -> str | None:
    if not unit_path:
        return None
    if level in LEVELS:
        for code in unit_path:
            if units.get(code, {}).get("level") == level:
                return code
    return unit_path[-1]


def summarise(
    campaign: Campaign, subs: list[dict[str, Any]], units: dict[str, dict[str, Any]], level: str | None
) -> dict[str, Any]:
    by_unit: dict[str, list[dict[str, Any]]] = {}
    for sub in subs:
        code = bucket_of(sub.get("attribution", {}).get("unit_path", []), units, level)
        if code is not None:
            by_unit.setdefault(code, []).append(sub)
    return {
        "total": len(subs),
        "by_stage": dict(Counter(s["stage"] for s in subs)),
        "by_approval": dict(Counter((s.get("approval") or {}).get("state", "pending") for s in subs)),
        "by_group": dict(Counter(s.get("group") or "" for s in subs)),
        "by_category": dict(Counter(s.get("form", {}).get("category") or "" for s in subs)),
        "by_unit": [_unit_row(campaign, code, rows, units) for code, rows in sorted(by_unit.items())],
    }


def _approved(sub: dict[str, Any]) -> bool:
    return (sub.get("approval") or {}).get("state") == "approved"


def _unit_row(
    campaign: Campaign, code: str, rows: list[dict[str, Any]], units: dict[str, dict[str, Any]]
) -> dict[str, Any]:
    unit = units.get(code) or {"_id": code, "name": rows[0].get("attribution", {}).get("unit_name", code)}
    quotas = []
    all_series: list[Series | None] = [*campaign.series] or [None]
    for series in all_series:
        for quota in quotas_for(campaign, series, [unit]):
            mine = [r for r in rows if _approved(r) and (series is None or r.get("series") == series.key)]
            used: Any = (
                sum(quota.weight(r) for r in mine)
                if quota.kind == "max"
                else dict(Counter(r["form"].get("category") or "" for r in mine))
            )
            quotas.append(
                {
                    "series": quota.series,
                    "level": quota.level,
                    "limit": quota.limit,
                    "kind": quota.kind,
                    "used": used,
                }
            )
    return {
        "unit_code": code,
        "unit_name": unit.get("name"),
        "level": unit.get("level"),
        "total": len(rows),
        "approved": sum(_approved(r) for r in rows),
        "awaiting": sum(r["stage"] == "awaiting_approval" for r in rows),
        "by_stage": dict(Counter(r["stage"] for r in rows)),
        "quota": quotas,
    }
