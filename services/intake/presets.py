"""Campaign definitions: the one check of what intake refuses, and the presets ``campaigns/*.yaml``.

``campaign_problems`` is what every road of a definition goes through: loading a preset or a
posted YAML (``load_campaign_yaml``), ``zhengji campaign lint`` and the builder's check
(``campaign_lint.py``). Pydantic's locations become YAML paths, Chinese first.

A definition posted to intake is hostile, so every campaign YAML is read by ``read_campaign_yaml``
alone: a few hundred bytes of aliases can expand to millions of nodes for the checks to walk, and
deep nesting exhausts Python's stack. Its loader counts nodes with aliases expanded and the depth
they reach, and refuses beyond the bounds, an alias to a node that contains it, and a stack
overflow alike as unreadable YAML, the "(yaml)" problem."""

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from pydantic import ValidationError
from pydantic_core import ErrorDetails

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
}
# A whole-campaign rule that names where it applies at the start of its message.
_LEADING_PATH = re.compile(r"^([a-z_]+(?:\[\d+\])?(?:\.[a-z_]+(?:\[\d+\])?)*)")
_BOUNDS = {"gt": ">", "ge": "≥", "lt": "<", "le": "≤"}
Severity = Literal["error", "warning"]


@dataclass(frozen=True)
class Problem:
    path: str
    message_zh: str
    message_en: str
    severity: Severity = "error"

    def line(self) -> str:
        mark = "警告 warning" if self.severity == "warning" else "错误 error"
        return f"{self.path}: [{mark}] {self.message_zh} / {self.message_en}"

    def text(self) -> str:
        return f"{self.path}: {self.message_zh} / {self.message_en}"


# A definition's request body (YAML or its form as JSON), read with a cap before it is parsed;
# the largest preset (Shanxi's ten series) is about 20 KB.
MAX_DEFINITION_BYTES = 256 * 1024
MAX_YAML_NODES = 50_000  # with aliases expanded; the largest preset (Shanxi's) has about 1,000
MAX_YAML_DEPTH = 64  # collections within collections; a preset nests at most 7 deep
try:  # libyaml scans about ten times faster than PyYAML's own scanner; composing stays ours
    from yaml._yaml import CParser as _Parser
except ImportError:  # pragma: no cover - a PyYAML built without libyaml

    class _Parser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):  # type: ignore[no-redef]
        def __init__(self, text: str) -> None:
            yaml.reader.Reader.__init__(self, text)
            yaml.scanner.Scanner.__init__(self)
            yaml.parser.Parser.__init__(self)


class UnreadableYaml(ValueError):
    """The text is not a YAML document intake will read; ``problem`` is the "(yaml)" problem."""

    def __init__(self, problem: Problem) -> None:
        self.problem = problem
        super().__init__(problem.text())


class _OverBound(yaml.YAMLError):
    def __init__(self, zh: str, en: str, event: yaml.Event) -> None:
        line = event.start_mark.line + 1 if event.start_mark else 0
        self.zh, self.en = f"{zh}（第 {line} 行）", f"{en} (line {line})"
        super().__init__(f"{self.zh} / {self.en}")


class _BoundedLoader(
    yaml.composer.Composer, _Parser, yaml.constructor.SafeConstructor, yaml.resolver.Resolver
):
    """``yaml.SafeLoader``'s composer and constructor, bounded as the nodes are composed: an alias
    counts as the whole node it names, so the bounds hold for the data the checks will walk."""

    def __init__(self, text: str) -> None:
        _Parser.__init__(self, text)
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        yaml.resolver.Resolver.__init__(self)
        self.nodes = 0
        self.depth = 0
        self.deepest = 0
        self.composing: set[str] = set()  # anchors of the nodes being composed
        self.size_and_height: dict[str, tuple[int, int]] = {}  # anchor -> of its node, expanded

    def compose_node(self, parent: yaml.Node | None, index: int) -> yaml.Node | None:
        event = self.peek_event()
        if not isinstance(event, yaml.NodeEvent):  # the composer asks only when a node comes next
            return super().compose_node(parent, index)
        if isinstance(event, yaml.AliasEvent):
            if event.anchor in self.composing:
                raise _OverBound(
                    "YAML 别名引用了包含它自身的节点", "an alias names a node that contains it", event
                )
            size, height = self.size_and_height.get(str(event.anchor), (0, 0))
            self._reach(self.depth + height, event)
            self._count(size, event)
            return super().compose_node(parent, index)
        collection = isinstance(event, yaml.CollectionStartEvent)
        self._reach(self.depth + collection, event)
        self._count(1, event)
        anchor, nodes_before, outer = event.anchor, self.nodes - 1, self.deepest
        if anchor is not None:
            self.composing.add(anchor)
        self.depth += collection
        self.deepest = self.depth
        node = super().compose_node(parent, index)
        self.depth -= collection
        if anchor is not None:
            self.composing.discard(anchor)
            self.size_and_height[anchor] = (self.nodes - nodes_before, self.deepest - self.depth)
        self.deepest = max(outer, self.deepest)
        return node

    def _reach(self, depth: int, event: yaml.Event) -> None:
        if depth > MAX_YAML_DEPTH:
            raise _OverBound(
                f"YAML 嵌套超过 {MAX_YAML_DEPTH} 层", f"YAML nests over {MAX_YAML_DEPTH} deep", event
            )
        self.deepest = max(self.deepest, depth)

    def _count(self, nodes: int, event: yaml.Event) -> None:
        self.nodes += nodes
        if self.nodes > MAX_YAML_NODES:
            raise _OverBound(
                f"YAML 展开别名后超过 {MAX_YAML_NODES} 个节点",
                f"YAML has over {MAX_YAML_NODES} nodes with its aliases expanded",
                event,
            )


def read_campaign_yaml(text: str) -> Any:
    """The data of one YAML document, read within the bounds; raises :class:`UnreadableYaml`."""
    loader = _BoundedLoader(text)
    try:
        return loader.get_single_data()
    except _OverBound as exc:
        raise UnreadableYaml(Problem("(yaml)", exc.zh, exc.en)) from exc
    except (yaml.YAMLError, ValueError) as exc:  # ValueError: a date YAML cannot build (2025-13-45)
        raise UnreadableYaml(Problem("(yaml)", "YAML 语法错误", f"YAML syntax error: {exc}")) from exc
    except RecursionError as exc:  # within the bounds, so never expected; still not a 500
        raise UnreadableYaml(Problem("(yaml)", "YAML 嵌套过深", "YAML nests too deeply")) from exc
    finally:
        loader.dispose()


def nests_too_deep(data: Any) -> bool:
    """Whether collections nest in ``data`` (a form's definition, as JSON gives it) deeper than
    a YAML may: walked without recursion, as it may be deeper than the stack."""
    stack = [(data, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict | list):
            if depth > MAX_YAML_DEPTH:
                return True
            stack += [(x, depth + 1) for x in (item.values() if isinstance(item, dict) else item)]
    return False


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
        return cls([pydantic_problem(e).text() for e in err.errors()], source)


class UnknownPreset(LookupError):
    """No preset with this id; ``available`` lists the ids there are."""

    def __init__(self, campaign_id: str, available: list[str]) -> None:
        self.campaign_id = campaign_id
        self.available = available
        super().__init__(f"没有预设 / no preset {campaign_id!r}; 可用 / available: {', '.join(available)}")


def list_presets() -> list[str]:
    """The ids of the shipped presets (file names without ``.yaml``), sorted."""
    return sorted(p.stem for p in PRESET_DIR.glob("*.yaml"))


def campaign_problems(data: Any) -> tuple[Campaign | None, list[Problem]]:
    """The campaign ``data`` defines, or every reason intake refuses it: the model's errors, then
    what authors are refused beyond it (unknown fields, private fields sent out, notifications)."""
    if not isinstance(data, dict):
        return None, [Problem("(campaign)", "顶层须为映射", "the top level must be a mapping")]
    try:
        campaign = Campaign.model_validate(data)
    except ValidationError as exc:
        found = [pydantic_problem(e) for e in exc.errors()]
        # A typo at the top ("titel") is named beside the "title missing" it causes; unknown
        # fields deeper in are named once the rest validates.
        typos = [str(k) for k in data if k not in Campaign.model_fields]
        found += [Problem(k, "未知字段", "unknown field") for k in typos]
        return None, found
    refused = [Problem(p, "未知字段", "unknown field") for p in unknown_fields(campaign)]
    refused += [_split(m) for m in [*unpublishable_fields(campaign), *notification_problems(campaign)]]
    return (None, refused) if refused else (campaign, [])


def load_campaign_yaml(text: str, source: str = "campaign") -> Campaign:
    """Parse and validate one campaign spec; raises :class:`InvalidCampaign`."""
    try:
        data = read_campaign_yaml(text)
    except UnreadableYaml as exc:
        raise InvalidCampaign([exc.problem.text()], source) from exc
    campaign, problems = campaign_problems(data)
    if campaign is None:
        raise InvalidCampaign([p.text() for p in problems], source)
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


def pydantic_problem(error: ErrorDetails) -> Problem:
    path = yaml_path(error["loc"])
    if error["type"] == "value_error":  # the model's own message, already Chinese / English
        said = str(error["msg"]).removeprefix("Value error, ")
        zh, _, en = said.partition(" / ")
        leading = _LEADING_PATH.match(zh) if path == "(campaign)" else None
        return Problem(leading[1] if leading else path, zh, en or "invalid value")
    bounds = "，".join(_bound(k, v) for k, v in (error.get("ctx") or {}).items() if k in _BOUNDS)
    zh = zh_of_error(error["type"]) + (f"（{bounds}）" if bounds else "")
    return Problem(path, zh, str(error["msg"]))


def _bound(kind: str, value: object) -> str:
    return f"须{_BOUNDS[kind]}{value:g}" if isinstance(value, int | float) else f"须{_BOUNDS[kind]}{value}"


def _split(message: str) -> Problem:
    """A refusal of the contracts ("path: 中文 / English") as a problem."""
    path, _, said = message.partition(": ")
    zh, _, en = said.partition(" / ")
    return Problem(path, zh, en)
