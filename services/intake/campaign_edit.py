"""What saving the builder's edit of an existing campaign would change, and by which road (pure).

A campaign that has not opened and has no entries is replaced whole (``PUT /api/campaigns/{id}``).
Once it runs, only what a live change may change goes through, as one ``CampaignChange`` with its
audit (``change_api.py``): the upload window, review windows and award settings, ``showcase_from``,
a target's address and publication date. Any other difference is refused with its path, before
anything is saved: the admin sees the whole diff and why, never half of an edit. A live road is
checked as the live-change route checks it (``live_changes.changed``, then ``conflicts`` with what
is decided), so a plan never offers a change the route would refuse."""

import re
from dataclasses import dataclass, field
from typing import Any, Literal

from contracts.campaign import Campaign
from services.common.errors import ServiceError
from services.intake.live_changes import CampaignChange, Decided, changed, conflicts

Road = Literal["unchanged", "replace", "live", "refused"]
_LIVE = (
    re.compile(r"^upload_window(\.|$)"),
    re.compile(r"^showcase_from$"),
    re.compile(r"^review_levels\[\d+\]\.(window|outcome)(\.|\[|$)"),
    re.compile(r"^publication_targets\[\d+\]\.(url|publish_at)$"),
)
# A live change moves a date or an address; it cannot take one away.
_REMOVAL = re.compile(
    r"^(upload_window|showcase_from|review_levels\[\d+\]\.window|publication_targets\[\d+\]\.\w+)$"
)


@dataclass
class EditPlan:
    road: Road
    diff: list[dict[str, Any]] = field(default_factory=list)  # path, before, after
    change: dict[str, Any] | None = None  # the live change's body, without its reason
    refused: list[dict[str, str]] = field(default_factory=list)  # path, message_zh, message_en


def differences(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """Leaf by leaf; a list whose length changed is one difference at its path."""
    if isinstance(before, dict) and isinstance(after, dict):
        found: list[dict[str, Any]] = []
        for key in [*before, *(k for k in after if k not in before)]:
            found += differences(before.get(key), after.get(key), f"{path}.{key}" if path else key)
        return found
    if isinstance(before, list) and isinstance(after, list) and len(before) == len(after):
        return [
            d
            for i, (b, a) in enumerate(zip(before, after, strict=True))
            for d in differences(b, a, f"{path}[{i}]")
        ]
    return [] if before == after else [{"path": path, "before": before, "after": after}]


def plan_edit(current: Campaign, edited: Campaign, running: bool, decided: Decided) -> EditPlan:
    """``running``: the campaign has opened for uploads or has entries (its definition is fixed);
    ``decided``: its finalised levels and sent publications, which no live change may contradict."""
    old, new = _comparable(current), _comparable(edited)
    diff = differences(old, new)
    if not diff:
        return EditPlan("unchanged")
    if not running:
        return EditPlan("replace", diff)
    refused = [_refusal(d["path"]) for d in diff if not _live(d)]
    refused = refused or [r for d in diff for r in _contradicted(current, edited, d, decided)]
    if refused:
        return EditPlan("refused", diff, refused=refused)
    change = _change(current, edited, diff)
    changed(current, _as_live_change(change))  # the whole change, as the route will make it
    return EditPlan("live", diff, change=change)


def _comparable(campaign: Campaign) -> dict[str, Any]:
    spec = campaign.model_dump(mode="json")
    spec.pop("live")  # the version and extensions are the live changes' own, never the builder's
    return spec


def _live(difference: dict[str, Any]) -> bool:
    path = difference["path"]
    if difference["after"] is None and _REMOVAL.match(path):
        return False
    return any(p.match(path) for p in _LIVE)


def _refusal(path: str) -> dict[str, str]:
    return {
        "path": path,
        "message_zh": "活动已开放或已有作品，此项不能再改"
        "（只能改上传和评审时间、评奖设置、展示与发布日期、平台地址）",
        "message_en": "the campaign runs: only windows, award settings, showcase and publication dates, "
        "and target addresses can change",
    }


def _contradicted(
    current: Campaign, edited: Campaign, difference: dict[str, Any], decided: Decided
) -> list[dict[str, str]]:
    """Why the live-change route would refuse the part of the change this difference makes: so
    the refusal is shown at its path."""
    path = difference["path"]
    try:
        after, _ = changed(current, _as_live_change(_change(current, edited, [difference])))
    except ServiceError as exc:
        return [{"path": path, "message_zh": exc.zh, "message_en": exc.en}]
    return [
        {"path": path, "message_zh": zh, "message_en": en} for zh, en in conflicts(current, after, decided)
    ]


def _as_live_change(change: dict[str, Any]) -> CampaignChange:
    return CampaignChange.model_validate({"reason": "预检 check", **change})  # what the route accepts


def _change(current: Campaign, edited: Campaign, diff: list[dict[str, Any]]) -> dict[str, Any]:
    paths = [d["path"] for d in diff]
    change: dict[str, Any] = {}
    if any(p.startswith("upload_window") for p in paths) and edited.upload_window is not None:
        change["upload_window"] = edited.upload_window.model_dump(mode="json", include={"starts", "ends"})
    if "showcase_from" in paths and edited.showcase_from is not None:
        change["showcase_from"] = edited.showcase_from.isoformat()
    for i, level in enumerate(edited.review_levels):
        if any(p.startswith(f"review_levels[{i}].window") for p in paths) and level.window is not None:
            change.setdefault("review_windows", {})[level.key] = level.window.model_dump(mode="json")
        if any(p.startswith(f"review_levels[{i}].outcome") for p in paths):
            change.setdefault("outcomes", {})[level.key] = level.outcome.model_dump(mode="json")
    for i, target in enumerate(edited.publication_targets):
        moved = {p.rsplit(".", 1)[1] for p in paths if p.startswith(f"publication_targets[{i}].")}
        if moved:
            said = target.model_dump(mode="json", include=moved)
            change.setdefault("targets", {})[target.key] = said
    return change
