"""The WeChat adapter's access token: fetched once for sends that need it at the same time (a new
token retires the last), a stale-token answer retires only the token it was about, and a hostile
or broken token answer is a failed send, not a crash."""

import asyncio
import json

import httpx
import pytest

from services.intake.presets import load_preset
from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.wechat import WeChatTemplates
from services.notifier.rendering import Message


def outgoing(key: str) -> Outgoing:
    campaign = load_preset("yanbian-2024")
    rules = campaign.notifications.model_copy(update={"wechat_templates": {"received": "TPL-1"}})
    campaign = campaign.model_copy(update={"notifications": rules})
    return Outgoing(key, "received", "openid-1", Message("收到", "正文", {}), campaign, "https://x/u")


def adapter(token_answer: httpx.Response, fetched: list[str]) -> WeChatTemplates:
    async def provider(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            fetched.append(request.url.path)
            await asyncio.sleep(0)  # let every waiting send reach the lock meanwhile
            return token_answer
        assert request.url.params["access_token"] == "T1"
        return httpx.Response(200, json={"errcode": 0, "msgid": 7})

    client = httpx.AsyncClient(transport=httpx.MockTransport(provider))
    return WeChatTemplates(client, "https://api.weixin.example", "app", "secret")


async def test_sends_at_the_same_time_share_one_token_fetch() -> None:
    fetched: list[str] = []
    wechat = adapter(httpx.Response(200, json={"access_token": "T1", "expires_in": 7200}), fetched)
    sent = await asyncio.gather(*(wechat.send(outgoing(f"k{i}")) for i in range(5)))
    assert sent == ["7"] * 5 and len(fetched) == 1


@pytest.mark.parametrize(
    "answer",
    [
        httpx.Response(200, json={"errcode": "not a number", "errmsg": "?"}),
        httpx.Response(200, content=b'{"errcode": NaN, "errmsg": "?"}'),  # json.loads reads NaN
        httpx.Response(500, content=b'{"errcode": -Infinity}'),
        httpx.Response(200, json={"access_token": 42}),
        httpx.Response(200, content=json.dumps([1, 2]).encode()),
        httpx.Response(502, text="<html>bad gateway</html>"),
    ],
)
async def test_a_broken_token_answer_fails_the_send_and_crashes_nothing(answer: httpx.Response) -> None:
    with pytest.raises(SendFailed):
        await adapter(answer, []).send(outgoing("k1"))


async def test_a_late_stale_token_answer_keeps_the_newer_token_fetched_meanwhile() -> None:
    fetched: list[str] = []
    late_sent, release = asyncio.Event(), asyncio.Event()

    async def provider(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/cgi-bin/token":
            fetched.append(f"T{len(fetched) + 1}")
            return httpx.Response(200, json={"access_token": fetched[-1], "expires_in": 7200})
        if request.url.params["access_token"] != "T1":
            return httpx.Response(200, json={"errcode": 0, "msgid": 7})
        if json.loads(request.content)["client_msg_id"] == "late":
            late_sent.set()
            await release.wait()
        return httpx.Response(200, json={"errcode": 40001, "errmsg": "invalid credential"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(provider))
    wechat = WeChatTemplates(client, "https://api.weixin.example", "app", "secret")
    late = asyncio.create_task(wechat.send(outgoing("late")))  # T1, answered only later
    await late_sent.wait()
    with pytest.raises(SendFailed):
        await wechat.send(outgoing("early"))  # T1 is stale: it is dropped
    assert await wechat.send(outgoing("k2")) == "7"  # with T2, fetched now
    release.set()
    with pytest.raises(SendFailed):
        await late  # T1 is stale, as was known: T2 stays
    assert await wechat.send(outgoing("k3")) == "7"
    assert fetched == ["T1", "T2"]
