"""What each collection series states for one review level (Shanxi's ten): its quota, whether that
quota counts quiz questions or entries, and its own award tiers (pure).

Entries name their series by key or by name, so every table is keyed by both."""

from dataclasses import dataclass, field

from contracts.campaign import AwardTier, Campaign, ReviewLevel


@dataclass(frozen=True)
class SeriesRules:
    quotas: dict[str, int] = field(default_factory=dict)  # entries (or questions) each pool sends up
    tiers: dict[str, list[AwardTier]] = field(default_factory=dict)  # in place of the level's tiers
    by_questions: frozenset[str] = frozenset()  # series whose quotas count questions (强国问答 1000题)


def series_rules(campaign: Campaign, level: ReviewLevel) -> SeriesRules:
    quotas: dict[str, int] = {}
    tiers: dict[str, list[AwardTier]] = {}
    by_questions: set[str] = set()
    for s in campaign.series:
        names = (s.key, s.name)
        if level.key in s.quotas:
            quotas |= dict.fromkeys(names, s.quotas[level.key])
        if level.key in s.tiers:
            tiers |= dict.fromkeys(names, s.tiers[level.key])
        if s.quota_unit == "questions":
            by_questions.update(names)
    return SeriesRules(quotas, tiers, frozenset(by_questions))
