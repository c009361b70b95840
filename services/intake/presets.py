"""Campaign presets: ``campaigns/*.yaml``, one per seed notice, loaded into a :class:`Campaign`."""

import re
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from contracts.campaign import Campaign, notification_problems, unknown_fields, unpublishable_fields

PRESET_DIR: Path = Path(__file__).resolve().parents[2] / "campaigns"

_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")

# pydantic error type -> what is wrong, in Chinese (the English is pydantic's own message)
_ZH: dict[str, str] = {
    "missing": "缺少必填项",
    "extra_forbidden": "不允许的字段",
    "string_pattern_mismatch": "格式不符",
    "literal_error": "取值不在允许范围内",
    "enum": "取值不在允许范围内",
    "greater_than": "数值过小",
    "greater_than_equal": "数值过小",
    "less_than": "数值过大",
    "less_than_equal": "数值过大",
    "value_error": "取值无效",
}


def yaml_path(loc: tuple[int | str, ...]) -> str:
    out = ""
    for part in loc:
        out += f"[{part}]" if isinstance(part, int) else (f".{part}" if out else str(part))
    return out or "(campaign)"


def zh_of_error(error_type: str) -> str:
    if error_type.startswith("date"):
        return "日期格式不对"
    if error_type.endswith(("_type", "_parsing")):
        return "类型不对"
    return _ZH.get(error_type, "取值无效")


class InvalidCampaign(ValueError):
    """A campaign spec that does not validate; ``problems`` says which field and what is wrong."""

    def __init__(self, problems: list[str], source: str = "campaign") -> None:
        self.problems = problems
        self.source = source
        super().__init__(f"{source} 无效 / invalid: " + "; ".join(problems))

    @classmethod
    def from_validation_error(cls, err: ValidationError, source: str = "campaign") -> "InvalidCampaign":
        problems = [f"{yaml_path(e['loc'])}: {zh_of_error(e['type'])} / {e['msg']}" for e in err.errors()]
        return cls(problems, source)


class UnknownPreset(LookupError):
    """No preset with this id; ``available`` lists the ids there are."""

    def __init__(self, campaign_id: str, available: list[str]) -> None:
        self.campaign_id = campaign_id
        self.available = available
        super().__init__(f"没有预设 / no preset {campaign_id!r}; 可用 / available: {', '.join(available)}")


def list_presets() -> list[str]:
    """The ids of the shipped presets (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def load_campaign_yaml(text: str, source: str = "campaign") -> Campaign:
    """Parse and validate one campaign spec; raises :class:`InvalidCampaign`."""
    try:
        data: Any = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise InvalidCampaign([f"(yaml): YAML 语法错误 / YAML syntax error: {exc}"], source) from exc
    if not isinstance(data, dict):
        raise InvalidCampaign(["(campaign): 顶层须为映射 / the top level must be a mapping"], source)
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        # A typo at the top ("titel") is named beside the "title missing" it causes; unknown
        # fields deeper in are named once the rest validates.
        invalid = InvalidCampaign.from_validation_error(exc, source)
        top = [f"{key}: 未知字段 / unknown field" for key in data if key not in Campaign.model_fields]
        raise InvalidCampaign([*invalid.problems, *top], source) from exc
    if unknown := unknown_fields(campaign):
        raise InvalidCampaign([f"{p}: 未知字段 / unknown field" for p in unknown], source)
    if unpublishable := [*unpublishable_fields(campaign), *notification_problems(campaign)]:
        raise InvalidCampaign(unpublishable, source)
    return campaign


def load_preset(campaign_id: str) -> Campaign:
    """Load ``campaigns/<campaign_id>.yaml``; raises :class:`UnknownPreset` or :class:`InvalidCampaign`."""
    available = list_presets()
    if not _ID.match(campaign_id) or campaign_id not in available:
        raise UnknownPreset(campaign_id, available)
    source = f"campaigns/{campaign_id}.yaml"
    campaign = load_campaign_yaml((PRESET_DIR / f"{campaign_id}.yaml").read_text(encoding="utf-8"), source)
    if campaign.id != campaign_id:
        raise InvalidCampaign([f"id: 与文件名不符 / does not match the file name ({campaign.id!r})"], source)
    return campaign
