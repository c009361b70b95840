"""``zhengji validate --campaign`` takes a preset's id, a campaign YAML file, or a running server's
campaign URL (the API's address or the campaign's page), and says why when it cannot."""

import contextlib
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from typer.testing import CliRunner

from services.intake.presets import PRESET_DIR, load_preset
from tests.integration.validator import defects
from zhengji import campaign_source
from zhengji.validate_cli import validate_app

LIAONING = "liaoning-micro-party-lesson-2023"


@pytest.fixture(scope="module")
def server() -> Iterator[str]:
    """A loopback server answering as intake does at /api/campaigns/<id>, for Liaoning only."""
    spec = load_preset(LIAONING).model_dump_json().encode()

    class Campaigns(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            if self.path in ("/api/campaigns/huge", "/api/campaigns/slow"):
                return self.hostile()
            found = self.path == f"/api/campaigns/{LIAONING}"
            self.send_response(200 if found else 404)
            self.send_header("content-type", "application/json")
            self.end_headers()
            self.wfile.write(spec if found else json.dumps({"detail": "no"}).encode())

        def hostile(self) -> None:
            """2 MiB of spaces at once, or a byte every 0.2 s for 20 s: neither is a campaign."""
            self.send_response(200)
            self.end_headers()
            slow = self.path.endswith("slow")
            with contextlib.suppress(OSError):  # the client gave up, as it should
                for _ in range(100 if slow else 1):
                    self.wfile.write(b" " if slow else b" " * (2 * 1024 * 1024))
                    self.wfile.flush()
                    if slow:
                        time.sleep(0.2)  # the server being slow, not the test waiting

        def log_message(self, *args: object) -> None:  # keep the test output quiet
            return

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), Campaigns)
    threading.Thread(target=httpd.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{httpd.server_address[1]}"
    httpd.shutdown()


def run(video: Path, campaign: str) -> tuple[int, str]:
    done = CliRunner().invoke(validate_app, [str(video), "--campaign", campaign, "--quick"])
    return done.exit_code, done.output


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    # 320x180: every source of Liaoning's rules finds the resolution wrong, and only that.
    return defects.conforming(tmp_path_factory.mktemp("media") / "entry.mp4", seconds=1)


def test_a_preset_a_yaml_file_and_a_server_url_give_the_same_check(video: Path, server: str) -> None:
    sources = [LIAONING, str(PRESET_DIR / f"{LIAONING}.yaml"), f"{server}/api/campaigns/{LIAONING}"]
    sources.append(f"{server}/campaigns/{LIAONING}")  # the campaign's page: its spec is read from the API
    for source in sources:
        code, output = run(video, source)
        assert code == 1 and "分辨率为320×180，要求1920×1080" in output, (source, output)


def test_a_campaign_that_cannot_be_loaded_is_said_and_exits_two(
    video: Path, server: str, tmp_path: Path
) -> None:
    broken = tmp_path / "mine.yaml"
    broken.write_text("id: mine\ntitel: 拼错\n", encoding="utf-8")
    cases = {
        f"{server}/api/campaigns/nowhere": "服务器未返回活动（404）",
        "http://127.0.0.1:1/api/campaigns/x": "无法连接服务器",
        str(tmp_path / "missing.yaml"): "找不到活动文件",
        str(broken): "titel: 未知字段",
        "no-such-preset": "没有预设",
    }
    for source, said in cases.items():
        code, output = run(video, source)
        assert code == 2 and said in output, (source, output)


def test_a_server_answering_too_much_or_too_slowly_is_not_waited_for(
    video: Path, server: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(campaign_source, "DEADLINE_S", 1.0)  # 30 s in use
    code, output = run(video, f"{server}/api/campaigns/huge")
    assert code == 2 and "返回内容过大" in output
    code, output = run(video, f"{server}/api/campaigns/slow")
    assert code == 2 and "未答完" in output
