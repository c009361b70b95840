"""The SMTP channel's connection: each address of the relay's name in turn, no address at all a
failure worth another try, the name's lookup inside the send's deadline, and a connection that
arrives after the send gave up closed unused (else the mail would go out after its failure was
recorded, and once more on the retry). The network is a socket pair; this side plays the relay."""

import asyncio
import contextlib
import ipaddress
import socket
import threading
from dataclasses import dataclass

import pytest

from services.common.outbound import Address, AllowList, OutboundPolicy
from services.intake.presets import load_preset
from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.smtp import SmtpChannel
from services.notifier.rendering import Message

FIRST, SECOND = ipaddress.ip_address("192.0.2.1"), ipaddress.ip_address("192.0.2.2")


class Relay:
    """An SMTP relay on one end of a socket pair, in a thread: says yes to everything and keeps
    the commands it was given, until the other end closes or says QUIT."""

    def __init__(self) -> None:
        self.ours, self.theirs = socket.socketpair()
        self.commands: list[str] = []
        self.thread = threading.Thread(target=self.serve, daemon=True)
        self.thread.start()

    def serve(self) -> None:
        # Closed with the greeting unread, the other end resets rather than ends the stream.
        with self.ours, self.ours.makefile("rwb") as line, contextlib.suppress(ConnectionResetError):
            line.write(b"220 relay\r\n")
            line.flush()
            for command in line:
                verb = command.decode().split(" ")[0].strip().upper()
                self.commands.append(verb)
                if verb == "DATA":
                    line.write(b"354 go on\r\n")
                    line.flush()
                    while next(line, b".\r\n") != b".\r\n":
                        pass
                line.write(b"221 bye\r\n" if verb == "QUIT" else b"250 ok\r\n")
                line.flush()
                if verb == "QUIT":
                    return


@dataclass(frozen=True)
class Resolved(OutboundPolicy):
    """A policy whose lookup of any name finds ``found`` (or never ends, ``hangs``)."""

    found: tuple[Address, ...] = ()
    hangs: bool = False

    async def addresses(self, host: str, port: int) -> list[Address]:
        if self.hangs:
            await asyncio.Event().wait()
        return list(self.found)


def connecting_to(
    monkeypatch: pytest.MonkeyPatch, relays: dict[str, Relay], gate: threading.Event | None = None
) -> list[str]:
    """Connections reach the relay named for their address (after ``gate``); others are refused.
    Returns the addresses tried, in order."""
    tried: list[str] = []

    def create_connection(address: tuple[str, int], *_: object) -> socket.socket:
        tried.append(address[0])
        if address[0] not in relays:
            raise ConnectionRefusedError(f"{address[0]} refused")
        if gate is not None:
            gate.wait()
        return relays[address[0]].theirs

    monkeypatch.setattr(socket, "create_connection", create_connection)
    return tried


def channel(policy: OutboundPolicy) -> SmtpChannel:
    return SmtpChannel(
        policy, "relay.example.cn", 25, starttls=False, username=None, password=None, sender="a@b.cn"
    )


def outgoing() -> Outgoing:
    campaign = load_preset("yanbian-2024")
    return Outgoing(
        "k1", "received", "teacher@example.cn", Message("主题", "正文", {}), campaign, "https://x/u"
    )


async def test_the_relay_is_reached_at_its_next_address_when_the_first_refuses(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay = Relay()
    tried = connecting_to(monkeypatch, {str(SECOND): relay})
    await channel(Resolved(AllowList(), found=(FIRST, SECOND))).send(outgoing())
    await asyncio.to_thread(relay.thread.join)
    assert tried == [str(FIRST), str(SECOND)]
    assert relay.commands == ["EHLO", "MAIL", "RCPT", "DATA", "QUIT"]


async def test_a_name_with_no_address_fails_the_send_to_be_tried_again() -> None:
    with pytest.raises(SendFailed) as failed:
        await channel(Resolved(AllowList(), found=())).send(outgoing())
    assert failed.value.retryable


@pytest.mark.timeout(60)  # without the deadline around the lookup this send never ends
async def test_a_lookup_that_never_answers_fails_the_send_at_the_deadline() -> None:
    with pytest.raises(SendFailed, match="超时") as failed:
        await channel(Resolved(AllowList(), deadline_s=0.2, hangs=True)).send(outgoing())
    assert failed.value.retryable


async def test_a_connection_made_after_the_deadline_is_closed_without_a_word(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    relay, gate = Relay(), threading.Event()
    connecting_to(monkeypatch, {str(FIRST): relay}, gate)
    with pytest.raises(SendFailed, match="超时"):
        await channel(Resolved(AllowList(), deadline_s=0.2, found=(FIRST,))).send(outgoing())
    gate.set()  # the connection is made now, after the failure was recorded
    await asyncio.to_thread(relay.thread.join)
    assert relay.commands == [], "no mail goes out for a send already counted as failed"
