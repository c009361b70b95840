"""E-mail over SMTP, STARTTLS and login as the operator sets them (docs/operations.md, "Notifications").

smtplib is blocking, so each send runs in a thread with the outbound deadline as its socket
timeout. The server's host is checked against the outbound policy first (public addresses, or
those ``ZHENGJI_OUTBOUND_ALLOW`` names): the relay is the operator's, but its name is a setting
a mistake could point at anything. 4xx answers and broken connections are tried again; 5xx
answers about the recipient are not."""

import asyncio
import smtplib
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import httpx

from services.common.outbound import OutboundPolicy, Refused
from services.notifier.channels.base import Outgoing, SendFailed


class SmtpChannel:
    name = "email"

    def __init__(
        self,
        policy: OutboundPolicy,
        host: str,
        port: int,
        *,
        starttls: bool,
        username: str | None,
        password: str | None,
        sender: str,
        cafile: str | None = None,
    ) -> None:
        self.policy, self.host, self.port = policy, host, port
        self.starttls, self.username, self.password = starttls, username, password
        self.sender, self.cafile = sender, cafile

    def compose(self, out: Outgoing) -> EmailMessage:
        mail = EmailMessage()
        mail["From"] = self.sender
        mail["To"] = out.address
        mail["Subject"] = out.message.subject
        mail["Date"] = formatdate(localtime=False)
        mail["Message-ID"] = f"<{out.key.replace(':', '.')}@zhengji>"
        # RFC 8058 one-click unsubscribe: mail clients show their own button for it.
        mail["List-Unsubscribe"] = f"<{out.unsubscribe_url}>"
        mail["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
        footer = f"\n\n-- \n不想再收到此类邮件？退订 / Unsubscribe: {out.unsubscribe_url}\n"
        mail.set_content(out.message.body + footer)
        return mail

    async def send(self, out: Outgoing) -> str:
        try:
            await self.policy.addresses(self.host, self.port)
        except Refused as exc:
            raise SendFailed(f"SMTP 服务器地址不允许 / SMTP host refused: {exc}", retryable=False) from exc
        except httpx.TransportError as exc:  # its name did not resolve: a DNS blip, perhaps
            raise SendFailed(f"SMTP 服务器无法解析 / SMTP host unresolved: {exc}", retryable=True) from exc
        mail = self.compose(out)
        try:
            await asyncio.to_thread(self._deliver, mail)
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"收件地址被拒 / recipient refused: {exc.recipients}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            raise SendFailed(text, retryable=exc.smtp_code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP 连接失败 / SMTP failed: {exc!r}", retryable=True) from exc
        return str(mail["Message-ID"])

    def _deliver(self, mail: EmailMessage) -> None:
        with smtplib.SMTP(self.host, self.port, timeout=self.policy.deadline_s) as smtp:
            if self.starttls:
                smtp.starttls(context=ssl.create_default_context(cafile=self.cafile))
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)
