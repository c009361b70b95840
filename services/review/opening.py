"""What opening a round decides and what it assigns, over the round store's models (pure).

Opening a level's round (one unit's, or the whole campaign's: ``unit_gate.py`` says which entries
and which lower rounds) pools the entries it takes, and refuses while the round exists or an
entry cannot be pooled. Staffing gives every entry the level's
k conflict-free reviewers (``assignment.assign_reviewers``); the chair may then swap one.
``rounds.py`` reads and writes the store around these functions."""

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from contracts.calendar import where_in
from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.review.assignment import AssignmentError, AssignmentResult, assign_reviewers, conflict_reason
from services.review.assignment import reassign as swap
from services.review.eligibility import assignment_settings, declared, placement, to_review, to_reviewer
from services.review.pooling import pool_key, pool_labels, pool_problems
from services.review.round_store import FINAL, OPEN, Expert, ReviewEntry, Round, round_id_of
from services.review.unit_levels import subtree_path


def level_of(campaign: Campaign, key: str) -> tuple[int, ReviewLevel]:
    for i, level in enumerate(campaign.review_levels):
        if level.key == key:
            return i, level
    keys = ", ".join(lv.key for lv in campaign.review_levels)
    raise ServiceError(
        404, f"本活动没有评审级别“{key}”（可选：{keys}）", f"no review level {key!r}; have {keys}"
    )


def check_open(state: str) -> None:
    if state == FINAL:
        raise ServiceError(409, "本轮评审已定稿，不能再修改", "the round is finalised: nothing can change")
    if state != OPEN:
        raise ServiceError(
            409, "本轮评审正在公示，不能修改评分或分配", "the round is in public notice: no changes"
        )


def refuse_opening(level: ReviewLevel, unit: str | None, unit_name: str, existing: list[Round]) -> None:
    """A unit's round opens once, and never beside a campaign-wide round of its level (or a
    campaign-wide one beside units' rounds): an entry is judged once per level."""
    whole = [r for r in existing if r.unit is None]
    if any(r.unit == unit for r in existing):
        where = f"{unit_name}的" if unit else ""
        raise ServiceError(
            409, f"{where}{level.name}已开启", f"the {level.key} round of {unit or 'all'} is already open"
        )
    if unit is not None and whole:
        raise ServiceError(
            409,
            f"{level.name}已按全活动开启一轮，不能再按单位开启",
            f"the {level.key} level already has a campaign-wide round",
        )
    if unit is None and existing:
        raise ServiceError(
            409,
            f"{level.name}已按单位开启（{len(existing)} 轮），不能再开启全活动的一轮",
            f"the {level.key} level already has {len(existing)} units' rounds",
        )


def new_round(
    campaign: Campaign,
    level: ReviewLevel,
    entries: list[ReviewEntry],
    now: datetime,
    unit: str | None = None,
) -> Round:
    """The round of ``entries`` (in their order), each in its pool; refused if any cannot be pooled.
    A unit's round records the unit's own path (who may chair it) and name, read off its entries."""
    placed = [placement(e.document()) for e in entries]
    problems = pool_problems(campaign, level, placed)
    if problems:
        raise ServiceError(
            422,
            f"有 {len(problems)} 件作品无法确定评审分组，请先在报名信息中补全",
            f"{len(problems)} entries cannot be pooled: fix their registration first",
            problems=problems,
        )
    pools = {p.submission_id: pool_key(level, p) for p in placed}
    path, names = unit_place(entries, unit)
    return Round(
        id=round_id_of(campaign.id, level.key, unit),
        campaign_id=campaign.id,
        level=level.key,
        unit=unit,
        unit_path=path,
        unit_name=names[-1] if names else "",
        submission_ids=list(pools),
        pools=pools,
        opened_at=now,
    )


def unit_place(entries: list[ReviewEntry], unit: str | None) -> tuple[list[str], list[str]]:
    """The unit's own path and the names along it, from the first entry below it."""
    if unit is None or not entries:
        return [], []
    attribution = entries[0].attribution
    path = subtree_path(attribution.unit_path, unit)
    names = list(attribution.unit_path_names[: len(path)])
    return path, names if len(names) == len(path) else path


def opening_answer(rnd: Round, level: ReviewLevel, today: date) -> dict[str, Any]:
    return {
        "round_id": rnd.id,
        "level": rnd.level,
        "unit": rnd.unit,
        "unit_name": rnd.unit_name,
        "entries": len(rnd.pools),
        "pools": dict(Counter(rnd.pools.values())),
        "warnings": window_warnings(level, today),
    }


def window_warnings(level: ReviewLevel, today: date) -> list[dict[str, str]]:
    w = level.window
    if w is None or where_in(w, today) == "open":
        return []
    span = f"{w.starts}—{w.ends or ''}"
    return [{"message_zh": f"今天不在{level.name}时间（{span}）内", "message_en": f"today is outside {span}"}]


@dataclass(frozen=True)
class Staffing:
    assignments: dict[str, list[str]]  # submission_id -> reviewer ids
    report: dict[str, Any]  # what the chair is shown (shortfalls by pool, loads)

    @property
    def stored_report(self) -> dict[str, Any]:
        return {k: v for k, v in self.report.items() if k != "loads"}


def staff(
    campaign: Campaign, level: ReviewLevel, rnd: Round, entries: list[ReviewEntry], experts: list[Expert]
) -> Staffing:
    """The level's reviewers for every entry of the round (min-cost flow: CPU-bound, run it in a thread)."""
    docs = [e.document() for e in entries]
    to_assign = [to_review(level, placement(d)) for d in docs]
    panels = {e.pool for e in to_assign}
    expert_docs = [x.document() for x in experts]
    reviewers = [to_reviewer(x, panels) for x in expert_docs]
    settings = assignment_settings(campaign, level)
    result = assign_reviewers(to_assign, reviewers, declared(expert_docs), settings)
    labels = pool_labels(rnd.pools.values(), docs)
    report = shortfall_report(result, rnd.pools, labels, settings.reviews_per_entry)
    return Staffing({s: list(r) for s, r in result.assignments.items()}, report)


def shortfall_report(
    result: AssignmentResult, pools: dict[str, str], labels: dict[str, str], k: int
) -> dict[str, Any]:
    """``labels``: each pool as the chair reads it (``延吉市/小学组``; 全部作品 when nothing is pooled)."""
    by_pool: Counter[str] = Counter()
    missing: Counter[str] = Counter()
    for s in result.shortfalls:
        by_pool[pools[s.submission_id]] += 1
        missing[pools[s.submission_id]] += s.missing
    rows = [
        {"pool": p, "pool_label": labels.get(p, p), "entries_short": n, "reviews_missing": missing[p]}
        for p, n in sorted(by_pool.items())
    ]
    zh = "；".join(
        f"“{r['pool_label']}”有 {r['entries_short']} 件作品缺 {r['reviews_missing']} 人次" for r in rows
    )
    en = "; ".join(
        f"{r['pool']}: {r['entries_short']} entries short by {r['reviews_missing']} reviews" for r in rows
    )
    return {
        "complete": result.complete,
        "reviews_per_entry": k,
        "shortfalls": rows,
        "entries_short": [
            {"submission_id": s.submission_id, "missing": s.missing} for s in result.shortfalls
        ],
        "message_zh": f"可用评审不足：{zh}（请补充专家或调整回避设置）" if rows else "每件作品均已分配评审",
        "message_en": f"not enough eligible reviewers: {en}" if rows else "every entry has its reviewers",
        "loads": result.loads,
    }


def reassigned(
    campaign: Campaign, level: ReviewLevel, entry: ReviewEntry, current: list[str], expert: Expert, old: str
) -> list[str]:
    """The entry's reviewers (now ``current``) once ``old`` is swapped for ``expert`` (or ``expert``
    fills a gap: ``old`` empty); refused (422) when the rules forbid it, with the rule's reason."""
    sid = entry.id
    to_assign = to_review(level, placement(entry.document()))
    expert_doc = expert.document()
    reviewer = to_reviewer(expert_doc, {to_assign.pool})
    conflicts, settings = declared([expert_doc]), assignment_settings(campaign, level)
    try:
        if old:
            return list(swap({sid: current}, to_assign, old, reviewer, conflicts, settings)[sid])
        reason = conflict_reason(reviewer, to_assign, conflicts, settings)
        if reason is not None or expert.id in current:
            why = reason or ("该评审已在评此作品", "already reviews this entry")
            raise AssignmentError(
                f"不能将作品改派给评审 {expert.id}：{why[0]}", f"cannot give it to {expert.id}: {why[1]}"
            )
        return sorted([*current, expert.id])
    except AssignmentError as exc:
        raise ServiceError(422, exc.zh, exc.en) from exc
