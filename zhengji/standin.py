"""Stand-ins for platforms outside zhengji: local HTTP servers that record what they receive.

Used by the demo and the tests in place of the showcase platforms and of a
downstream webhook subscriber. ``StandIn`` honours ``Idempotency-Key`` as a
real platform would (a repeated key returns the first answer and creates
nothing new) and misbehaves on request, one behaviour per publishing request
in turn (``fail_first`` answers 503 to the first N; ``script`` then plays
"fail", "429", "hang" or "ok"). ``WebhookReceiver`` checks signatures the way
docs/webhooks.md tells a subscriber to, with its own code."""

import asyncio
import contextlib
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any, Protocol, TypeVar

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse
from starlette.datastructures import UploadFile

from zhengji.ports import free_port

# Stand-ins listen on loopback, which the publisher never calls unless the operator allows it:
# the demo and the tests set ZHENGJI_OUTBOUND_ALLOW to this, and nothing wider.
STANDINS_ALLOW = "127.0.0.1"


def signature_ok(header: str, body: bytes, secret: str, tolerance_s: int = 300) -> bool:
    """``t=<unix>,v1=<hex>``: HMAC-SHA256 over "<t>.<body>", recent, compared in constant time."""
    items = dict(part.split("=", 1) for part in header.split(",") if "=" in part)
    if not items.get("t", "").isdigit() or abs(time.time() - int(items["t"])) > tolerance_s:
        return False
    expected = hmac.new(secret.encode(), items["t"].encode() + b"." + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, items.get("v1", ""))


@dataclass
class StandIn:
    fail_first: int = 0
    script: list[str] = field(default_factory=list)
    fail_status: int = 503
    retry_after: str = "0"
    hang_s: float = 3.0
    conflict_on_repeat: bool = False  # a repeated key answers 409 with the id it has (some platforms do)
    async_polls: int = 0  # > 0: accept with 202 and a status URL that says "processing" this many times
    async_result: str = "done"  # then "done" or "failed"
    token: str | None = None  # require "Authorization: Bearer <token>"
    hmac_secret: str | None = None  # require a valid Zhengji-Signature
    padding: int = 0  # > 0: a publish answer carries this many bytes more (an oversized answer)
    work_url: str | None = None  # the work's address to answer with instead of its own (e.g. javascript:)
    received: list[dict[str, Any]] = field(default_factory=list)
    works: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    log: list[dict[str, Any]] = field(default_factory=list)
    retracted: list[dict[str, Any]] = field(default_factory=list)
    updated: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"  # another address where the publisher runs on another host
    _polls: dict[str, int] = field(default_factory=dict)

    def url(self, path: str = "/works") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def behaviour(self) -> str:
        plan = ["fail"] * self.fail_first + self.script
        return plan[self.requests - 1] if self.requests <= len(plan) else "ok"

    def answered(self, method: str, path: str, status: int, key: str | None = None) -> None:
        self.log.append({"method": method, "path": path, "status": status, "key": key, "at": time.time()})

    def app(self) -> FastAPI:
        api = FastAPI()

        def refused(request: Request, raw: bytes) -> bool:
            if self.token and request.headers.get("authorization") != f"Bearer {self.token}":
                return True
            if self.hmac_secret:
                return not signature_ok(request.headers.get("zhengji-signature", ""), raw, self.hmac_secret)
            return False

        @api.post("/{channel}")
        async def receive(channel: str, request: Request) -> Response:
            self.requests += 1
            key = request.headers.get("idempotency-key") or str(self.requests)
            behaviour = self.behaviour()
            if behaviour == "fail":
                self.answered("POST", channel, self.fail_status, key)
                return JSONResponse(
                    {"error": "unavailable"}, self.fail_status, {"Retry-After": self.retry_after}
                )
            if behaviour == "429":
                self.answered("POST", channel, 429, key)
                return JSONResponse({"error": "slow down"}, 429, {"Retry-After": self.retry_after})
            body, raw = await _body(request)
            if refused(request, raw):
                self.answered("POST", channel, 401, key)
                return JSONResponse({"error": "unauthorised"}, 401)
            if key in self.works:
                status = 409 if self.conflict_on_repeat else self.works[key]["_status"]
                self.answered("POST", channel, status, key)
                return JSONResponse(_public(self.works[key]), status)
            remote_id = f"{channel}-{len(self.works) + 1}"
            answer: dict[str, Any] = {
                "id": remote_id,
                "url": self.work_url or self.url(f"/{channel}/{remote_id}"),
                "_status": 201,
            }
            if self.async_polls:
                answer |= {"status": "processing", "status_url": f"/status/{remote_id}", "_status": 202}
            if self.padding:
                answer["padding"] = "x" * self.padding
            self.works[key] = answer
            self.received.append(
                {"channel": channel, "key": key, "body": body, "headers": dict(request.headers)}
            )
            if behaviour == "hang":  # the work exists, but the answer comes too late for the client
                await asyncio.sleep(self.hang_s)
            self.answered("POST", channel, answer["_status"], key)
            return JSONResponse(_public(answer), answer["_status"])

        @api.get("/status/{remote_id}")
        async def status(remote_id: str, request: Request) -> Response:
            if refused(request, b""):
                return JSONResponse({"error": "unauthorised"}, 401)
            seen = self._polls[remote_id] = self._polls.get(remote_id, 0) + 1
            self.answered("GET", f"status/{remote_id}", 200)
            if seen <= self.async_polls:
                return JSONResponse({"id": remote_id, "status": "processing"})
            result = {"id": remote_id, "status": self.async_result}
            if self.async_result == "done":
                result["url"] = self.url(f"/works/{remote_id}")
            else:
                result["reason"] = "转码失败 transcoding failed on the platform"
            return JSONResponse(result)

        @api.api_route("/{channel}/{remote_id}", methods=["PUT", "DELETE"])
        async def change(channel: str, remote_id: str, request: Request) -> Response:
            raw = await request.body()
            if refused(request, raw):
                return JSONResponse({"error": "unauthorised"}, 401)
            known = any(w["id"] == remote_id for w in self.works.values())
            if not known or remote_id in {r["id"] for r in self.retracted}:
                self.answered(request.method, f"{channel}/{remote_id}", 404)
                return JSONResponse({"error": "not found"}, 404)
            record = {"id": remote_id, "channel": channel, "body": json.loads(raw or b"{}")}
            (self.retracted if request.method == "DELETE" else self.updated).append(record)
            self.answered(request.method, f"{channel}/{remote_id}", 200)
            return JSONResponse({"id": remote_id, "url": self.url(f"/{channel}/{remote_id}")})

        return api


@dataclass
class WebhookReceiver:
    """A downstream platform's webhook endpoint: records every delivery and whether its signature held."""

    secret: str
    fail_first: int = 0
    deliveries: list[dict[str, Any]] = field(default_factory=list)
    port: int = 0
    host: str = "127.0.0.1"

    def url(self, path: str = "/hooks/zhengji") -> str:
        return f"http://{self.host}:{self.port}{path}"

    def events(self) -> dict[str, dict[str, Any]]:
        """Each verified event once, by event_id: what a subscriber that deduplicates keeps."""
        return {
            d["body"]["event_id"]: d["body"] for d in self.deliveries if d["verified"] and d["status"] == 200
        }

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/{path:path}")
        async def hook(path: str, request: Request) -> Response:
            raw = await request.body()
            verified = signature_ok(request.headers.get("zhengji-signature", ""), raw, self.secret)
            status = 503 if len(self.deliveries) < self.fail_first else 200 if verified else 400
            self.deliveries.append(
                {
                    "body": json.loads(raw),
                    "verified": verified,
                    "status": status,
                    "headers": dict(request.headers),
                }
            )
            return Response(status_code=status)

        return api


class _Served(Protocol):
    port: int

    def app(self) -> FastAPI: ...


S = TypeVar("S", bound=_Served)


async def _body(request: Request) -> tuple[Any, bytes]:
    """JSON, or multipart with a "metadata" part (what is signed) and a "file" part."""
    if request.headers.get("content-type", "").startswith("multipart/"):
        form = await request.form()
        metadata, upload = form.get("metadata"), form.get("file")
        raw = await metadata.read() if isinstance(metadata, UploadFile) else str(metadata or "").encode()
        body: dict[str, Any] = {"metadata": json.loads(raw or b"{}")}
        if isinstance(upload, UploadFile):
            data = await upload.read()
            body["file"] = {
                "filename": upload.filename,
                "content_type": upload.content_type,
                "size": len(data),
                "sha256": hashlib.sha256(data).hexdigest(),
            }
        return body, raw
    raw = await request.body()
    return json.loads(raw or b"{}"), raw


def _public(answer: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in answer.items() if not k.startswith("_")}


@contextlib.asynccontextmanager
async def serving(standin: S) -> AsyncIterator[S]:
    standin.port = standin.port or free_port()
    host = getattr(standin, "host", "127.0.0.1")  # a test's own servers may have no host field
    server = uvicorn.Server(uvicorn.Config(standin.app(), host=host, port=standin.port, log_level="warning"))
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
        await asyncio.sleep(0.02)
    try:
        yield standin
    finally:
        server.should_exit = True
        await task
