"""`contracts/` installs on its own, so a downstream platform can validate zhengji's events."""

import json
import subprocess
import sys
from pathlib import Path

from tests.unit.samples import published

ROOT = Path(__file__).resolve().parents[2]
UV = Path(sys.executable).parent / "uv"

SUBSCRIBER = """
import json, pathlib, sys
import contracts
from contracts import SubmissionPublished, TOPICS
here = pathlib.Path(contracts.__file__).parent
assert "site-packages" in str(here), here  # the installed copy, not the checkout
event = SubmissionPublished.model_validate_json(sys.stdin.read())
schema = json.loads((here / "schemas" / "submission.published.v1.json").read_text("utf-8"))
print(json.dumps({"topic": TOPICS["published"], "title": schema["title"], "target": event.target}))
"""


def test_contracts_install_alone_and_validate_a_published_event(tmp_path: Path) -> None:
    venv = tmp_path / "subscriber"
    subprocess.run([UV, "venv", "-q", venv], check=True, timeout=120)
    python = venv / "bin" / "python"
    subprocess.run(
        [UV, "pip", "install", "-q", "--python", python, ROOT / "contracts"], check=True, timeout=300
    )
    # Every optional field a platform reads filled in, so the installed schema checks them too.
    event = published().model_copy(
        update={
            "remote_id": "res-20241215-0042",
            "url": "https://platform.example.cn/resources/res-20241215-0042",
            "award_tier": "优秀资源奖",
        }
    )
    run = subprocess.run(
        [python, "-c", SUBSCRIBER],
        input=event.model_dump_json(),
        capture_output=True,
        text=True,
        cwd=tmp_path,  # away from the checkout, so only the installed package can be imported
        timeout=60,
    )
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)
    assert out["topic"] == "zhengji.submission.published.v1"
    assert out["target"] == event.target
    assert "published" in out["title"].lower()
    missing = subprocess.run([python, "-c", "import fastapi"], capture_output=True, cwd=tmp_path)
    assert missing.returncode != 0, "the contracts package pulls in nothing beyond pydantic"
