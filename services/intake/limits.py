"""Per-person limits and per-unit quotas, as the notices state them (pure).

- Per person (Yanbian: 每人限报1件作品). A person is the entrant's account, and also the form's
  name + phone: a unit admin registering for a teacher, or a second account of the same teacher,
  counts against the same place.
- Per unit: a cap on the entries each unit of a level may send (Shanxi: 市级50件, 县级20件 per
  series), enforced when a unit admin approves (推荐) an entry: the approval is the sending. It
  counts every approved entry of the series in the unit's subtree. Hunan's county table
  (每类资源不少于) is a minimum per section: shown against the counts, never a refusal.
"""

from dataclasses import dataclass
from typing import Any, Literal

from contracts.campaign import Campaign, FieldKind, Series

NAME_KEYS = ("name", "author_name", "speaker_name", "contact_name")


def person_keys(campaign: Campaign, form: dict[str, Any], account: str | None) -> list[str]:
    """The identities an entry counts against for the per-person limit."""
    keys = [f"account:{account}"] if account else []
    name = next((str(form[k]).strip() for k in NAME_KEYS if form.get(k)), "")
    phone_key = next((f.key for f in campaign.form if f.kind == FieldKind.PHONE), None)
    phone = str(form.get(phone_key) or "").strip() if phone_key else ""
    if name and phone:
        keys.append(f"person:{name}|{phone}")
    return keys


@dataclass(frozen=True)
class Quota:
    unit_code: str
    unit_name: str
    level: str
    limit: int
    kind: Literal["max", "min_per_category"]
    series: str | None = None
    counts: Literal["entries", "questions"] = "entries"  # 强国问答: 各市委宣传部征集1000题

    def weight(self, submission: dict[str, Any]) -> int:
        """What one entry uses of this quota: 1, or its quiz set's questions (counted by the
        validator; an entry checked before they were counted uses none)."""
        return int(submission.get("questions") or 0) if self.counts == "questions" else 1


def quotas_for(campaign: Campaign, series: Series | None, units: list[dict[str, Any]]) -> list[Quota]:
    """The quotas that apply to an entry whose unit path is ``units`` (root first)."""
    out: list[Quota] = []
    caps = series.quotas if series else {}
    minimums: dict[str, int] = {}
    for level in campaign.review_levels:
        minimums.update(level.outcome.unit_quotas)
    for unit in units:
        code, name, level = unit["_id"], unit["name"], unit.get("level", "")
        if level in caps:
            key = series.key if series else None
            counts = series.quota_unit if series else "entries"
            out.append(Quota(code, name, level, caps[level], "max", key, counts))
        for key in (code, name):
            if key in minimums:
                out.append(Quota(code, name, level, minimums[key], "min_per_category"))
                break
    return out


def quota_refusal(quota: Quota, used: int, adding: int = 1) -> tuple[str, str] | None:
    """The message when approving an entry that uses ``adding`` would pass a cap; None when it fits."""
    if quota.kind != "max" or used + adding <= quota.limit:
        return None
    if quota.counts == "questions":
        return (
            f"超出推荐名额：{quota.unit_name}本系列最多推荐{quota.limit}题（已推荐{used}题，本套{adding}题）",
            f"quota: {quota.unit_name} may send {quota.limit} questions ({used} sent, this set {adding})",
        )
    return (
        f"已达推荐名额：{quota.unit_name}本系列最多推荐{quota.limit}件（已推荐{used}件）",
        f"quota reached: {quota.unit_name} may send at most {quota.limit} entries here ({used} sent)",
    )
