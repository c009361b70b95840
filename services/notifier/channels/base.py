"""What every channel is given and how it fails.

A channel sends one message to one address and says whether a failure is worth another try
(the provider throttled, answered 5xx or could not be reached) or not (the template is not
approved, the number is invalid): the sender retries the first kind with backoff and parks
the second at once (``sending.py``). ``key`` names the message for ever (event, person,
channel): channels pass it on where the provider keeps one (Message-ID, OutId,
SessionContext, client_msg_id), so a send repeated after a crash can be recognised."""

from dataclasses import dataclass
from typing import Protocol

from contracts.campaign import Campaign
from services.notifier.rendering import Message


@dataclass(frozen=True)
class Outgoing:
    key: str
    kind: str
    address: str
    message: Message
    campaign: Campaign
    unsubscribe_url: str


class SendFailed(Exception):
    def __init__(self, reason: str, *, retryable: bool, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.reason, self.retryable, self.retry_after_s = reason, retryable, retry_after_s


class Channel(Protocol):
    name: str

    async def send(self, out: Outgoing) -> str:
        """Send ``out``; the provider's id for it. Raises SendFailed."""
        ...
