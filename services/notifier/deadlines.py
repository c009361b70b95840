"""Which unit admins to remind that entries still wait for their approval, and when. Pure.

An entry that passed its checks waits for 推荐单位审核 by any admin of a unit on its path
(intake's ``auth.can_approve``). The campaign's upload deadline is the units' deadline too: what
is not recommended by then does not reach the expert rounds. A unit whose subtree has a later
deadline (``live.unit_extensions``, a county whose network failed) is reminded against that one
(``contracts.calendar.window_for``, as intake refuses uploads). From ``reminder_days`` before a
deadline until the deadline itself, every unit with entries still waiting is reminded once for
that deadline: the day is part of the reminder's identity, so a moved deadline is a new reminder
and a sweep run twice is not."""

from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta

from contracts.calendar import window_for
from contracts.campaign import Campaign


@dataclass(frozen=True)
class Waiting:
    """An entry waiting for approval: its unit's path from the root down, codes and names."""

    unit_path: Sequence[str]
    unit_path_names: Sequence[str]


@dataclass(frozen=True)
class Reminder:
    campaign_id: str
    unit: str  # the unit whose admins are told
    unit_name: str
    deadline: date
    waiting: int  # entries of its subtree still waiting for approval

    @property
    def key(self) -> str:
        """The same for every sweep that finds this unit due for this deadline."""
        return f"approval_due:{self.campaign_id}:{self.unit}:{self.deadline.isoformat()}"


def reminders(
    campaign: Campaign, waiting: Iterable[Waiting], today: date, days_before: int
) -> list[Reminder]:
    """One reminder per unit on the path of a waiting entry whose deadline is near (``today``
    within ``days_before`` of it, the deadline day included), counting its subtree's entries."""
    counts: Counter[tuple[str, date]] = Counter()
    names: dict[str, str] = {}
    for entry in waiting:
        window = window_for(campaign, entry.unit_path)
        deadline = window.ends if window else None
        if deadline is None or not deadline - timedelta(days=days_before) <= today <= deadline:
            continue
        for i, unit in enumerate(entry.unit_path):
            counts[(unit, deadline)] += 1
            named = entry.unit_path_names[i] if i < len(entry.unit_path_names) else ""
            names[unit] = names.get(unit) or named or unit
    return [
        Reminder(campaign.id, unit, names[unit], deadline, n)
        for (unit, deadline), n in sorted(counts.items())
    ]
