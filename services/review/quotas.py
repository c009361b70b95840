"""How many of each pool go up a level: per-unit quota tables, series quotas, top N (pure).

A quota is resolved per pool. ``unit_quotas`` is keyed by unit code, or by unit name when
``unit_codes`` maps that name to a code (notices print names: Hunan's table says 平江县 5, while
entries carry codes in their unit path). The quota of the unit at the level's depth applies to
each of its pools, so Hunan's county level (pool_by unit x category) sends at least 5 per section
from 平江县. ``quota_kind`` says whether the number is a ceiling or a floor (see outcomes.py)."""

from collections.abc import Collection, Mapping
from typing import TYPE_CHECKING

from contracts.campaign import Outcome
from services.review.awards import AwardSchemeError, rank

if TYPE_CHECKING:
    from services.review.awards import RankedEntry

Text = tuple[str, str]  # (Chinese, English)


def resolve_unit_quotas(rule: Outcome) -> dict[str, int]:
    """The quota table keyed by unit code: names go through ``unit_codes``, other keys are codes."""
    table: dict[str, int] = {}
    for key, quota in rule.unit_quotas.items():
        code = rule.unit_codes.get(key, key)
        if code in table:
            raise AwardSchemeError(
                f"名额表中有两行对应同一单位编码 {code}",
                f"two rows of the quota table map to unit code {code}",
            )
        table[code] = quota
    return table


def pool_quotas(
    rule: Outcome,
    level_key: str,
    by_pool: Mapping[str, list["RankedEntry"]],
    units: Mapping[str, str],
    series: Mapping[str, str | None],
    series_quotas: Mapping[str, int],
) -> dict[str, int]:
    """N for every pool: from the unit quota table, the series' quotas or ``recommend_top``."""
    if rule.unit_quotas:
        if "unit" not in rule.pool_by:
            raise AwardSchemeError(
                "名额表按单位分配，但本级未按单位分组（pool_by 须含 unit）",
                "the quota table is per unit but this level does not pool by unit",
            )
        table = resolve_unit_quotas(rule)
        unit_of_pool = {key: units[pool[0].submission_id] for key, pool in by_pool.items()}
        missing = sorted(set(unit_of_pool.values()) - set(table))
        if missing:
            raise AwardSchemeError(
                f"以下单位没有推荐名额：{', '.join(missing)}"
                "（名额表按单位名称填写时，须在 unit_codes 中写明名称对应的编码）",
                f"no quota for units {missing} (a table keyed by names needs unit_codes for them)",
            )
        return {key: table[unit] for key, unit in unit_of_pool.items()}
    if rule.quota_from_series:
        if "series" not in rule.pool_by:
            raise AwardSchemeError(
                "按征集系列分配名额，但本级未按系列分组（pool_by 须含 series）",
                "quotas come from each series but this level does not pool by series",
            )
        out: dict[str, int] = {}
        for key, pool in by_pool.items():
            name = series[pool[0].submission_id] or ""
            if name not in series_quotas:
                raise AwardSchemeError(
                    f"征集系列“{name}”没有本级（{level_key}）名额",
                    f"series {name!r} has no quota at {level_key}",
                )
            out[key] = series_quotas[name]
        return out
    top = rule.recommend_top if rule.recommend_top is not None else 0
    return dict.fromkeys(by_pool, top)


def recommendations(
    rule: Outcome,
    by_pool: Mapping[str, list["RankedEntry"]],
    quotas: Mapping[str, int],
    sizes: Mapping[str, int] | None = None,
) -> tuple[set[str], list[Text]]:
    """The top N of every pool (N from ``pool_quotas``), and (for floors) a warning for each pool
    holding fewer than N. An entry in ``sizes`` counts as that many (a quiz set's questions)."""
    if any(q < 0 for q in quotas.values()):
        raise AwardSchemeError("推荐名额不能为负数", "recommendation quotas cannot be negative")
    chosen: set[str] = set()
    warnings: list[Text] = []
    for key in sorted(by_pool):
        pool, quota = by_pool[key], quotas[key]
        if sizes and all(e.submission_id in sizes for e in pool):
            taken, note = by_questions(key, rank(pool), quota, sizes)
            chosen |= taken
            warnings += note
            continue
        chosen |= {e.submission_id for e in rank(pool)[:quota]}
        if rule.quota_kind == "minimum" and len(pool) < quota:
            warnings.append(
                (
                    f"“{key}”至少应推荐 {quota} 件，但仅有 {len(pool)} 件参评，已全部推荐",
                    f"pool {key!r} should send at least {quota} but has only {len(pool)}: all go up",
                )
            )
    return chosen, warnings


def by_questions(
    key: str, ranked: list["RankedEntry"], quota: int, sizes: Mapping[str, int]
) -> tuple[set[str], list[Text]]:
    """Quiz sets in rank order while their questions fit the quota (强国问答: 市 1000题); the first
    set that would pass it stops the pool, so no better-ranked set is passed over for a smaller one."""
    taken: set[str] = set()
    used = 0
    for e in ranked:
        if used + sizes[e.submission_id] > quota:
            left = len(ranked) - len(taken)
            return taken, [
                (
                    f"“{key}”按题计名额{quota}题，已推荐{used}题；其余{left}套试题超出名额",
                    f"pool {key!r} counts {quota} questions: {used} go up, {left} set(s) would pass it",
                )
            ]
        taken.add(e.submission_id)
        used += sizes[e.submission_id]
    return taken, []


def panel_recommends(added: Collection[str], confirmed: bool, pending: list[Text]) -> set[str]:
    """择优推荐 with no number: exactly the chair's choice, pending until the chair confirms it."""
    if not confirmed:
        pending.append(("请评委会择优选定推荐作品", "the chair has to choose the entries that go up"))
    return set(added)


def additions_allowed(rule: Outcome) -> bool:
    """The chair may add recommendations where quotas are floors, or where the panel chooses them all."""
    has_rule = rule.recommend_total is not None or bool(rule.unit_quotas) or rule.recommend_top is not None
    has_rule = has_rule or rule.quota_from_series
    if has_rule:
        return rule.recommend_total is None and rule.quota_kind == "minimum"
    return not rule.tiers
