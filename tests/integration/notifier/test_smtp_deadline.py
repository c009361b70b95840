"""A mail relay that drips its greeting a byte at a time and never ends the line: each read gets a
byte before the socket's timeout, so only the send's total deadline ends it, as a failure worth
another try, instead of holding a sender for ever (smtplib reads up to 8 KiB for a line)."""

import asyncio

import pytest

from contracts.campaign import Campaign
from services.common.outbound import AllowList, OutboundPolicy
from services.intake.presets import load_preset
from services.notifier.channels.base import Outgoing, SendFailed
from services.notifier.channels.smtp import SmtpChannel
from services.notifier.rendering import Message


async def test_a_relay_that_drips_its_answer_fails_the_send_at_the_deadline_to_be_tried_again() -> None:
    dripped = asyncio.Event()

    async def drip(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                writer.write(b"2")
                await writer.drain()
                dripped.set()
                await asyncio.sleep(0.2)
        except ConnectionError:  # the channel gave up and shut its socket
            writer.close()

    server = await asyncio.start_server(drip, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    policy = OutboundPolicy(AllowList.parse("127.0.0.1"), deadline_s=1.0)
    channel = SmtpChannel(
        policy, "127.0.0.1", port, starttls=False, username=None, password=None, sender="a@b.cn"
    )
    campaign: Campaign = load_preset("yanbian-2024")
    out = Outgoing(
        "k1", "received", "teacher@example.cn", Message("主题", "正文", {}), campaign, "https://x/u"
    )
    try:
        with pytest.raises(SendFailed, match="超时") as failed:
            await channel.send(out)
        assert failed.value.retryable and "SMTP" in failed.value.reason
    finally:
        server.close()
    assert dripped.is_set(), "the channel connected and read from the relay"
