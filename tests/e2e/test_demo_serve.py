"""`zhengji demo --serve`: after its table the demo's campaign stays up and a login is printed for
each role; each works (passwords through the API, the experts' links through review's sign-in),
the statistics answer with the demo's awards and fully scored panels, and the process stops
cleanly on SIGTERM (a service manager) and on SIGINT to its process group (Ctrl-C), leaving no
broker or store process of its data dir behind."""

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import httpx
import pytest

from tests.conftest import eventually
from zhengji.demo_serve import STOP_HINT
from zhengji.ports import free_port

LOGIN = re.compile(r"用户名 user (\S+)  密码 password (\S+)")
LINK = re.compile(r"(http://\S+/review/login\?token=\S+)")


async def lines_until(stream: asyncio.StreamReader, marker: str) -> list[str]:
    """Lines up to the one with ``marker``."""
    seen: list[str] = []
    while not seen or marker not in seen[-1]:
        line = await asyncio.wait_for(stream.readline(), 900)
        assert line, "the demo ended before printing its logins:\n" + "".join(seen)
        seen.append(line.decode())
    return seen


def processes_of(data_dir: Path) -> list[str]:
    found = []
    for proc in Path("/proc").iterdir():
        try:
            cmdline = (proc / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(data_dir) in cmdline:
            found.append(cmdline)
    return found


@pytest.mark.parametrize("stop", ["SIGTERM", "SIGINT to the group"])
async def test_demo_serve_prints_working_logins_and_stops_cleanly(tmp_path: Path, stop: str) -> None:
    port, data_dir = free_port(), tmp_path / "demo"
    argv = [str(Path(sys.executable).with_name("zhengji")), "demo", "--serve"]
    demo = await asyncio.create_subprocess_exec(
        *argv, "--data-dir", str(data_dir), "--port", str(port),
        env={k: v for k, v in os.environ.items() if k != "ZHENGJI_ADMIN_PASSWORD"},
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, start_new_session=True,
    )  # fmt: skip
    try:
        assert demo.stdout is not None
        printed = await lines_until(demo.stdout, STOP_HINT)
        text = "".join(printed)
        assert "全部符合预期" in text, text
        logins = LOGIN.findall(text)
        assert [user for user, _ in logins] == ["admin", "demo-unit", "demo-teacher"], text
        links = LINK.findall(text)
        assert len(links) == 2, text  # the chair's and an expert's
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60) as api:
            roles = []
            for user, password in logins:
                r = await api.post("/api/auth/login", json={"username": user, "password": password})
                assert r.status_code == 200, r.text
                roles.append(r.json()["user"]["role"])
            assert roles == ["campaign_admin", "unit_admin", "entrant"]
            for link in links:
                signed_in = await api.get(link, follow_redirects=False)
                assert signed_in.status_code == 303 and signed_in.headers["location"].startswith("/review/")

            # The campaign admin's statistics: the demo's award, and every panel fully scored.
            api.headers["Authorization"] = (
                "Bearer "
                + (
                    await api.post(
                        "/api/auth/login", json={"username": logins[0][0], "password": logins[0][1]}
                    )
                ).json()["token"]
            )
            cid = (await api.get("/api/campaigns")).json()[0]["id"]
            stats = (await api.get(f"/api/campaigns/{cid}/statistics")).json()
            assert [a["entries"] for a in stats["awards"]] == [1], stats["awards"]
            assert stats["findings"] and stats["headline_zh"].startswith("本次活动最常见问题：")
            panels = (await api.get(f"/api/review/campaigns/{cid}/progress")).json()
            assert {p["level"] for p in panels} == {"county", "prefecture"}
            assert all(p["scores_in"] == p["scores_due"] > 0 for p in panels), panels
            assert (await api.get(f"/api/review/campaigns/{cid}/progress.xlsx")).status_code == 200
    finally:
        if stop == "SIGTERM":
            demo.send_signal(signal.SIGTERM)
        else:
            os.killpg(demo.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        try:
            rest = await asyncio.wait_for(demo.communicate(), 120)
        except TimeoutError:
            os.killpg(demo.pid, signal.SIGKILL)
            raise
    assert demo.returncode == 0, rest
    assert "演示已停止" in rest[0].decode()

    async def nothing_left() -> bool:
        return not processes_of(data_dir)

    await eventually(nothing_left, 30, f"the demo's broker and store gone: {processes_of(data_dir)}")
