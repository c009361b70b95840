"""Every problem of a campaign definition, each with its path: what ``zhengji campaign lint`` prints
and what the builder page shows beside the field as the admin types (docs/decisions/0035).

Errors are what intake would refuse: the one check every save runs (``presets.campaign_problems``),
with pydantic's locations as YAML paths (``review_levels[1].outcome.award_cap``), Chinese first.
Warnings are settings the model accepts that are probably not what the notice meant (a 公示 of
0 days, an upload window already closed in the campaign's calendar); they never block a save."""

from dataclasses import asdict, dataclass, field
from datetime import date
from typing import Any

from contracts.calendar import campaign_today
from contracts.campaign import Campaign
from contracts.naming import placeholders
from services.intake.presets import (
    MAX_YAML_DEPTH,
    Problem,
    UnreadableYaml,
    campaign_problems,
    nests_too_deep,
    read_campaign_yaml,
)

__all__ = ["Lint", "Problem", "lint_definition", "lint_yaml", "warnings"]


@dataclass
class Lint:
    """What a definition's check found; ``readable`` is False when it is not YAML or not a mapping."""

    problems: list[Problem] = field(default_factory=list)
    campaign: Campaign | None = None
    readable: bool = True
    data: Any = None  # what was checked, as read from the YAML: no caller parses it twice

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    def as_json(self) -> list[dict[str, str]]:
        return [asdict(p) for p in self.problems]


def lint_yaml(text: str, today: date | None = None) -> Lint:
    try:
        data = read_campaign_yaml(text)
    except UnreadableYaml as exc:
        return Lint([exc.problem], readable=False)
    if not isinstance(data, dict):
        return Lint(campaign_problems(data)[1], readable=False, data=data)
    return lint_definition(data, today)


def lint_definition(data: dict[str, Any], today: date | None = None) -> Lint:
    """The errors intake would refuse ``data`` for (``presets.campaign_problems``, the check every
    save runs), else the warnings of the valid campaign."""
    if nests_too_deep(data):  # a form's definition: YAML's bound, before anything recurses into it
        said = f"定义嵌套超过 {MAX_YAML_DEPTH} 层", f"the definition nests over {MAX_YAML_DEPTH} deep"
        return Lint([Problem("(campaign)", *said)], readable=False)
    campaign, problems = campaign_problems(data)
    if campaign is None:
        return Lint(problems, data=data)
    return Lint(warnings(campaign, today), campaign, data=data)


def _warn(path: str, zh: str, en: str) -> Problem:
    return Problem(path, zh, en, "warning")


def warnings(campaign: Campaign, today: date | None = None) -> list[Problem]:
    """Valid but suspicious settings, in the order of the definition."""
    today = today or campaign_today(campaign)
    found: list[Problem] = []
    window = campaign.upload_window
    if window is not None and window.ends is not None and window.ends < today:
        found.append(
            _warn(
                "upload_window.ends",
                f"上传截止日 {window.ends} 已过（按{campaign.time_zone}今天是 {today}），无人能再上传",
                "the upload window has already closed in the campaign's calendar",
            )
        )
    fields = {f.key for f in campaign.form}
    if campaign.naming_rule is not None:
        for name in placeholders(campaign.naming_rule):
            if name not in fields:
                found.append(
                    _warn(
                        "naming_rule",
                        f"命名规则中的 {{{name}}} 不是报名表字段，文件名中将为空",
                        f"{{{name}}} is not a form field; it would be empty",
                    )
                )
    if not campaign.materials and not campaign.series:
        found.append(_warn("materials", "没有任何材料，参赛者无作品可交", "no materials: nothing to upload"))
    if campaign.per_person_limit is not None and campaign.per_person_limit < 1:
        found.append(_warn("per_person_limit", "每人限报 0 件，无人能报名", "a limit of 0 lets nobody enter"))
    found += _level_warnings(campaign)
    for i, target in enumerate(campaign.publication_targets):
        if not target.url:
            found.append(
                _warn(
                    f"publication_targets[{i}].url",
                    f"发布平台“{target.name}”尚无地址，作品不会发出",
                    "the target has no address yet",
                )
            )
    return found


def _level_warnings(campaign: Campaign) -> list[Problem]:
    found: list[Problem] = []
    closes = campaign.upload_window.ends if campaign.upload_window else None
    for i, level in enumerate(campaign.review_levels):
        at = f"review_levels[{i}]"
        if level.public_notice_days == 0:
            found.append(
                _warn(
                    f"{at}.public_notice_days",
                    f"{level.name}的公示期为 0 天，结果将不经公示直接定稿",
                    "a 公示 of 0 days: results freeze with no public notice",
                )
            )
        if level.window and closes and level.window.starts < closes:
            found.append(
                _warn(
                    f"{at}.window.starts",
                    f"{level.name}在上传截止（{closes}）之前开始评审，晚交的作品会错过",
                    "review opens before uploads close",
                )
            )
        if level.reviewers_per_entry == 1:
            found.append(
                _warn(
                    f"{at}.reviewers_per_entry",
                    f"{level.name}每件作品只有 1 位专家评分，无从发现离群分",
                    "one reviewer per entry: no outlier can be seen",
                )
            )
        tiers = level.outcome.tiers
        if any(t.ratio for t in tiers) and level.outcome.award_cap is None:
            found.append(
                _warn(
                    f"{at}.outcome.award_cap",
                    f"{level.name}按比例评奖却未设获奖比例上限，所有作品都会获奖",
                    "ratio tiers with no award_cap: every entry is awarded",
                )
            )
    return found
