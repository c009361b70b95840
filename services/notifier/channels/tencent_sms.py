"""Tencent Cloud SMS ``SendSms`` (API 3.0, version 2021-01-11), signed with TC3-HMAC-SHA256.

The canonical request (method, path ``/``, empty query, the signed headers content-type and
host, the body's SHA-256) is hashed into the string to sign with the timestamp and the
credential scope ``<date>/sms/tc3_request``; the key is derived by HMAC-SHA256 from
``"TC3" + SecretKey`` over the date, the service and ``tc3_request`` (Tencent Cloud, "Signature
v3"). An answer carries ``Response.Error`` for the whole request or a per-number ``Code`` in
``SendStatusSet``: ``RequestLimitExceeded``, ``LimitExceeded.*`` and ``InternalError`` are tried
again; ``FailedOperation.TemplateIncorrectOrUnapproved`` and the others are parked."""

import hashlib
import hmac
import json
import time
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import httpx

from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.provider_answers import post_for_json, refused

VERSION = "2021-01-11"
CONTENT_TYPE = "application/json; charset=utf-8"
RETRYABLE = ("RequestLimitExceeded", "LimitExceeded", "InternalError", "FailedOperation.FailResolvePacket")


def _hmac(key: bytes, text: str) -> bytes:
    return hmac.new(key, text.encode(), hashlib.sha256).digest()


def authorization(
    secret_id: str, secret_key: str, host: str, body: bytes, timestamp: int, service: str = "sms"
) -> str:
    day = datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d")
    canonical = "\n".join(
        [
            "POST",
            "/",
            "",
            f"content-type:{CONTENT_TYPE}\nhost:{host}\n",
            "content-type;host",
            hashlib.sha256(body).hexdigest(),
        ]
    )
    scope = f"{day}/{service}/tc3_request"
    to_sign = f"TC3-HMAC-SHA256\n{timestamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
    key = _hmac(_hmac(_hmac(f"TC3{secret_key}".encode(), day), service), "tc3_request")
    signed = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
    return (
        f"TC3-HMAC-SHA256 Credential={secret_id}/{scope}, SignedHeaders=content-type;host, Signature={signed}"
    )


def e164(phone: str) -> str:
    """Tencent wants +86...; people type 138... ."""
    digits = phone.strip().replace(" ", "").replace("-", "")
    return digits if digits.startswith("+") else f"+86{digits}"


class TencentSms:
    name = "sms"

    def __init__(
        self, client: httpx.AsyncClient, endpoint: str, region: str, secret_id: str, secret_key: str
    ) -> None:
        self.client, self.endpoint, self.region = client, endpoint, region
        self.secret_id, self.secret_key = secret_id, secret_key

    def request(
        self, out: Outgoing, template: str, timestamp: int | None = None
    ) -> tuple[dict[str, str], bytes]:
        settings = out.campaign.notifications
        payload: dict[str, Any] = {
            "PhoneNumberSet": [e164(out.address)],
            "SmsSdkAppId": settings.sms_app_id or "",
            "SignName": settings.sms_sign_name or "",
            "TemplateId": template,
            "TemplateParamSet": list(out.message.params.values()),
            "SessionContext": out.key,
        }
        body = json.dumps(payload, ensure_ascii=False).encode()
        when = timestamp if timestamp is not None else int(time.time())
        host = urlsplit(self.endpoint).netloc
        headers = {
            "Authorization": authorization(self.secret_id, self.secret_key, host, body, when),
            "Content-Type": CONTENT_TYPE,
            "Host": host,
            "X-TC-Action": "SendSms",
            "X-TC-Timestamp": str(when),
            "X-TC-Version": VERSION,
            "X-TC-Region": self.region,
        }
        return headers, body

    async def send(self, out: Outgoing) -> str:
        template = out.campaign.notifications.sms_templates.get(out.kind)
        if not template:
            raise SendFailed(
                f"活动未设置短信模板 {out.kind} / no SMS template for {out.kind}", retryable=False
            )
        headers, body = self.request(out, template)
        status, answer = await post_for_json(self.client, self.endpoint, headers=headers, content=body)
        response = answer.get("Response") if isinstance(answer.get("Response"), dict) else {}
        assert isinstance(response, dict)
        if error := response.get("Error"):
            raise refused("Tencent", status, str(error.get("Code")), str(error.get("Message")), RETRYABLE)
        sent = (response.get("SendStatusSet") or [{}])[0]
        code = str(sent.get("Code", ""))
        if status == 200 and code == "Ok":
            return str(sent.get("SerialNo", ""))
        raise refused("Tencent", status, code or str(status), str(sent.get("Message", "")), RETRYABLE)
