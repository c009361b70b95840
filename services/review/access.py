"""Who is calling: reviewers and chairs by a per-expert access token.

Each expert gets a random token when the expert pool is imported (shown once; only its sha256 is
stored). A client sends it as ``Authorization: Bearer <token>``; a browser opens
``/review/login?token=...`` (or any reviewer page with ``?token=``) once, gets it in an HttpOnly
cookie and is sent on to the same address without it, so the token leaves the address bar and the
history. A token belongs to one expert of one campaign level; an expert imported with the role 组长
is that level's chair. It expires (``ZHENGJI_REVIEW_TOKEN_TTL_S`` from issue, or the level's review
window end when later) and the chair can revoke it; either ends its cookie sessions too, because
every request looks the token up.

This stands in for accounts (intake is building them): swapping it means replacing ``identify``
with a lookup of the signed-in account, and nothing else here changes."""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request
from pymongo.asynchronous.collection import AsyncCollection

from contracts.calendar import day_starts
from contracts.campaign import Campaign, ReviewLevel
from services.common.callers import REVIEW_COOKIE
from services.common.errors import ServiceError

COOKIE = REVIEW_COOKIE  # the one name, which the notifier forwards too


def new_token() -> str:
    return secrets.token_urlsafe(24)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class Identity:
    reviewer_id: str
    name: str
    role: str  # reviewer | chair
    campaign_id: str
    level: str
    expires_at: datetime
    scope: str = ""  # an expert's 评审范围 (a unit code): a chair with one chairs that unit's round only

    @property
    def who(self) -> dict[str, str]:
        """How the audit log names this person."""
        return {"id": self.reviewer_id, "name": self.name, "role": self.role}


def presented_token(request: Request) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return request.cookies.get(COOKIE) or None


class Access:
    def __init__(self, experts: AsyncCollection[dict[str, Any]], ttl_s: float) -> None:
        self.experts = experts
        self.ttl = timedelta(seconds=ttl_s)

    def issue(self, campaign: Campaign, level: ReviewLevel) -> tuple[str, dict[str, Any]]:
        """A new token and the expert's fields that hold it: its hash and when it expires."""
        expires = datetime.now(UTC) + self.ttl
        if level.window is not None and level.window.ends is not None:
            expires = max(expires, day_starts(level.window.ends + timedelta(days=1), campaign))
        token = new_token()
        return token, {"token_sha256": token_hash(token), "token_expires_at": expires}

    async def identify(self, token: str | None) -> Identity | None:
        if not token:
            return None
        doc = await self.experts.find_one({"token_sha256": token_hash(token)})
        if doc is None:
            return None
        # Tokens issued before they expired count from their import.
        expires: datetime = doc.get("token_expires_at") or doc["imported_at"] + self.ttl
        if expires <= datetime.now(UTC):
            return None
        role = doc.get("role", "reviewer")
        scope = doc.get("scope") or ""
        return Identity(doc["_id"], doc["name"], role, doc["campaign_id"], doc["level"], expires, scope)

    async def revoke(self, campaign_id: str, level: str, reviewer_id: str, scope: str = "") -> bool:
        """The expert's token signs nobody in any more (the admin's reissue gives a new one).
        ``scope``: a unit's chair revokes only the experts of that unit's 评审范围, never another
        county's (a level's pool is shared by every unit's round)."""
        held = {"_id": reviewer_id, "campaign_id": campaign_id, "level": level}
        done = await self.experts.update_one(
            {**held, "scope": scope} if scope else held,
            {
                "$unset": {"token_sha256": "", "token_expires_at": ""},
                "$set": {"token_revoked_at": datetime.now(UTC)},
            },
        )
        return done.matched_count == 1

    async def reviewer(self, request: Request) -> Identity:
        found = await self.identify(presented_token(request))
        if found is None:
            raise ServiceError(401, "请使用评审令牌登录", "sign in with your reviewer access token")
        return found
