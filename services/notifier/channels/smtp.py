"""E-mail over SMTP, STARTTLS and login as the operator sets them (docs/operations.md, "Notifications").

smtplib is blocking, so each send runs in a thread. The server's host is checked against the
outbound policy first (public addresses, or those ``ZHENGJI_OUTBOUND_ALLOW`` names): the relay is
the operator's, but its name is a setting a mistake could point at anything. As for outbound
HTTP, the connection goes to an address that was checked (no second lookup; STARTTLS still
verifies the name; each address of the name in turn) and the whole send, the lookup included, has
the policy's deadline: past it the socket is shut, so a relay that answers a byte a minute cannot
hold a sender. 4xx answers and broken connections
are tried again; 5xx answers about the recipient are not."""

import asyncio
import contextlib
import smtplib
import socket
import ssl
import threading
from email.message import EmailMessage
from email.utils import formatdate

import httpx

from services.common.outbound import Address, OutboundPolicy, Refused
from services.notifier.channels.base import Outgoing, SendFailed


class _PinnedSMTP(smtplib.SMTP):
    """Connects to an address the policy checked; the host's name stays for TLS to verify.

    ``shut`` may come while the thread is still connecting: the connection made after it is
    closed unused, or the thread would deliver a mail the sender already counted as failed (and
    will send again)."""

    def __init__(self, addresses: list[Address], timeout: float) -> None:
        self.addresses = addresses
        self.abandoned = False
        self._connecting = threading.Lock()  # shut() and a connection's arrival, one at a time
        super().__init__(timeout=timeout)

    def _get_socket(self, host: str, port: int, timeout: float) -> socket.socket:
        self._host = host  # what starttls verifies (smtplib keeps it only when given to __init__)
        failure: OSError = OSError(f"{host} 没有可连接的地址 / {host} has no address to connect to")
        for address in self.addresses:
            try:
                sock = socket.create_connection((str(address), port), timeout, self.source_address)
            except OSError as exc:
                failure = exc  # another address of the name may answer
                continue
            with self._connecting:
                if self.abandoned:
                    sock.close()
                    raise ConnectionAbortedError("发送已放弃 / the send was given up while connecting")
                self.sock = sock  # smtplib sets it too, but only once this returns
            return sock
        raise failure

    def shut(self) -> None:
        """From another thread: a blocked read or write returns at once with an error, and a
        connection still being made is closed when it comes."""
        with self._connecting:
            self.abandoned = True
            sock = self.sock
        if sock is not None:
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
        mail = self.compose(out)
        smtp: _PinnedSMTP | None = None
        try:
            async with asyncio.timeout(self.policy.deadline_s):  # the name's lookup included
                smtp = _PinnedSMTP(await self._addresses(), timeout=self.policy.deadline_s)
                await asyncio.to_thread(self._deliver, smtp, mail)
        except TimeoutError as exc:
            if smtp is not None:
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

    async def _addresses(self) -> list[Address]:
        try:
            return await self.policy.addresses(self.host, self.port)
        except Refused as exc:
            raise SendFailed(f"SMTP 服务器地址不允许 / SMTP host refused: {exc}", retryable=False) from exc
        except httpx.TransportError as exc:  # its name did not resolve: a DNS blip, perhaps
            raise SendFailed(f"SMTP 服务器无法解析 / SMTP host unresolved: {exc}", retryable=True) from exc

    def _deliver(self, smtp: _PinnedSMTP, mail: EmailMessage) -> None:
        smtp.connect(self.host, self.port)
        with smtp:
            if self.tls is not None:
                smtp.starttls(context=self.tls)
            if self.username:
                smtp.login(self.username, self.password or "")
            smtp.send_message(mail)
