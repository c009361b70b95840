"""A stand-in showcase platform: a local HTTP server that records what it receives.

Used by the demo and the tests in place of platforms outside zhengji. It can
misbehave on request (``fail_first`` answers 503 to the first N requests) and
honours ``Idempotency-Key`` as a real platform would: a repeated key returns
the first answer and creates nothing new."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import Any

import uvicorn
from fastapi import FastAPI, Request, Response
from fastapi.responses import JSONResponse

from zhengji.embedded import free_port


@dataclass
class StandIn:
    fail_first: int = 0
    received: list[dict[str, Any]] = field(default_factory=list)
    works: dict[str, dict[str, Any]] = field(default_factory=dict)
    requests: int = 0
    port: int = 0

    def url(self, path: str = "/works") -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.post("/{channel}")
        async def receive(channel: str, request: Request) -> Response:
            self.requests += 1
            if self.requests <= self.fail_first:
                return JSONResponse({"error": "unavailable"}, status_code=503, headers={"Retry-After": "0"})
            key = request.headers.get("idempotency-key") or str(self.requests)
            if key not in self.works:
                body = await request.json()
                remote_id = f"{channel}-{len(self.works) + 1}"
                self.works[key] = {"id": remote_id, "url": self.url(f"/{channel}/{remote_id}")}
                self.received.append({"channel": channel, "key": key, "body": body})
            return JSONResponse(self.works[key], status_code=201)

        return api


@contextlib.asynccontextmanager
async def serving(standin: StandIn) -> AsyncIterator[StandIn]:
    standin.port = standin.port or free_port()
    server = uvicorn.Server(
        uvicorn.Config(standin.app(), host="127.0.0.1", port=standin.port, log_level="warning")
    )
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
