"""Signed unsubscribe links: who and which channel, so a click needs no login.

The token is ``[person, channel]`` signed with itsdangerous (as intake signs its session cookie),
with a key from ``ZHENGJI_NOTIFIER_LINK_SECRET`` or, when unset, one made once and kept in the
notifier's store (every replica reads the same). It does not expire: an unsubscribe link in a
year-old e-mail still works, and all it can do is stop messages."""

import secrets
from typing import Any

from itsdangerous import BadData, URLSafeSerializer
from pymongo.asynchronous.collection import AsyncCollection

from services.common.settings import Settings


class UnsubscribeLinks:
    def __init__(self, key: bytes, base_url: str) -> None:
        self.signer = URLSafeSerializer(key, salt="zhengji-unsubscribe")
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
            return None
        ok = isinstance(person, str) and isinstance(channel, str) and person and channel
        return (person, channel) if ok else None
