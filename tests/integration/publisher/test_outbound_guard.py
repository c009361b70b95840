"""The outbound client against real local HTTP servers: redirects, endless answers, dripping answers."""

import asyncio
import gzip
from collections.abc import AsyncIterator
from dataclasses import dataclass, field

import httpx
import pytest
from fastapi import FastAPI, Response
from fastapi.responses import RedirectResponse, StreamingResponse

from services.common.outbound import (
    AddressRefused,
    AllowList,
    DeadlineExceeded,
    OutboundPolicy,
    Refused,
    ResponseTooLarge,
    outbound_client,
)
from zhengji.standin import serving


@dataclass
class Misbehaving:
    """A server that redirects elsewhere, answers without end, or a byte at a time."""

    redirect_to: str = ""
    hits: list[str] = field(default_factory=list)
    port: int = 0
    dripped: int = 0

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/moved")
        async def moved() -> RedirectResponse:
            self.hits.append("moved")
            return RedirectResponse(self.redirect_to, status_code=307)

        @api.get("/endless")
        async def endless() -> StreamingResponse:
            async def chunks() -> AsyncIterator[bytes]:
                while True:
                    yield b"x" * 65536
                    await asyncio.sleep(0)

            return StreamingResponse(chunks(), media_type="application/json")

        @api.get("/drip")
        async def drip() -> StreamingResponse:
            async def bytes_slowly() -> AsyncIterator[bytes]:
                for _ in range(100):
                    self.dripped += 1
                    yield b" "
                    await asyncio.sleep(0.1)

            return StreamingResponse(bytes_slowly(), media_type="application/json")

        @api.get("/gzipped")
        async def gzipped() -> Response:
            bomb = gzip.compress(b" " * 10_000_000)  # 10 MB of answer in about 10 KB
            return Response(bomb, headers={"Content-Encoding": "gzip"}, media_type="application/json")

        @api.get("/{anything}")
        async def anything(anything: str) -> dict[str, str]:
            self.hits.append(anything)
            return {"ok": anything}

        return api


async def test_a_redirect_from_an_allowed_host_to_loopback_is_refused() -> None:
    # Only the name "localhost" is allowed; 127.0.0.1 spelled as an address is not.
    policy = OutboundPolicy(AllowList.parse("localhost"))
    async with serving(Misbehaving()) as inner, serving(Misbehaving()) as allowed:
        allowed.redirect_to = f"http://127.0.0.1:{inner.port}/secret"
        async with outbound_client(policy) as client:
            answer = await client.get(f"http://localhost:{allowed.port}/moved")
            assert answer.status_code == 307  # not followed: the publisher parks on it
            with pytest.raises(AddressRefused, match="loopback"):
                await client.get(f"http://localhost:{allowed.port}/moved", follow_redirects=True)
            with pytest.raises(AddressRefused, match="loopback"):
                await client.get(f"http://127.0.0.1:{inner.port}/direct")
    assert allowed.hits == ["moved", "moved"]
    assert inner.hits == []


async def test_an_endless_or_compressed_answer_is_cut_at_the_cap() -> None:
    policy = OutboundPolicy(AllowList.parse("127.0.0.1"), max_response_bytes=256 * 1024)
    async with serving(Misbehaving()) as server, outbound_client(policy) as client:
        with pytest.raises(ResponseTooLarge, match="262144"):
            await client.get(f"http://127.0.0.1:{server.port}/endless")
        with pytest.raises(Refused, match="compressed"):
            await client.get(f"http://127.0.0.1:{server.port}/gzipped")  # the cap would count 10 KB
        assert (await client.get(f"http://127.0.0.1:{server.port}/small")).json() == {"ok": "small"}


async def test_an_answer_dripping_a_byte_at_a_time_meets_the_total_deadline() -> None:
    policy = OutboundPolicy(AllowList.parse("127.0.0.1"), deadline_s=1.0)
    misbehaving = Misbehaving()
    async with serving(misbehaving) as server, outbound_client(policy) as client:
        with pytest.raises(DeadlineExceeded, match="ZHENGJI_OUTBOUND_DEADLINE_S"):
            # Each byte comes well within the read time-out; the whole answer would take 10 s.
            await client.get(f"http://127.0.0.1:{server.port}/drip", timeout=httpx.Timeout(5.0))
    assert misbehaving.dripped < 100, "the call ended before the platform finished its answer"
