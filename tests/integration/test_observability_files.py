"""The alert rules and the Grafana dashboard in k8s/observability/ are checked against reality.

The rules pass ``promtool check rules`` and their unit tests (``promtool test rules``); every
metric the dashboard and the alerts name is one a running service exports on /metrics, and every
metric the services export has a place on the dashboard. Only the blob-volume alert names
metrics from elsewhere (the kubelet's), listed below."""

import json
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import httpx
import yaml

from services.common.settings import Settings
from zhengji.server import running

OBSERVABILITY = Path(__file__).resolve().parents[2] / "k8s" / "observability"
FROM_THE_KUBELET = {"kubelet_volume_stats_available_bytes", "kubelet_volume_stats_capacity_bytes"}
PROMQL_FUNCTIONS_AND_KEYWORDS = re.compile(r"\b[a-z_]+(?=\s*\()|\b(?:and|or|unless|bool|offset)\b")


def promtool() -> str:
    found = shutil.which("promtool")
    assert found, "promtool 未安装 / promtool missing: make test installs it (scripts/system-deps.sh)"
    return found


def rules() -> dict[str, Any]:
    """alerts.yaml's PrometheusRule ``spec``: the groups a plain Prometheus rules file holds."""
    resource = yaml.safe_load((OBSERVABILITY / "alerts.yaml").read_text(encoding="utf-8"))
    assert resource["kind"] == "PrometheusRule"
    spec: dict[str, Any] = resource["spec"]
    return spec


def alert_exprs() -> dict[str, str]:
    return {rule["alert"]: rule["expr"] for group in rules()["groups"] for rule in group["rules"]}


def dashboard_exprs() -> list[str]:
    board = json.loads((OBSERVABILITY / "zhengji-dashboard.json").read_text(encoding="utf-8"))
    return [t["expr"] for panel in board["panels"] for t in panel.get("targets", [])]


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression (what is left once labels, strings, ranges,
    functions and keywords are taken out)."""
    bare = re.sub(r'\{[^}]*\}|"[^"]*"|\[[^\]]*\]|\b(?:by|without)\s*\([^)]*\)', " ", expr)
    bare = PROMQL_FUNCTIONS_AND_KEYWORDS.sub(" ", bare)
    return set(re.findall(r"\b[a-zA-Z_:][a-zA-Z0-9_:]*\b", bare))


def exported(metrics_text: str) -> set[str]:
    """Every series name the scrape can hold, from its ``# TYPE`` lines (a labelled metric that
    has not been used yet has no samples, but it is declared)."""
    names = set()
    for name, kind in re.findall(r"^# TYPE (\S+) (\S+)$", metrics_text, re.MULTILINE):
        suffixes = {"histogram": ("_bucket", "_count", "_sum"), "summary": ("_count", "_sum")}
        names |= {name + s for s in suffixes.get(kind, ("",))}

    # prometheus_client declares a counter's or histogram's creation time as a gauge of its own.
    def creation_time(n: str) -> bool:
        family = n.removesuffix("_created")
        return n.endswith("_created") and bool({family + "_total", family + "_count"} & names)

    return {n for n in names if not creation_time(n)}


def test_alert_rules_pass_promtool_check_and_their_unit_tests(tmp_path: Path) -> None:
    (tmp_path / "zhengji.rules.yaml").write_text(
        yaml.safe_dump(rules(), allow_unicode=True), encoding="utf-8"
    )
    shutil.copy(OBSERVABILITY / "alerts.test.yaml", tmp_path)

    checked = subprocess.run(
        [promtool(), "check", "rules", "zhengji.rules.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert f"SUCCESS: {len(alert_exprs())} rules found" in checked.stdout
    tested = subprocess.run(
        [promtool(), "test", "rules", "alerts.test.yaml"], cwd=tmp_path, capture_output=True, text=True
    )
    assert tested.returncode == 0, tested.stdout + tested.stderr


def test_every_alert_has_a_chinese_and_english_summary_and_a_runbook() -> None:
    for group in rules()["groups"]:
        for rule in group["rules"]:
            summary, runbook = rule["annotations"]["summary"], rule["annotations"]["runbook"]
            zh, en = summary.split(" / ", 1)
            assert re.search(r"[\u4e00-\u9fff]", zh) and re.search(r"[A-Za-z]{3}", en), rule["alert"]
            assert runbook.startswith("docs/operations.md#alerts: "), rule["alert"]
            assert rule["labels"]["severity"] in {"warning", "critical"}


async def test_dashboard_and_alerts_name_only_metrics_a_running_service_exports(settings: Settings) -> None:
    async with running(settings, ["intake"]), httpx.AsyncClient(base_url=settings.base_url()) as api:
        r = await api.get("/metrics")
        assert r.status_code == 200
    names = exported(r.text)
    ours = {n for n in names if n.startswith("zhengji_")}
    assert {"zhengji_consumer_lag_messages", "zhengji_http_requests_total"} <= ours

    on_board: set[str] = set()
    for expr in dashboard_exprs():
        named = metric_names(expr)
        assert named, f"no metric in {expr!r}"
        assert named <= names, f"the dashboard names metrics no service exports: {named - names}"
        on_board |= named
    for alert, expr in alert_exprs().items():
        named = metric_names(expr)
        assert named and named - FROM_THE_KUBELET <= names, f"{alert} names {named - names}"
    # Each family has a panel (a histogram through its _bucket or _count series).
    families = {re.sub(r"_(bucket|count|sum)$", "", n) for n in ours}
    shown = {re.sub(r"_(bucket|count|sum)$", "", n) for n in on_board}
    assert families <= shown, f"exported but on no panel: {families - shown}"
