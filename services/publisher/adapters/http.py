"""The generic HTTP adapter: a platform with a REST API.

- publish: POST to the target's URL, JSON metadata (field mapping in the
  campaign) with media linked by URL, or multipart with the rendition's bytes
  ("metadata" part + "file" part; the HMAC signs the metadata part, which
  carries the file's sha256 when the mapping asks for ``media_sha256``).
- asynchronous platforms answer with a status URL (``poll_url_field``); it is
  polled until its ``status`` says done or failed.
- update: PUT ``{url}/{remote_id}``; retract: DELETE ``{url}/{remote_id}``.
Every request carries the same ``Idempotency-Key`` for one (submission, target).
A platform that answers a repeated key with 409 and the id it already has
counts as a success: the work is there, once."""

import json
import mimetypes
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import IO, Any
from urllib.parse import urljoin

import httpx

from contracts import BlobRef
from contracts.campaign import PublicationTarget
from services.common.blobs import BlobStore, BlobUnavailable
from services.common.operator_secrets import OperatorSecrets
from services.publisher.adapters.base import Answer, RemoteFailed, Work, auth_headers
from services.publisher.delivery import Permanent, body_of, check, send
from services.publisher.payload import chosen_rendition, public_payload
from services.publisher.targets import platform_of

DONE = {"done", "published", "succeeded", "success", "online"}
FAILED = {"failed", "rejected", "error"}


class HttpAdapter:
    def __init__(self, client: httpx.AsyncClient, blobs: BlobStore, secrets: OperatorSecrets) -> None:
        self.client = client
        self.blobs = blobs
        self.secrets = secrets

    async def publish(self, work: Work) -> Answer:
        target = work.target
        url = _url(target)
        payload = public_payload(work.campaign, target, work.event, work.media)
        metadata = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Idempotency-Key": work.idempotency_key, **auth_headers(self.secrets, target, metadata)}
        if target.media == "multipart":
            rendition = chosen_rendition(target, work.event)
            if rendition is None:
                raise Permanent(
                    f"作品没有 {target.rendition} 版本 / no {target.rendition} rendition to upload"
                )
            extension = mimetypes.guess_extension(rendition.blob.media_type) or ""
            async with self._local_copy(rendition.blob, target.rendition) as path:
                with path.open("rb") as media:
                    files: dict[str, tuple[str | None, IO[bytes] | bytes, str]] = {
                        "metadata": (None, metadata, "application/json"),
                        "file": (f"{work.event.submission_id}{extension}", media, rendition.blob.media_type),
                    }
                    request = self.client.build_request(
                        "POST", url, files=files, headers=headers, timeout=target.timeout_s
                    )
                    response = await send(self.client, request)
        else:
            headers["Content-Type"] = "application/json"
            request = self.client.build_request(
                "POST", url, content=metadata, headers=headers, timeout=target.timeout_s
            )
            response = await send(self.client, request)
        return self._answer(target, _accept_conflict(response, target))

    @asynccontextmanager
    async def _local_copy(self, blob: BlobRef, rendition: str) -> AsyncIterator[Path]:
        try:
            async with self.blobs.local_copy(blob) as path:
                yield path
        except BlobUnavailable as exc:
            raise Permanent(f"媒体文件缺失 / the {rendition} file is missing from the blob store") from exc

    async def poll(self, work: Work, poll_url: str) -> Answer:
        target = work.target
        request = self.client.build_request(
            "GET", poll_url, headers=auth_headers(self.secrets, target, b""), timeout=target.timeout_s
        )
        response = check(await send(self.client, request))
        body = body_of(response)
        status = str(body.get("status", "")).lower()
        if status in FAILED:
            reason = body.get("reason") or body.get("error") or status
            raise RemoteFailed(
                f"平台报告失败 / the platform reported failure: {reason}", response.status_code
            )
        if status in DONE:
            return Answer(response.status_code, _remote_id(target, body), body.get("url"))
        return Answer(response.status_code, _remote_id(target, body), pending=True)

    async def update(self, work: Work, remote_id: str) -> Answer:
        target = work.target
        payload = public_payload(work.campaign, target, work.event, work.media)
        body = json.dumps(payload, ensure_ascii=False).encode()
        headers = {"Content-Type": "application/json", **auth_headers(self.secrets, target, body)}
        request = self.client.build_request(
            "PUT", _item_url(target, remote_id), content=body, headers=headers, timeout=target.timeout_s
        )
        response = check(await send(self.client, request))
        answer = self._answer(target, response)
        return Answer(answer.status, answer.remote_id or remote_id, answer.url)

    async def retract(self, target: PublicationTarget, remote_id: str, reason: str, key: str) -> Answer:
        body = json.dumps({"reason": reason}, ensure_ascii=False).encode()
        headers = {
            "Content-Type": "application/json",
            "Idempotency-Key": key,
            **auth_headers(self.secrets, target, body),
        }
        request = self.client.build_request(
            "DELETE", _item_url(target, remote_id), content=body, headers=headers, timeout=target.timeout_s
        )
        response = await send(self.client, request)
        if response.status_code in (404, 410):
            return Answer(response.status_code, remote_id)  # already gone: what a retraction wants
        return Answer(check(response).status_code, remote_id)

    def _answer(self, target: PublicationTarget, response: httpx.Response) -> Answer:
        body = body_of(response)
        remote_id = _remote_id(target, body)
        poll_url = body.get(target.poll_url_field) if target.poll_url_field else None
        if poll_url and str(body.get("status", "")).lower() not in DONE:
            status_url = urljoin(_url(target), str(poll_url))
            if platform_of(status_url) != platform_of(target.url):
                # It would be asked with the target's token: only the platform itself may be.
                raise Permanent(
                    f"平台给出的状态地址 {status_url} 不在平台 {platform_of(target.url)} 上，不予查询"
                    f" / the status URL {status_url!r} is not on the target's host; not polled"
                )
            return Answer(response.status_code, remote_id, body.get("url"), status_url, True)
        return Answer(response.status_code, remote_id, body.get("url"))


def _accept_conflict(response: httpx.Response, target: PublicationTarget) -> httpx.Response:
    if response.status_code == 409 and _remote_id(target, body_of(response)):
        return response
    return check(response)


def _remote_id(target: PublicationTarget, body: dict[str, Any]) -> str | None:
    value: Any = body
    for name in target.remote_id_field.split("."):
        value = value.get(name) if isinstance(value, dict) else None
    return None if value is None else str(value)


def _url(target: PublicationTarget) -> str:
    if not target.url:
        raise Permanent(f"目标 {target.key} 未配置平台地址 / the target has no URL configured")
    return target.url


def _item_url(target: PublicationTarget, remote_id: str) -> str:
    return f"{_url(target).rstrip('/')}/{remote_id}"
