"""docs/operations.md is the runbook: every alert the rules can fire has an entry saying what it
means and what to do, every alert points there, and the runbook's table names only sections that
exist."""

import re
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
DOC = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    start = DOC.index(f"\n{title}\n")
    end = DOC.find("\n## ", start + 1)
    return DOC[start : end if end != -1 else None]


def alert_rules() -> list[dict[str, object]]:
    rules = yaml.safe_load((ROOT / "k8s" / "observability" / "alerts.yaml").read_text(encoding="utf-8"))
    return [rule for group in rules["spec"]["groups"] for rule in group["rules"] if "alert" in rule]


def test_every_alert_has_an_entry_with_meaning_and_action() -> None:
    table = section("### Alerts")
    rows = {m[1]: m[2] for m in re.finditer(r"^\| `(\w+)`[^|]*\| ([^|]+\|[^|]+)\|$", table, re.M)}
    alerts = {str(rule["alert"]) for rule in alert_rules()}
    assert alerts and alerts <= rows.keys(), alerts - rows.keys()
    for name in alerts:
        means, action = (cell.strip() for cell in rows[name].split("|"))
        assert means and action, name


def test_every_alert_points_to_the_runbook() -> None:
    for rule in alert_rules():
        annotations = rule["annotations"]
        assert isinstance(annotations, dict)
        assert str(annotations["runbook"]).startswith("docs/operations.md#alerts"), rule["alert"]


def test_the_runbook_names_only_sections_that_exist() -> None:
    headings = {line.lstrip("#").strip() for line in DOC.splitlines() if line.startswith("#")}
    named = re.findall(r'"([^"]+)"', section("## Runbook").split("| --- |", 1)[1])
    assert named
    for name in named:
        assert any(h == name or h.startswith(name + " (") for h in headings), name
