"""Who may review what at a level: stored experts and entries as the assignment model sees them (pure).

Conflicts (``assignment.conflict_reason``): never the entrant's own school, except in a school's
own round (Liaoning's 学院集中评审: the college's own staff review its lessons); not its own county
when the campaign says so (``review_settings.exclude_same_county``, applied at levels above the
county: a county's own panel reviews its own county's entries); declared conflicts (unit codes or
submission ids, from the import file or declared later by the reviewer).

Panels: an expert with a ``scope`` reviews only entries of that unit at this level (a county's own
panel at the county level), and one with ``groups`` only those groups. Both are expressed as
assignment pools named ``<level unit>|<group>|<pool key>``, so the solver keeps them apart."""

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

from contracts.campaign import Campaign, ReviewLevel
from services.review.assignment import AssignmentSettings, DeclaredConflicts, EntryToReview, Reviewer
from services.review.pooling import DEPTH, Placement, county_of, level_unit, pool_key


def placement(doc: Mapping[str, Any]) -> Placement:
    """An entry document of the review store, as pooling sees it."""
    entry, attribution = doc["entry"], doc["attribution"]
    return Placement(
        submission_id=doc["_id"],
        unit_path=tuple(attribution.get("unit_path") or ()),
        unit_code=attribution["unit_code"],
        group=entry.get("group"),
        category=entry.get("category"),
        subcolumn=entry.get("subcolumn"),
        series=entry.get("series"),
        unit_levels=tuple(attribution.get("unit_path_levels") or ()),
    )


def excludes_county(campaign: Campaign, level: ReviewLevel) -> bool:
    """The same-county rule applies above the county level only."""
    return campaign.review_settings.exclude_same_county and DEPTH.get(level.unit_level, -1) < DEPTH["county"]


def assignment_settings(campaign: Campaign, level: ReviewLevel) -> AssignmentSettings:
    return AssignmentSettings(
        reviews_per_entry=level.reviewers_per_entry,
        exclude_same_unit=level.unit_level != "school",
        exclude_same_county=excludes_county(campaign, level),
    )


def panel_of(level: ReviewLevel, entry: Placement) -> str:
    return f"{level_unit(level, entry)}|{entry.group or '-'}|{pool_key(level, entry)}"


def to_review(level: ReviewLevel, entry: Placement) -> EntryToReview:
    return EntryToReview(
        submission_id=entry.submission_id,
        unit_code=entry.unit_code,
        county_code=county_of(entry),
        specialty=entry.category or "",
        pool=panel_of(level, entry),
    )


def to_reviewer(expert: Mapping[str, Any], panels: Iterable[str]) -> Reviewer:
    """``panels``: every assignment pool of the round; the expert's scope and groups narrow them."""
    scope, groups = expert.get("scope") or "", set(expert.get("groups") or ())
    narrowed: frozenset[str] = frozenset()
    if scope or groups:
        narrowed = frozenset(
            p
            for p in panels
            if (not scope or p.split("|", 2)[0] == scope) and (not groups or p.split("|", 2)[1] in groups)
        )
        if not narrowed:
            narrowed = frozenset({"∅"})  # in scope of nothing here: eligible for no pool at all
    return Reviewer(
        reviewer_id=expert["_id"],
        unit_code=expert["unit_code"],
        county_code=expert.get("county_code") or "",
        specialties=frozenset(expert.get("specialties") or ()),
        pools=narrowed,
    )


def declared(experts: Sequence[Mapping[str, Any]]) -> DeclaredConflicts:
    """Declared conflicts: each token may be a unit code or a submission id; both readings are kept."""
    pairs = {
        (e["_id"], c) for e in experts for c in [*(e.get("conflicts") or ()), *(e.get("declared") or ())]
    }
    return DeclaredConflicts(submissions=frozenset(pairs), units=frozenset(pairs))
