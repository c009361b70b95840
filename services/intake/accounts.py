"""People and their logins: users with argon2 password hashes, and opaque bearer tokens.

A token is 32 random bytes; the store keeps only its sha256, so a copy of the database does
not let anyone log in. Hashing and checking a password takes tens of milliseconds of CPU and
64 MiB: it runs in a thread, never on the event loop."""

import asyncio
import hashlib
import re
import secrets
import sys
from datetime import UTC, datetime, timedelta
from typing import Any, Literal
from uuid import uuid4

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from pydantic import BaseModel, Field
from pymongo import ASCENDING
from pymongo.asynchronous.database import AsyncDatabase
from pymongo.errors import DuplicateKeyError

from services.common.errors import ServiceError

Role = Literal["campaign_admin", "unit_admin", "reviewer", "entrant"]
ROLES: tuple[Role, ...] = ("campaign_admin", "unit_admin", "reviewer", "entrant")
ROLE_NAMES_ZH = {
    "campaign_admin": "活动管理员",
    "unit_admin": "单位管理员",
    "reviewer": "评审专家",
    "entrant": "参赛者",
}
ADMIN_USERNAME = "admin"
USERNAME = re.compile(r"^[\w.@-]{2,64}$")  # \w takes Chinese names too
MIN_PASSWORD = 8
MAX_PASSWORD = 1024

_hasher = PasswordHasher()


class User(BaseModel):
    id: str
    username: str
    display_name: str = ""
    role: Role
    unit_code: str | None = None
    unit_name: str | None = None
    unit_path: list[str] = Field(default_factory=list)
    must_change_password: bool = Field(
        default=False, description="Set by an admin's reset or a generated first password: change it first"
    )

    def over(self, unit_path: list[str]) -> bool:
        """Whether a unit with this path is this user's own unit or below it."""
        return self.unit_code is not None and self.unit_code in unit_path


def _user(doc: dict[str, Any]) -> User:
    return User.model_validate({**doc, "id": doc["_id"]})


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def check_new_credentials(username: str, password: str) -> None:
    if not USERNAME.match(username):
        raise ServiceError(
            422,
            "用户名须为2至64位汉字、字母、数字或 _ . @ -",
            "user names are 2-64 letters, digits or _ . @ -",
            field="username",
        )
    check_password(password)


def check_password(password: str, field: str = "password") -> None:
    if len(password) > MAX_PASSWORD:  # hashed with argon2: a bound on what a caller makes us hash
        raise ServiceError(
            422,
            f"密码不超过{MAX_PASSWORD}位",
            f"passwords have at most {MAX_PASSWORD} characters",
            field=field,
        )
    if len(password) < MIN_PASSWORD:
        raise ServiceError(
            422,
            f"密码至少{MIN_PASSWORD}位",
            f"passwords have at least {MIN_PASSWORD} characters",
            field=field,
        )


class Accounts:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], token_ttl_s: float) -> None:
        self.users = db["users"]
        self.tokens = db["tokens"]
        self.config = db["config"]
        self.token_ttl_s = token_ttl_s

    async def setup(self) -> None:
        await self.users.create_index([("username", ASCENDING)], unique=True)
        await self.users.create_index([("unit_path", ASCENDING)])
        await self.tokens.create_index([("expires_at", ASCENDING)])

    async def create_user(
        self,
        username: str,
        password: str,
        role: Role,
        display_name: str = "",
        unit: dict[str, Any] | None = None,
        must_change_password: bool = False,
    ) -> User:
        check_new_credentials(username, password)
        doc = {
            "_id": "U" + uuid4().hex[:16].upper(),
            "username": username,
            "display_name": display_name or username,
            "role": role,
            "unit_code": unit["_id"] if unit else None,
            "unit_name": unit["name"] if unit else None,
            "unit_path": unit["path"] if unit else [],
            "password_hash": await asyncio.to_thread(_hasher.hash, password),
            "must_change_password": must_change_password,
            "created_at": datetime.now(UTC),
        }
        try:
            await self.users.insert_one(doc)
        except DuplicateKeyError as exc:
            raise ServiceError(
                409, f"用户名“{username}”已被使用", f"user name {username!r} is taken"
            ) from exc
        return _user(doc)

    async def authenticate(self, username: str, password: str) -> User | None:
        doc = await self.users.find_one({"username": username})
        if doc is None or doc.get("disabled"):
            # Hash anyway, so the answer takes as long as for a wrong password.
            await asyncio.to_thread(_hasher.hash, password)
            return None
        try:
            await asyncio.to_thread(_hasher.verify, doc["password_hash"], password)
        except (VerificationError, InvalidHashError):
            return None
        return _user(doc)

    async def user_named(self, username: str) -> User | None:
        doc = await self.users.find_one({"username": username})
        return _user(doc) if doc else None

    async def password_is(self, user: User, password: str) -> bool:
        doc = await self.users.find_one({"_id": user.id}, {"password_hash": 1})
        return doc is not None and await asyncio.to_thread(_verifies, doc["password_hash"], password)

    async def set_password(self, user: User, password: str, must_change: bool, field: str) -> None:
        """A new password (the owner's own, or an admin's temporary one, which must be changed at
        the next login); every session of the account ends, wherever it was opened."""
        check_password(password, field)
        new_hash = await asyncio.to_thread(_hasher.hash, password)
        await self.users.update_one(
            {"_id": user.id},
            {"$set": {"password_hash": new_hash, "must_change_password": must_change}},
        )
        await self.tokens.delete_many({"user_id": user.id})

    async def issue_token(self, user: User) -> tuple[str, datetime]:
        token = secrets.token_urlsafe(32)
        expires = datetime.now(UTC) + timedelta(seconds=self.token_ttl_s)
        await self.tokens.insert_one(
            {
                "_id": _digest(token),
                "user_id": user.id,
                "created_at": datetime.now(UTC),
                "expires_at": expires,
            }
        )
        return token, expires

    async def user_for_token(self, token: str) -> User | None:
        doc = await self.tokens.find_one({"_id": _digest(token), "expires_at": {"$gt": datetime.now(UTC)}})
        if doc is None:
            return None
        user = await self.users.find_one({"_id": doc["user_id"]})
        return None if user is None or user.get("disabled") else _user(user)

    async def revoke(self, token: str) -> None:
        await self.tokens.delete_one({"_id": _digest(token)})

    async def list_users(self, under: str | None) -> list[User]:
        query = {"unit_path": under} if under else {}
        return [_user(d) async for d in self.users.find(query).sort("username", ASCENDING)]

    async def session_secret(self, configured: str | None) -> str:
        """The key that signs session cookies: configured, or made once and shared by every replica."""
        if configured:
            return configured
        await self.config.update_one(
            {"_id": "session_secret"}, {"$setOnInsert": {"value": secrets.token_urlsafe(48)}}, upsert=True
        )
        doc = await self.config.find_one({"_id": "session_secret"})
        assert doc is not None
        return str(doc["value"])

    async def bootstrap_admin(self, password: str | None) -> str | None:
        """Make sure ``admin`` exists; returns the generated password when one was made (first start)."""
        existing = await self.users.find_one({"username": ADMIN_USERNAME})
        if password:
            if existing is None:
                await self._create_admin(password)
            elif not await asyncio.to_thread(_verifies, existing["password_hash"], password):
                new_hash = await asyncio.to_thread(_hasher.hash, password)
                changed = {"password_hash": new_hash, "must_change_password": False}
                await self.users.update_one({"_id": existing["_id"]}, {"$set": changed})
            return None
        if existing is not None or await self.users.find_one({"role": "campaign_admin"}):
            return None
        generated = temporary_password()
        if not await self._create_admin(generated, must_change=True):
            return None  # another replica made it first
        print(
            f"首次启动：已创建管理员 {ADMIN_USERNAME}，初始密码 {generated}（仅显示一次，首次登录后须修改）\n"
            f"first start: created the administrator {ADMIN_USERNAME!r} with the password {generated} "
            "(shown once only; it must be changed at the first login)",
            file=sys.stderr,
            flush=True,
        )
        return generated

    async def _create_admin(self, password: str, must_change: bool = False) -> bool:
        try:
            await self.create_user(
                ADMIN_USERNAME, password, "campaign_admin", "活动管理员", must_change_password=must_change
            )
        except ServiceError as exc:
            if exc.status == 409:
                return False
            raise
        return True


def temporary_password() -> str:
    return secrets.token_urlsafe(12)


def _verifies(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False
