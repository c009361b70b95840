"""Aliyun SMS (短信服务) ``SendSms``, signed as its RPC API specifies (signature version 1.0).

The request is the API's parameters plus the common ones (AccessKeyId, a fresh SignatureNonce,
the UTC Timestamp); the signature is HMAC-SHA1, keyed with the AccessKey secret and "&", over
``POST&%2F&`` and the percent-encoded, sorted query, base64-encoded (Alibaba Cloud, "RPC
request signature"). The answer's ``Code`` is "OK" or an error: ``isv.BUSINESS_LIMIT_CONTROL``
(the provider's own rate limit), ``Throttling.*`` and ``isp.SYSTEM_ERROR`` are tried again;
``isv.SMS_TEMPLATE_ILLEGAL`` (template not approved) and the others are parked."""

import base64
import hashlib
import hmac
import json
import secrets
from datetime import UTC, datetime
from urllib.parse import quote

import httpx

from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.provider_answers import post_for_json, refused

VERSION = "2017-05-25"
RETRYABLE = ("isv.BUSINESS_LIMIT_CONTROL", "Throttling", "isp.SYSTEM_ERROR", "ServiceUnavailable")


def percent(text: str) -> str:
    """RFC 3986 encoding as the signature wants it: space as %20, ``*`` as %2A, ``~`` kept."""
    return quote(text, safe="-_.~")


def signature(params: dict[str, str], secret: str, method: str = "POST") -> str:
    query = "&".join(f"{percent(k)}={percent(v)}" for k, v in sorted(params.items()))
    to_sign = f"{method}&{percent('/')}&{percent(query)}"
    digest = hmac.new(f"{secret}&".encode(), to_sign.encode(), hashlib.sha1).digest()
    return base64.b64encode(digest).decode()


class AliyunSms:
    name = "sms"

    def __init__(self, client: httpx.AsyncClient, endpoint: str, key_id: str, key_secret: str) -> None:
        self.client, self.endpoint = client, endpoint
        self.key_id, self.key_secret = key_id, key_secret

    def request(self, out: Outgoing, template: str, now: datetime | None = None) -> dict[str, str]:
        settings = out.campaign.notifications
        params = {
            "AccessKeyId": self.key_id,
            "Action": "SendSms",
            "Format": "JSON",
            "PhoneNumbers": out.address,
            "RegionId": "cn-hangzhou",
            "SignName": settings.sms_sign_name or "",
            "SignatureMethod": "HMAC-SHA1",
            "SignatureNonce": secrets.token_hex(16),
            "SignatureVersion": "1.0",
            "TemplateCode": template,
            "TemplateParam": json.dumps(out.message.params, ensure_ascii=False),
            "Timestamp": (now or datetime.now(UTC)).strftime("%Y-%m-%dT%H:%M:%SZ"),
            "Version": VERSION,
            "OutId": out.key[:64],
        }
        return {**params, "Signature": signature(params, self.key_secret)}

    async def send(self, out: Outgoing) -> str:
        template = out.campaign.notifications.sms_templates.get(out.kind)
        if not template:
            raise SendFailed(
                f"活动未设置短信模板 {out.kind} / no SMS template for {out.kind}", retryable=False
            )
        status, body = await post_for_json(self.client, self.endpoint, data=self.request(out, template))
        code = str(body.get("Code", ""))
        if status == 200 and code == "OK":
            return str(body.get("BizId", ""))
        raise refused("Aliyun", status, code or str(status), str(body.get("Message", "")), RETRYABLE)
