"""The signed-webhook adapter: a platform that takes zhengji's pushes at one URL.

Each push is a JSON document ``{"type": "work.published" | "work.updated" |
"work.retracted", "id": <idempotency key>, ...}`` signed like every webhook
zhengji sends (``Zhengji-Signature: t=...,v1=...``, see docs/webhooks.md).
The platform's id is taken from its answer (``id``) when it gives one,
otherwise zhengji's key stands for it. ``post_signed`` also carries the
deliveries to webhook subscribers."""

import json
from typing import Any

import httpx

from contracts.campaign import PublicationTarget
from services.common.operator_secrets import OperatorSecrets
from services.publisher.adapters.base import Answer, Work, secret_for
from services.publisher.delivery import Permanent, body_of, check, send
from services.publisher.payload import public_payload
from services.publisher.signing import SIGNATURE_HEADER, sign


async def post_signed(
    client: httpx.AsyncClient,
    url: str,
    secret: str,
    body: bytes,
    headers: dict[str, str],
    timeout_s: float,
) -> httpx.Response:
    request = client.build_request(
        "POST",
        url,
        content=body,
        headers={"Content-Type": "application/json", SIGNATURE_HEADER: sign(secret, body), **headers},
        timeout=timeout_s,
    )
    return check(await send(client, request))


class WebhookAdapter:
    def __init__(self, client: httpx.AsyncClient, secrets: OperatorSecrets) -> None:
        self.client = client
        self.secrets = secrets

    async def publish(self, work: Work) -> Answer:
        return await self._push(work.target, work.idempotency_key, "work.published", self._work(work))

    async def poll(self, work: Work, poll_url: str) -> Answer:
        return Answer(200, pending=False)  # a push is done when it is answered

    async def update(self, work: Work, remote_id: str) -> Answer:
        answer = await self._push(
            work.target, work.idempotency_key, "work.updated", {**self._work(work), "remote_id": remote_id}
        )
        return Answer(answer.status, remote_id, answer.url)

    async def retract(self, target: PublicationTarget, remote_id: str, reason: str, key: str) -> Answer:
        return await self._push(target, key, "work.retracted", {"remote_id": remote_id, "reason": reason})

    def _work(self, work: Work) -> dict[str, Any]:
        return {"work": public_payload(work.campaign, work.target, work.event, work.media)}

    async def _push(self, target: PublicationTarget, key: str, kind: str, fields: dict[str, Any]) -> Answer:
        if not target.url:
            raise Permanent(f"目标 {target.key} 未配置平台地址 / the target has no URL configured")
        body = json.dumps({"type": kind, "id": key, **fields}, ensure_ascii=False).encode()
        response = await post_signed(
            self.client,
            target.url,
            secret_for(self.secrets, target),
            body,
            {"Idempotency-Key": key},
            target.timeout_s,
        )
        answer = body_of(response)
        remote_id = answer.get("id")
        return Answer(response.status_code, str(remote_id) if remote_id else key, answer.get("url"))
