"""E-mail over SMTP, STARTTLS and login as the operator sets them (docs/operations.md, "Notifications").

smtplib is blocking, so each send runs in a thread. The server's host is checked against the
outbound policy first (public addresses, or those ``ZHENGJI_OUTBOUND_ALLOW`` names): the relay is
the operator's, but its name is a setting a mistake could point at anything. As for outbound
HTTP, the connection goes to an address that was checked (no second lookup; STARTTLS still
verifies the name) and the whole send has the policy's deadline: past it the socket is shut, so
a relay that answers a byte a minute cannot hold a sender. 4xx answers and broken connections
are tried again; 5xx answers about the recipient are not."""

import asyncio
import contextlib
import smtplib
import socket
import ssl
from email.message import EmailMessage
from email.utils import formatdate

import httpx

from services.common.outbound import Address, OutboundPolicy, Refused
from services.notifier.channels.base import Outgoing, SendFailed


class _PinnedSMTP(smtplib.SMTP):
    """Connects to an address the policy checked; the host's name stays for TLS to verify."""

    def __init__(self, address: Address, timeout: float) -> None:
        self.address = address
        super().__init__(timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        self._host = host  # what starttls verifies (smtplib keeps it only when given to __init__)
        return socket.create_connection((str(self.address), port), timeout, self.source_address)

    def shut(self) -> None:
        """From another thread: a blocked read or write returns at once with an error."""
        if (sock := self.sock) is not None:
            with contextlib.suppress(OSError):  # already closed
                sock.shutdown(socket.SHUT_RDWR)


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
        self.username, self.password = username, password
        self.sender = sender
        self.tls = ssl.create_default_context(cafile=cafile) if starttls else None

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
            [address, *_] = await self.policy.addresses(self.host, self.port)
        except Refused as exc:
            raise SendFailed(f"SMTP 服务器地址不允许 / SMTP host refused: {exc}", retryable=False) from exc
        except httpx.TransportError as exc:  # its name did not resolve: a DNS blip, perhaps
            raise SendFailed(f"SMTP 服务器无法解析 / SMTP host unresolved: {exc}", retryable=True) from exc
        mail = self.compose(out)
        smtp = _PinnedSMTP(address, timeout=self.policy.deadline_s)
        try:
            await asyncio.wait_for(asyncio.to_thread(self._deliver, smtp, mail), self.policy.deadline_s)
        except TimeoutError as exc:
            smtp.shut()  # the thread's next read fails and it ends; the message is tried again
            raise SendFailed(
                f"SMTP 超时 / SMTP took over {self.policy.deadline_s:.0f} s", retryable=True
            ) from exc
        except smtplib.SMTPRecipientsRefused as exc:
            raise SendFailed(f"收件地址被拒 / recipient refused: {exc.recipients}", retryable=False) from exc
        except smtplib.SMTPResponseException as exc:
            text = f"SMTP {exc.smtp_code}: {exc.smtp_error!r}"
            raise SendFailed(text, retryable=exc.smtp_code < 500) from exc
        except (smtplib.SMTPException, OSError) as exc:
            raise SendFailed(f"SMTP 连接失败 / SMTP failed: {exc!r}", retryable=True) from exc
        return str(mail["Message-ID"])

    def _deliver(self, smtp: _PinnedSMTP, mail: EmailMessage) -> None:
        smtp.connect(self.host, self.port)
        with smtp:
            if self.tls is not None:
                smtp.starttls(context=self.tls)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)
