"""Who is calling: reviewers and chairs by a per-expert access token.

Each expert gets a random token when the expert pool is imported (shown once; only its sha256 is
stored). A client sends it as ``Authorization: Bearer <token>``; a browser opens
``/review/login?token=...`` once and then carries it in an HttpOnly cookie. A token belongs to one
expert of one campaign level; an expert imported with the role 组长 is that level's chair.

This stands in for accounts (intake is building them): swapping it means replacing ``identify``
with a lookup of the signed-in account, and nothing else here changes."""

import hashlib
import secrets
from dataclasses import dataclass
from typing import Any

from fastapi import Request
from pymongo.asynchronous.collection import AsyncCollection

from services.common.errors import ServiceError

COOKIE = "zhengji_review"


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
    def __init__(self, experts: AsyncCollection[dict[str, Any]]) -> None:
        self.experts = experts

    async def identify(self, token: str | None) -> Identity | None:
        if not token:
            return None
        doc = await self.experts.find_one({"token_sha256": token_hash(token)})
        if doc is None:
            return None
        return Identity(
            doc["_id"], doc["name"], doc.get("role", "reviewer"), doc["campaign_id"], doc["level"]
        )

    async def reviewer(self, request: Request) -> Identity:
        found = await self.identify(presented_token(request))
        if found is None:
            raise ServiceError(401, "请使用评审令牌登录", "sign in with your reviewer access token")
        return found

    async def chair(self, request: Request, campaign_id: str, level: str) -> Identity:
        who = await self.reviewer(request)
        if who.role != "chair" or who.campaign_id != campaign_id or who.level != level:
            raise ServiceError(
                403, "仅本级评审组长可以执行此操作", "only this level's panel chair may do this"
            )
        return who
