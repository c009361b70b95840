"""WeChat official account template messages (公众号模板消息).

An access token comes from ``/cgi-bin/token`` (client_credential, the account's AppID and
AppSecret) and is kept until shortly before it expires; a message is a POST to
``/cgi-bin/message/template/send`` for the person's openid, with the template the campaign
names for the kind and the classic ``first / keyword1 / keyword2 / remark`` data, linking to the
page. ``client_msg_id`` (our key) lets WeChat drop a repeat. errcode 40001/42001/40014 (the token
is stale) fetch a new token and are tried again, -1 (busy) and 45009 (frequency limit) are tried
again; 40037 (template id invalid), 43004 (not following the account) and others are parked.
A new token invalidates the last one after a few minutes, so one fetch at a time (a lock): sends
waiting on it use the token it brings."""

import asyncio
import time
from typing import Any

import httpx

from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.provider_answers import number, post_for_json, request_json

STALE_TOKEN = {40001, 40014, 42001}
RETRYABLE = {-1, 45009, 45047}
TOKEN_MARGIN_S = 300


class WeChatTemplates:
    name = "wechat"

    def __init__(self, client: httpx.AsyncClient, api: str, app_id: str, app_secret: str) -> None:
        self.client, self.api = client, api.rstrip("/")
        self.app_id, self.app_secret = app_id, app_secret
        self._token: tuple[str, float] | None = None
        self._fetching = asyncio.Lock()

    async def token(self) -> str:
        async with self._fetching:
            if self._token and self._token[1] > time.monotonic():
                return self._token[0]
            query = {"grant_type": "client_credential", "appid": self.app_id, "secret": self.app_secret}
            status, body = await request_json(self.client, "GET", f"{self.api}/cgi-bin/token", params=query)
            token = body.get("access_token")
            if status != 200 or not isinstance(token, str) or not token:
                code = int(number(body, "errcode"))
                retryable = code in RETRYABLE or status >= 500 or status == 429
                raise SendFailed(
                    f"WeChat token {status}/{code}: {body.get('errmsg')}"[:500], retryable=retryable
                )
            lifetime = number(body, "expires_in", 7200) - TOKEN_MARGIN_S
            self._token = (token, time.monotonic() + max(60.0, lifetime))
            return token

    def payload(self, out: Outgoing, template: str) -> dict[str, Any]:
        message = out.message
        return {
            "touser": out.address,
            "template_id": template,
            "url": message.params.get("link", ""),
            "client_msg_id": out.key[:64],
            "data": {
                "first": {"value": message.subject},
                "keyword1": {"value": message.params.get("title", "")},
                "keyword2": {"value": message.params.get("detail", "") or message.subject},
                "remark": {"value": message.body[:200]},
            },
        }

    async def send(self, out: Outgoing) -> str:
        template = out.campaign.notifications.wechat_templates.get(out.kind)
        if not template:
            raise SendFailed(f"活动未设置微信模板 {out.kind} / no WeChat template", retryable=False)
        url = f"{self.api}/cgi-bin/message/template/send"
        token = await self.token()
        status, body = await post_for_json(
            self.client, url, params={"access_token": token}, json=self.payload(out, template)
        )
        code = int(number(body, "errcode"))
        if status == 200 and code == 0:
            return str(body.get("msgid", ""))
        if code in STALE_TOKEN and self._token and self._token[0] == token:
            self._token = None  # only the token this send used: a newer one may be cached meanwhile
        retryable = code in RETRYABLE or code in STALE_TOKEN or status >= 500
        raise SendFailed(f"WeChat {code}: {body.get('errmsg')}"[:500], retryable=retryable)
