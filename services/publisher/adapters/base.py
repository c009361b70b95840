"""What every adapter offers the delivery worker, and what it hands back."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from contracts import SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.common.links import web_link
from services.common.operator_secrets import OperatorSecrets, SecretNotAllowed
from services.publisher.delivery import Permanent
from services.publisher.signing import SIGNATURE_HEADER, sign


@dataclass(frozen=True)
class Work:
    """One work bound for one target, with the key that makes every try the same request."""

    campaign: Campaign
    target: PublicationTarget
    event: SubmissionReviewed
    media: Mapping[str, str]  # each rendition's link for the platform (payload.media_links)
    idempotency_key: str


@dataclass(frozen=True)
class Answer:
    status: int
    remote_id: str | None = None
    url: str | None = None
    poll_url: str | None = None
    pending: bool = False

    def __post_init__(self) -> None:
        # The platform's address for the work is shown as a link on the showcase: http(s) only.
        object.__setattr__(self, "url", web_link(self.url))


class RemoteFailed(Permanent):
    """The platform accepted the work and later reported that it failed on its side."""


class Adapter(Protocol):
    async def publish(self, work: Work) -> Answer:
        """Create the work on the platform; ``pending`` with a ``poll_url`` when it finishes later."""

    async def poll(self, work: Work, poll_url: str) -> Answer:
        """How an accepted work went: ``pending``, done, or RemoteFailed."""

    async def update(self, work: Work, remote_id: str) -> Answer:
        """Change the platform's copy (e.g. a new award tier)."""

    async def retract(self, target: PublicationTarget, remote_id: str, reason: str, key: str) -> Answer:
        """Take the work down; a platform that no longer has it counts as done."""


def secret_for(secrets: OperatorSecrets, target: PublicationTarget) -> str:
    """The token or HMAC secret the target names, if the operator allows that name and it is set."""
    try:
        value = secrets.value(target)
    except SecretNotAllowed as exc:
        raise Permanent(str(exc)) from exc
    if not value:
        name = target.secret_env
        raise Permanent(
            f"目标 {target.key} 的密钥 {name or '(未指定)'} 未设置"
            f" / the secret {name!r} is not set (environment or ZHENGJI_PUBLISHER_SECRETS_DIR)"
        )
    return value


def auth_headers(secrets: OperatorSecrets, target: PublicationTarget, signed_body: bytes) -> dict[str, str]:
    if target.auth == "bearer":
        return {"Authorization": f"Bearer {secret_for(secrets, target)}"}
    if target.auth == "hmac":
        return {SIGNATURE_HEADER: sign(secret_for(secrets, target), signed_body)}
    return {}
