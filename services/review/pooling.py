"""Which pool an entry competes in at a level (pure).

A level pools its entries by ``outcome.pool_by``: the unit at the level's depth
(province > city > county > school, read from the entry's unit path), group,
category, sub-column or series. Yanbian's county level pools by county x group,
Hunan's city level by section.

An entry that cannot be placed is never given a pool of its own: an entry whose
unit path does not reach the level's depth (registered without a path), or
that lacks a group, category or series the campaign defines, is reported by
``pool_problems`` and the round refuses to open until intake's record is fixed.
The one exception is a school-level round, where the school is the entry's own
unit code by definition."""

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from contracts.campaign import Campaign, ReviewLevel
from services.review.unit_levels import DEPTH as DEPTH
from services.review.unit_levels import unit_of

NATIONAL = "全国"


class Placed(Protocol):
    """What pooling looks at in an entry (``Placement`` here, ``outcomes.Scored`` there)."""

    @property
    def submission_id(self) -> str: ...
    @property
    def unit_path(self) -> tuple[str, ...]: ...
    @property
    def unit_code(self) -> str: ...
    @property
    def group(self) -> str | None: ...
    @property
    def category(self) -> str | None: ...
    @property
    def subcolumn(self) -> str | None: ...
    @property
    def series(self) -> str | None: ...
    @property
    def unit_levels(self) -> tuple[str, ...]: ...


@dataclass(frozen=True)
class Placement:
    """An entry's public facts and unit codes, as pooling and conflicts need them."""

    submission_id: str
    unit_path: tuple[str, ...]
    unit_code: str
    group: str | None = None
    category: str | None = None
    subcolumn: str | None = None
    series: str | None = None
    unit_levels: tuple[str, ...] = ()  # each unit's kind (province, city, ...); () before 0031


class PoolError(ValueError):
    def __init__(self, zh: str, en: str) -> None:
        self.zh, self.en = zh, en
        super().__init__(f"{zh} / {en}")


def level_unit(level: ReviewLevel, entry: Placed) -> str:
    """The unit the entry belongs to at this level (its county at a county level, ...)."""
    if level.unit_level == "national":
        return NATIONAL
    found = unit_of(level.unit_level, entry.unit_path, entry.unit_levels)
    if found is not None:
        return found
    if level.unit_level == "school":
        return entry.unit_code
    raise PoolError(
        f"作品 {entry.submission_id} 的单位路径不完整，无法确定其所属{_LEVEL_ZH[level.unit_level]}",
        f"entry {entry.submission_id} has no unit path down to its {level.unit_level}",
    )


def takes_part(level: ReviewLevel, entry: Placed) -> bool:
    """Whether the level applies to the entry: a path that skips the level's kind of unit (省直)
    does not; an entry without a path is kept, for ``pool_problems`` to name."""
    if level.unit_level in ("national", "school") or not entry.unit_path:
        return True
    return unit_of(level.unit_level, entry.unit_path, entry.unit_levels) is not None


def county_of(entry: Placed) -> str:
    """The entry's county code, or '' when its path does not say (same-county rule then cannot apply)."""
    return unit_of("county", entry.unit_path, entry.unit_levels) or ""


def pool_parts(level: ReviewLevel, entry: Placed) -> dict[str, str]:
    parts: dict[str, str] = {}
    for key in level.outcome.pool_by:
        if key == "unit":
            parts[key] = level_unit(level, entry)
        else:
            parts[key] = getattr(entry, key, None) or "-"
    return parts


ALL = "all"  # the one pool of a level that pools nothing


def pool_key(level: ReviewLevel, entry: Placed) -> str:
    """The pool's name, e.g. ``222401/小学组``; ``all`` when the level pools nothing."""
    return "/".join(pool_parts(level, entry).values()) or ALL


def pool_labels(pools: Iterable[str], entries: Iterable[Mapping[str, Any]]) -> dict[str, str]:
    """Each pool key as a chair reads it: unit codes replaced by the units' names
    (``222401/小学组`` -> ``延吉市/小学组``, ``all`` -> 全部作品), from the entries' own attribution."""
    names: dict[str, str] = {}
    for doc in entries:
        attribution = doc.get("attribution") or {}
        codes, known = attribution.get("unit_path") or [], attribution.get("unit_path_names") or []
        if len(codes) == len(known):  # entries from before names were carried have none
            names.update(zip(codes, known, strict=True))
    return {
        pool: "全部作品" if pool == ALL else "/".join(names.get(part, part) for part in pool.split("/"))
        for pool in set(pools)
    }


def pool_problems(campaign: Campaign, level: ReviewLevel, entries: Sequence[Placed]) -> list[dict[str, str]]:
    """Entries that cannot be pooled at ``level``, each with a reason in Chinese and English."""
    defined = {
        "group": bool(campaign.groups),
        "category": bool(campaign.categories),
        "subcolumn": any(c.subcolumns for c in campaign.categories),
        "series": bool(campaign.series),
    }
    problems: list[dict[str, str]] = []
    for e in entries:
        for key in level.outcome.pool_by:
            if key == "unit":
                try:
                    level_unit(level, e)
                except PoolError as exc:
                    problems.append(
                        {"submission_id": e.submission_id, "message_zh": exc.zh, "message_en": exc.en}
                    )
            elif defined[key] and not getattr(e, key, None):
                problems.append(
                    {
                        "submission_id": e.submission_id,
                        "message_zh": f"作品 {e.submission_id} 缺少{_KEY_ZH[key]}，无法分组评审",
                        "message_en": f"entry {e.submission_id} has no {key}, so it cannot be pooled",
                    }
                )
    return problems


_LEVEL_ZH = {"province": "省", "city": "市州", "county": "县区", "school": "学校", "national": "全国"}
_KEY_ZH = {"group": "组别", "category": "类别（版块）", "subcolumn": "栏目", "series": "征集系列"}
