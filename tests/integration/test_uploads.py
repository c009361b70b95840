"""Uploads: the size limit is enforced before the body is read, and bad bytes never crash anything."""

import asyncio
import socket
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

from services.common.settings import Settings
from tests.conftest import UNIT, create_campaign, eventually
from zhengji.samples import yanbian_form


def _length(answer: bytes) -> int:
    for line in answer.split(b"\r\n"):
        if line.lower().startswith(b"content-length:"):
            return int(line.split(b":")[1])
    return 0


async def _entry(api: httpx.AsyncClient) -> str:
    await create_campaign(api)
    reg = await api.post(
        "/api/campaigns/yanbian-2024/entries", json={"form": yanbian_form(), "unit": UNIT, "group": "小学组"}
    )
    assert reg.status_code == 201, reg.text
    return str(reg.json()["submission_id"])


async def test_a_declared_size_over_the_limit_is_refused_before_the_body_is_read(
    system: httpx.AsyncClient, settings: Settings
) -> None:
    sid = await _entry(system)
    # Declare 600 MB but send nothing: the answer must come without waiting for the body.
    head = (
        f"PUT /api/submissions/{sid}/media HTTP/1.1\r\nHost: x\r\nContent-Type: video/mp4\r\n"
        f"Authorization: {system.headers['Authorization']}\r\n"
        f"Content-Length: {600 * 1024 * 1024}\r\n\r\n"
    ).encode()

    def exchange() -> str:
        with socket.create_connection(("127.0.0.1", settings.http_port), timeout=10) as s:
            s.sendall(head)
            answer = b""
            while b"\r\n\r\n" not in answer or len(answer.split(b"\r\n\r\n", 1)[1]) < _length(answer):
                answer += s.recv(4096)
            return answer.decode()

    answer = await asyncio.to_thread(exchange)
    assert answer.startswith("HTTP/1.1 413")
    assert "500 MB" in answer and "超过" in answer
    status = (await system.get(f"/api/submissions/{sid}")).json()
    assert status["stage"] == "registered" and status["version"] == 0


async def test_a_body_that_grows_past_the_limit_without_a_declared_size_is_refused(
    system: httpx.AsyncClient, settings: Settings, tmp_path: Path
) -> None:
    sid = await _entry(system)
    limit = 500 * 1024 * 1024

    async def endless() -> AsyncIterator[bytes]:
        chunk = b"\0" * (4 << 20)
        for _ in range(limit // len(chunk) + 2):
            yield chunk

    r = await system.put(f"/api/submissions/{sid}/media", content=endless())
    assert r.status_code == 413
    assert not list((settings.blobs_path() / "tmp").iterdir()), "the partial upload was removed"


async def test_an_empty_upload_is_refused_and_a_non_media_file_fails_validation(
    system: httpx.AsyncClient,
) -> None:
    sid = await _entry(system)
    empty = await system.put(f"/api/submissions/{sid}/media", content=b"")
    assert empty.status_code == 400 and "为空" in empty.json()["detail"]["message_zh"]
    assert (
        await system.put(f"/api/submissions/{sid}/media", content=b"<html>not a video</html>")
    ).status_code == 202

    async def failed() -> dict[str, object] | None:
        status = (await system.get(f"/api/submissions/{sid}")).json()
        return status if status["stage"] == "failed_validation" else None

    status = await eventually(failed, 60, "a failed validation")
    assert [f["rule_id"] for f in status["findings"]] == ["file.readable"]
    assert status["findings"][0]["message_zh"]
