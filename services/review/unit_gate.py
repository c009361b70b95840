"""Which entries a level's round takes, and which lower rounds keep it closed (pure).

A round is one unit's (each county its own county round, each city its own city round) or, as
before decision 0031, the whole campaign's. It takes the ready entries of its unit's subtree (all,
campaign-wide) to which its level applies and which every lower level that applies to them sent
up. An entry whose unit path skips a lower level's kind of unit (a 省直 or 市直 unit) enters
without it. The round opens only when every lower round its entries wait for is final: an entry
with no result at a lower level whose round for its unit is not final (or not open) keeps it
closed, and the refusal names those rounds; one that came after its lower round was final missed
that round and goes no further. ``unit_progress`` lists a level's rounds unit by unit."""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from contracts.campaign import Campaign, ReviewLevel
from services.common.errors import ServiceError
from services.review.eligibility import placement
from services.review.paging import Page
from services.review.pooling import Placement, PoolError, level_unit, takes_part
from services.review.round_store import FINAL, NOTICE, ReviewEntry, Round
from services.review.unit_levels import subtree_path

STATE_ZH = {None: "未开启", "open": "评审中", NOTICE: "公示中"}


@dataclass(frozen=True)
class Waiting:
    """A lower round some entry still waits for."""

    level: ReviewLevel
    unit: str
    unit_name: str
    state: str | None  # None: not opened yet

    def view(self) -> dict[str, str | None]:
        return {"level": self.level.key, "unit": self.unit, "unit_name": self.unit_name, "state": self.state}


@dataclass(frozen=True)
class Selection:
    entries: list[ReviewEntry]  # what the round takes, in their ready order
    waiting: list[Waiting]  # lower rounds not final yet (the round cannot open while any is)


class RoundStates:
    """The state of each level's rounds: a campaign-wide round answers for every unit."""

    def __init__(self, rounds: Iterable[Round]) -> None:
        self._states = {(r.level, r.unit): r.state for r in rounds}

    def of(self, level: str, unit: str | None) -> str | None:
        return self._states.get((level, None)) or self._states.get((level, unit))


def unit_at(level: ReviewLevel, entry: Placement) -> str | None:
    """The entry's unit at the level, or None when its path cannot say."""
    try:
        return level_unit(level, entry)
    except PoolError:
        return None


def name_of(entry: ReviewEntry, unit: str) -> str:
    codes, names = entry.attribution.unit_path, entry.attribution.unit_path_names
    return names[codes.index(unit)] if unit in codes and len(names) == len(codes) else unit


def select(
    campaign: Campaign, index: int, unit: str | None, entries: Sequence[ReviewEntry], states: RoundStates
) -> Selection:
    """What the round of ``campaign.review_levels[index]`` for ``unit`` (None: the campaign's) takes."""
    level, lower = campaign.review_levels[index], campaign.review_levels[:index]
    taken: list[ReviewEntry] = []
    waiting: dict[tuple[str, str], Waiting] = {}
    for e in entries:
        p = placement(e.document())
        if not takes_part(level, p) or (unit is not None and unit_at(level, p) != unit):
            continue
        results = e.document().get("levels") or {}
        verdict = standing(lower, p, results, states)
        if isinstance(verdict, tuple):
            lv, u = verdict
            waiting.setdefault((lv.key, u), Waiting(lv, u, name_of(e, u), states.of(lv.key, u)))
        elif verdict:
            taken.append(e)
    return Selection(taken, list(waiting.values()))


def standing(
    lower: Sequence[ReviewLevel], entry: Placement, results: dict[str, dict[str, str]], states: RoundStates
) -> bool | tuple[ReviewLevel, str]:
    """True: sent up by every lower level that applies to it; False: stopped (not recommended, or
    came after its round was final); (level, unit): waiting for that lower round."""
    for lv in lower:
        if not takes_part(lv, entry):
            continue  # 省直: its path has no unit of this kind
        result = results.get(lv.key)
        if result is not None:
            if result.get("outcome") != "recommended":
                return False
            continue
        u = unit_at(lv, entry) or ""
        if states.of(lv.key, u) == FINAL:
            return False
        return lv, u
    return True


def refuse_waiting(level: ReviewLevel, waiting: list[Waiting]) -> None:
    if not waiting:
        return
    zh = "、".join(
        f"{w.unit_name or w.unit}{w.level.name}（{STATE_ZH.get(w.state, w.state)}）" for w in waiting
    )
    en = ", ".join(f"{w.level.key} of {w.unit} ({w.state or 'not open'})" for w in waiting)
    raise ServiceError(
        409,
        f"以下下级评审尚未定稿，不能开启{level.name}：{zh}",
        f"these lower rounds are not final yet: {en}",
        waiting=[w.view() for w in waiting],
    )


def refuse_empty(level: ReviewLevel, unit: str | None) -> None:
    where = f"单位 {unit} " if unit else ""
    raise ServiceError(
        422,
        f"{where}在{level.name}没有可评审的作品",
        f"no entries for the {level.key} round" + (f" of {unit}" if unit else ""),
    )


def unit_progress(
    campaign: Campaign,
    index: int,
    entries: Sequence[ReviewEntry],
    rounds: Sequence[Round],
    states: RoundStates,
    scope: str | None,
    page: Page,
) -> tuple[list[dict[str, Any]], int]:
    """A page of the level's units with entries or a round, by code, and how many there are: each
    unit's round and state, or, before it opens, the entries ready for it and the lower rounds it
    waits for; ``scope``: a unit admin's unit, whose subtree alone is shown. A campaign-wide round
    is the level's one row."""
    whole = next((r for r in rounds if r.unit is None), None)
    if whole is not None:
        rows = [] if scope else [row(whole, "全部单位", len(whole.pools), [])]
        return page.of(rows), len(rows)
    level = campaign.review_levels[index]
    by_unit: dict[str, list[ReviewEntry]] = defaultdict(list)
    for e in entries:
        found = unit_at(level, placement(e.document()))
        if found is not None and (scope is None or scope in subtree_path(e.attribution.unit_path, found)):
            by_unit[found].append(e)
    opened = {r.unit: r for r in rounds if r.unit and (scope is None or scope in r.unit_path)}
    units = sorted(set(by_unit) | set(opened))
    rows = []
    for unit in page.of(units):  # only the page's units are judged
        if (rnd := opened.get(unit)) is not None:
            rows.append(row(rnd, rnd.unit_name, len(rnd.pools), []))
        else:
            chosen = select(campaign, index, unit, by_unit[unit], states)
            name = name_of(by_unit[unit][0], unit)
            rows.append({**row(None, name, len(chosen.entries), chosen.waiting), "unit": unit})
    return rows, len(units)


def row(rnd: Round | None, name: str, entries: int, waiting: list[Waiting]) -> dict[str, Any]:
    return {
        "unit": rnd.unit if rnd else None,
        "unit_name": name,
        "round_id": rnd.id if rnd else None,
        "state": rnd.state if rnd else None,
        "entries": entries,
        "waiting": [w.view() for w in waiting],
    }
