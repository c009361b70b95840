"""The nginx example (deploy/nginx/zhengji.conf) in front of the real services: the services as
three processes' worth of apps on their own ports (intake with the validator and transcoder,
review, publisher) on the embedded broker and store, nginx on one port, ZHENGJI_PUBLIC_BASE_URL
set to nginx's address. Through that one origin a tus upload in the pages' chunk size passes
(nginx's default body limit is 1 MB), each service's pages answer from that service, links point
at the origin, and /metrics is closed.

Only the upstream addresses and the listen port are changed for the test (no Docker DNS here)."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import shutil
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from services.common.settings import Settings
from tests.conftest import admin_login, eventually, import_tree
from tests.integration.intake.conftest import create_tiny, register, tus_upload
from tests.integration.kustomize_render import ROOT
from zhengji.ports import free_port
from zhengji.server import running

NGINX_CONF = ROOT / "deploy" / "nginx" / "zhengji.conf"


def local_config(port: int, upstreams: dict[str, int], tmp: Path) -> Path:
    text = NGINX_CONF.read_text(encoding="utf-8")
    text = re.sub(r"^resolver .*;$", "", text, flags=re.M)
    text = text.replace("listen 80;", f"listen 127.0.0.1:{port};")
    for name, upstream_port in upstreams.items():
        text = text.replace(f"http://{name}:8000;", f"http://127.0.0.1:{upstream_port};")
    assert "8000;" not in text.split("server {", 1)[1], "an upstream left unmapped"
    tmp.mkdir()
    (tmp / "zhengji.conf").write_text(text, encoding="utf-8")
    main = tmp / "nginx.conf"
    temp = "\n".join(f"    {kind}_temp_path {tmp}/{kind};" for kind in ("client_body", "proxy"))
    # As root, nginx's workers would drop to "nobody", who cannot enter pytest's 0700 directories.
    user = "user root;\n" if os.geteuid() == 0 else ""
    main.write_text(
        f"{user}pid {tmp}/nginx.pid;\nerror_log {tmp}/error.log;\nevents {{}}\n"
        f"http {{\n    access_log off;\n{temp}\n    include {tmp}/zhengji.conf;\n}}\n",
        encoding="utf-8",
    )
    return main


@contextlib.asynccontextmanager
async def nginx(main: Path, port: int) -> AsyncIterator[None]:
    binary = shutil.which("nginx") or "/usr/sbin/nginx"
    assert Path(binary).exists(), "nginx is missing: make test installs nginx-light (scripts/system-deps.sh)"
    proc = await asyncio.create_subprocess_exec(
        binary, "-p", str(main.parent), "-e", "stderr", "-c", str(main), "-g", "daemon off;",
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:

        async def listening() -> bool | None:
            assert proc.returncode is None, "nginx stopped: run nginx -t on the config"
            with contextlib.suppress(OSError):
                _, writer = await asyncio.open_connection("127.0.0.1", port)
                writer.close()
                return True
            return None

        await eventually(listening, 30, "nginx listening")
        yield
    finally:
        proc.terminate()
        await asyncio.wait_for(proc.wait(), 10)


@pytest.fixture
async def origin(settings: Settings, tmp_path: Path) -> AsyncIterator[httpx.AsyncClient]:
    port, review, publisher = free_port(), free_port(), free_port()
    public = f"http://127.0.0.1:{port}"
    base = settings.model_copy(update={"public_base_url": public})
    main = local_config(
        port,
        {
            "intake": base.http_port,
            "transcoder": base.http_port,
            "review": review,
            "publisher": publisher,
            "notifier": free_port(),  # not started: this test goes through the other five
        },
        tmp_path / "nginx",
    )
    async with (
        running(base, ["intake", "validator", "transcoder"]),
        running(base.model_copy(update={"http_port": review}), ["review"]),
        running(base.model_copy(update={"http_port": publisher}), ["publisher"]),
        nginx(main, port),
        httpx.AsyncClient(base_url=public, timeout=60) as api,
    ):
        await admin_login(api)
        await import_tree(api)
        yield api


async def test_one_origin_carries_uploads_pages_and_links(
    origin: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    cid = await create_tiny(origin)
    sid = await register(origin, cid)
    # Two and a half of the pages' tus PATCHes: each is over nginx's default 1 MB body limit.
    chunk = settings.upload_chunk_bytes
    source = tmp_path / "work.mp4"
    source.write_bytes(os.urandom(chunk * 2 + chunk // 2))
    url = await tus_upload(origin, source, {"submission_id": sid, "filename": "work.mp4"}, chunk_size=chunk)
    assert url.startswith(f"{origin.base_url}/api/tus/")
    sub = (await origin.get(f"/api/submissions/{sid}")).json()
    assert sub["versions"][0]["media"]["size"] == source.stat().st_size

    # Each prefix reaches its service (intake has none of these paths: it would say 404).
    review = await origin.get("/review/", follow_redirects=False)
    assert review.status_code == 303 and review.headers["location"] == "/review/login"
    assert (await origin.get("/review/login")).status_code == 200

    async def showcase_up() -> httpx.Response | None:  # the publisher hears of the campaign by event
        answer = await origin.get(f"/showcase/{cid}")
        return answer if answer.status_code == 200 else None

    showcase = await eventually(showcase_up, 60, "the campaign's showcase served")
    assert "text/html" in showcase.headers["content-type"]
    assert (await origin.get("/api/transcoder/hardware")).status_code != 404
    assert (await origin.get("/api/publisher/circuits")).status_code != 404
    assert (await origin.get("/metrics")).status_code == 404

    # The file itself, from intake's /blobs/, through the origin.
    async def stored() -> str | None:
        versions = (await origin.get(f"/api/submissions/{sid}")).json()["versions"]
        return str(versions[0]["media"]["sha256"]) if versions else None

    digest = await eventually(stored, 30, "the upload's digest")
    blob = await origin.get(f"/blobs/{digest}", headers={"Range": "bytes=0-15"})
    assert blob.status_code in (200, 206) and source.read_bytes().startswith(blob.content[:16])
