"""`zhengji serve` (distributed mode) refuses to start without ZHENGJI_PUBLIC_BASE_URL: a service
alone knows only its pod's address, and links built from it reach no one."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from zhengji.server import NO_PUBLIC_BASE_URL, distributed_settings

ZHENGJI = str(Path(sys.executable).with_name("zhengji"))


def test_serve_refuses_to_start_without_a_public_origin() -> None:
    env = {k: v for k, v in os.environ.items() if k != "ZHENGJI_PUBLIC_BASE_URL"}
    # Nothing listens on these: were the check missing, the service would start and keep retrying.
    env |= {"KAFKA_BOOTSTRAP_SERVERS": "127.0.0.1:1", "MONGODB_URI": "mongodb://127.0.0.1:1/"}
    proc = subprocess.run(
        [ZHENGJI, "serve", "review"], env=env, capture_output=True, text=True, timeout=60, check=False
    )
    assert proc.returncode == 1
    first, second = proc.stderr.strip().splitlines()[-2:]
    assert first.startswith("未设置 ZHENGJI_PUBLIC_BASE_URL")  # Chinese first, then English
    assert second.startswith("ZHENGJI_PUBLIC_BASE_URL is not set")


@pytest.mark.parametrize("value", ["", "zhengji.example.cn", "ftp://zhengji.example.cn", "https://"])
def test_a_public_origin_not_an_http_url_is_refused(value: str, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGJI_PUBLIC_BASE_URL", value)
    with pytest.raises(SystemExit) as refused:
        distributed_settings()
    assert refused.value.code == NO_PUBLIC_BASE_URL


def test_an_http_origin_is_taken(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGJI_PUBLIC_BASE_URL", "https://zhengji.example.cn")
    assert distributed_settings().base_url() == "https://zhengji.example.cn"
