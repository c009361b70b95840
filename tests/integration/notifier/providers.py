"""Local stand-ins for the services the notifier talks to, each checking requests its own way.

- ``MailServer``: a real SMTP server on loopback (aiosmtpd) that requires STARTTLS and a login,
  and keeps every message it accepts.
- ``Aliyun``, ``Tencent``, ``WeChat``: HTTP servers that check a request as the provider's
  documentation specifies (the signature recomputed here from the request as received, not
  with the notifier's code), and answer as the provider does, playing a ``script`` of answers
  ("ok", "throttled", "unapproved", "server_error"; the last one repeats).
Served with ``zhengji.standin.serving``."""

import base64
import hashlib
import hmac
import json
import ssl
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email import message_from_bytes, policy
from email.message import EmailMessage
from pathlib import Path
from typing import Any
from urllib.parse import quote

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from zhengji.ports import free_port

SMTP_USER, SMTP_PASSWORD = "zhengji@example.cn", "smtp-pass"
ALIYUN_KEY = ("LTAI-test-id", "aliyun-test-secret")
TENCENT_KEY = ("AKID-test-id", "tencent-test-key")
WECHAT_APP = ("wx-test-app", "wechat-test-secret")


@dataclass
class Scripted:
    script: list[str] = field(default_factory=lambda: ["ok"])
    received: list[dict[str, Any]] = field(default_factory=list)  # accepted sends
    refused: list[str] = field(default_factory=list)  # what each refused request was told
    answers: int = 0
    port: int = 0

    def next_answer(self) -> str:
        answer = self.script[min(self.answers, len(self.script) - 1)]
        self.answers += 1
        return answer


class MailServer:
    """SMTP with STARTTLS required before AUTH, and AUTH required before MAIL."""

    def __init__(self, cert: Path, key: Path) -> None:
        self.messages: list[EmailMessage] = []
        self.port = free_port()
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        context.load_cert_chain(cert, key)
        self.controller = Controller(
            self,
            hostname="127.0.0.1",
            port=self.port,
            tls_context=context,
            require_starttls=True,
            authenticator=self.authenticate,
            auth_required=True,
            auth_require_tls=True,
        )

    def authenticate(self, server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            SMTP_USER.encode(),
            SMTP_PASSWORD.encode(),
        )
        return AuthResult(success=ok)

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        mail = message_from_bytes(envelope.content, policy=policy.default)
        assert isinstance(mail, EmailMessage)
        self.messages.append(mail)
        return "250 Message accepted for delivery"

    def to(self, address: str) -> list[EmailMessage]:
        return [m for m in self.messages if m["To"] == address]


def _pct(text: str) -> str:
    return quote(text, safe="-_.~")


@dataclass
class Aliyun(Scripted):
    """Dysmsapi SendSms: a form POST signed with RPC signature v1 (HMAC-SHA1)."""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/")
        async def send(request: Request) -> JSONResponse:
            form = dict((await request.form()).items())
            params = {k: str(v) for k, v in form.items() if k != "Signature"}
            canonical = "&".join(f"{_pct(k)}={_pct(params[k])}" for k in sorted(params))
            to_sign = "POST&%2F&" + _pct(canonical)
            key = (ALIYUN_KEY[1] + "&").encode()
            expected = base64.b64encode(hmac.new(key, to_sign.encode(), hashlib.sha1).digest()).decode()
            if form.get("Signature") != expected or params.get("AccessKeyId") != ALIYUN_KEY[0]:
                return self._refuse(400, "SignatureDoesNotMatch", "Specified signature is not matched")
            if params.get("Action") != "SendSms" or params.get("Version") != "2017-05-25":
                return self._refuse(400, "InvalidAction", "bad action")
            answer = self.next_answer()
            if answer == "throttled":
                return self._refuse(200, "isv.BUSINESS_LIMIT_CONTROL", "触发分钟级流控Permits:1")
            if answer == "unapproved":
                return self._refuse(200, "isv.SMS_TEMPLATE_ILLEGAL", "该账号下找不到对应模板")
            if answer == "server_error":
                return self._refuse(500, "isp.SYSTEM_ERROR", "system error")
            self.received.append({**params, "TemplateParam": json.loads(params["TemplateParam"])})
            return JSONResponse(
                {"Code": "OK", "Message": "OK", "BizId": f"biz-{len(self.received)}", "RequestId": "r"}
            )

        return app

    def _refuse(self, status: int, code: str, message: str) -> JSONResponse:
        self.refused.append(code)
        return JSONResponse({"Code": code, "Message": message, "RequestId": "r"}, status_code=status)


@dataclass
class Tencent(Scripted):
    """SMS SendSms API 3.0: a JSON POST signed with TC3-HMAC-SHA256 over content-type and host."""

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/")
        async def send(request: Request) -> JSONResponse:
            body = await request.body()
            stamp = request.headers.get("x-tc-timestamp", "0")
            if not self._signed(request, body, stamp):
                return self._error(
                    "AuthFailure.SignatureFailure", "The provided credentials could not be validated."
                )
            payload = json.loads(body)
            answer = self.next_answer()
            if answer == "throttled":
                return self._status(
                    payload, "LimitExceeded.PhoneNumberThirtySecondLimit", "30秒内超过频率限制"
                )
            if answer == "unapproved":
                return self._status(payload, "FailedOperation.TemplateIncorrectOrUnapproved", "模板未审批")
            if answer == "server_error":
                return self._error("InternalError", "internal error")
            self.received.append(payload)
            return self._status(payload, "Ok", "send success")

        return app

    def _signed(self, request: Request, body: bytes, stamp: str) -> bool:
        auth = request.headers.get("authorization", "")
        day = datetime.fromtimestamp(int(stamp), UTC).strftime("%Y-%m-%d")
        canonical = (
            f"POST\n/\n\ncontent-type:{request.headers.get('content-type')}\n"
            f"host:{request.headers.get('host')}\n\n"
            f"content-type;host\n{hashlib.sha256(body).hexdigest()}"
        )
        scope = f"{day}/sms/tc3_request"
        to_sign = f"TC3-HMAC-SHA256\n{stamp}\n{scope}\n{hashlib.sha256(canonical.encode()).hexdigest()}"
        key = ("TC3" + TENCENT_KEY[1]).encode()
        for part in (day, "sms", "tc3_request"):
            key = hmac.new(key, part.encode(), hashlib.sha256).digest()
        signature = hmac.new(key, to_sign.encode(), hashlib.sha256).hexdigest()
        wanted = (
            f"Credential={TENCENT_KEY[0]}/{scope}, SignedHeaders=content-type;host, Signature={signature}"
        )
        return auth == f"TC3-HMAC-SHA256 {wanted}" and request.headers.get("x-tc-action") == "SendSms"

    def _status(self, payload: dict[str, Any], code: str, message: str) -> JSONResponse:
        if code != "Ok":
            self.refused.append(code)
        sent = {
            "SerialNo": "s1",
            "PhoneNumber": payload["PhoneNumberSet"][0],
            "Fee": 1,
            "Code": code,
            "Message": message,
        }
        return JSONResponse({"Response": {"SendStatusSet": [sent], "RequestId": "r"}})

    def _error(self, code: str, message: str) -> JSONResponse:
        self.refused.append(code)
        return JSONResponse({"Response": {"Error": {"Code": code, "Message": message}, "RequestId": "r"}})


@dataclass
class WeChat(Scripted):
    """Official account: /cgi-bin/token, then template sends with that access token."""

    tokens: int = 0

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.get("/cgi-bin/token")
        async def token(grant_type: str, appid: str, secret: str) -> JSONResponse:
            if (appid, secret) != WECHAT_APP or grant_type != "client_credential":
                return JSONResponse({"errcode": 40125, "errmsg": "invalid appsecret"})
            self.tokens += 1
            return JSONResponse({"access_token": f"token-{self.tokens}", "expires_in": 7200})

        @app.post("/cgi-bin/message/template/send")
        async def send(request: Request, access_token: str) -> JSONResponse:
            if access_token != f"token-{self.tokens}":
                self.refused.append("40001")
                return JSONResponse({"errcode": 40001, "errmsg": "invalid credential"})
            answer = self.next_answer()
            if answer == "stale":
                self.tokens += 1  # as when the token was refreshed elsewhere
                self.refused.append("42001")
                return JSONResponse({"errcode": 42001, "errmsg": "access_token expired"})
            if answer == "unapproved":
                self.refused.append("40037")
                return JSONResponse({"errcode": 40037, "errmsg": "invalid template_id"})
            self.received.append(json.loads(await request.body()))
            return JSONResponse({"errcode": 0, "errmsg": "ok", "msgid": len(self.received)})

        return app
