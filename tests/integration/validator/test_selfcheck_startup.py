"""``zhengji validate`` starts small: the self-check path imports the campaign, the probe and the
rules, and none of what the services need to run (web framework, store and broker clients,
settings, logging, the solver, spreadsheets). Each of those costs start-up on every file checked."""

import json
import subprocess
import sys
from pathlib import Path

from tests.integration.validator import defects

ROOT = Path(__file__).resolve().parents[3]
HEAVY = (
    "fastapi",
    "starlette",
    "pymongo",
    "faststream",
    "aiokafka",
    "pydantic_settings",
    "structlog",
    "rich",
    "ortools",
    "openpyxl",
    "jinja2",
)
RUN_AND_LIST = """
import json, sys
from zhengji.entry import main
sys.argv = ["zhengji", "validate", *sys.argv[1:]]
try:
    main()
except SystemExit as done:
    code = done.code
print(json.dumps({"code": code, "modules": sorted(sys.modules)}))
"""


def loaded_by_validate(*args: str) -> tuple[int, list[str]]:
    done = subprocess.run(
        [sys.executable, "-c", RUN_AND_LIST, *args], cwd=ROOT, capture_output=True, text=True, timeout=120
    )
    last = done.stdout.strip().splitlines()[-1]
    outcome = json.loads(last)
    return outcome["code"], outcome["modules"]


def test_a_quick_check_imports_nothing_the_services_need(tmp_path: Path) -> None:
    video = defects.conforming(tmp_path / "ok.mp4", seconds=1)
    liaoning = "liaoning-micro-party-lesson-2023"
    code, modules = loaded_by_validate(str(video), "--campaign", liaoning, "--quick")
    assert code == 1  # 320x180 against Liaoning's 1920x1080: the check really ran
    assert "services.media.probe" in modules
    assert [m for m in modules if m.split(".")[0] in HEAVY] == []
    assert [m for m in modules if m.startswith(("services.intake.app", "services.common.store"))] == []
