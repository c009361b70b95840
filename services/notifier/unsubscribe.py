"""Signed unsubscribe links: who and which channel, so a click needs no login.

The token is ``[person, channel]`` signed with itsdangerous (as intake signs its session cookie),
with a key from ``ZHENGJI_NOTIFIER_LINK_SECRET`` or, when unset, one made once and kept in the
notifier's store (every replica reads the same). It does not expire: an unsubscribe link in a
year-old e-mail still works, and all it can do is stop messages. So links of the first format
(before itsdangerous: ``base64url(person + "\\n" + channel) + "." + base64url(HMAC-SHA256)``,
with the same key) are still read; only the new format is written."""

import base64
import binascii
import hashlib
import hmac
import secrets
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from pymongo.asynchronous.collection import AsyncCollection

from services.common.settings import Settings


class UnsubscribeLinks:
    def __init__(self, key: bytes, base_url: str) -> None:
        self.signer = URLSafeSerializer(key, salt="zhengji-unsubscribe")
        self.key = key
        self.base_url = base_url.rstrip("/")

    @classmethod
    async def load(cls, settings: Settings, config: AsyncCollection[dict[str, Any]]) -> "UnsubscribeLinks":
        if settings.notifier_link_secret is not None:
            return cls(settings.notifier_link_secret.get_secret_value().encode(), settings.base_url())
        made = secrets.token_hex(32)
        await config.update_one({"_id": "link_secret"}, {"$setOnInsert": {"value": made}}, upsert=True)
        doc = await config.find_one({"_id": "link_secret"})
        return cls(str((doc or {})["value"]).encode(), settings.base_url())

    def token(self, person_id: str, channel: str) -> str:
        return str(self.signer.dumps([person_id, channel]))

    def url(self, person_id: str, channel: str) -> str:
        return f"{self.base_url}/notifications/unsubscribe?token={self.token(person_id, channel)}"

    def read(self, token: str) -> tuple[str, str] | None:
        """The person and channel a token names, or None when it is not one of ours."""
        try:
            person, channel = self.signer.loads(token)
        except (BadData, TypeError, ValueError):  # not ours, or ours with another shape
            return self._first_format(token)
        ok = isinstance(person, str) and isinstance(channel, str) and person and channel
        return (person, channel) if ok else None

    def _first_format(self, token: str) -> tuple[str, str] | None:
        """A link mailed before the switch to itsdangerous, or None."""
        what, _, mac = token.partition(".")
        expected = _b64(hmac.new(self.key, what.encode(), hashlib.sha256).digest())
        # Bytes: compare_digest refuses str with characters beyond ASCII (any token may come in).
        if not what or not hmac.compare_digest(mac.encode(), expected.encode()):
            return None
        try:
            person, _, channel = (
                base64.urlsafe_b64decode(what + "=" * (-len(what) % 4)).decode().partition("\n")
            )
        except (binascii.Error, ValueError):
            return None
        return (person, channel) if person and channel else None


def _b64(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")
