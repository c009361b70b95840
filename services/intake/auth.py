"""Who is asking, and what they may see: the login a request carries, and the access rules.

A login is carried either as ``Authorization: Bearer <token>`` (API clients) or as the
``zhengji_session`` cookie (web pages), which holds the same token signed with itsdangerous.
No middleware is needed: the dependencies (``dependencies.py``) read both.

Access follows the organisation tree: a unit admin acts on its own unit and everything under it
(its code is in the entry's ``unit_path``); an entrant on its own entries only; a campaign admin
on everything; a reviewer on nothing in intake (reviews are blind, in the review service)."""

from typing import Any

from fastapi import Request, Response
from itsdangerous import BadSignature, URLSafeTimedSerializer

from services.common.errors import ServiceError
from services.intake.accounts import ROLE_NAMES_ZH, Accounts, Role, User

COOKIE = "zhengji_session"


class Auth:
    def __init__(self, accounts: Accounts, secure_cookie: bool = False) -> None:
        self.accounts = accounts
        self.secure_cookie = secure_cookie
        self._signer: URLSafeTimedSerializer | None = None

    def use_secret(self, secret: str) -> None:
        self._signer = URLSafeTimedSerializer(secret, salt="zhengji-session")

    @property
    def signer(self) -> URLSafeTimedSerializer:
        if self._signer is None:
            raise RuntimeError("intake has not started: no session secret yet")
        return self._signer

    def set_cookie(self, response: Response, token: str) -> None:
        response.set_cookie(
            COOKIE,
            self.signer.dumps(token),
            max_age=int(self.accounts.token_ttl_s),
            httponly=True,
            samesite="lax",
            secure=self.secure_cookie,
            path="/",
        )

    def token_of(self, request: Request) -> str | None:
        header = request.headers.get("authorization", "")
        if header[:7].lower() == "bearer ":
            return header[7:].strip() or None
        cookie = request.cookies.get(COOKIE)
        if cookie:
            try:
                return str(self.signer.loads(cookie, max_age=int(self.accounts.token_ttl_s)))
            except BadSignature:
                return None
        return None

    async def optional_user(self, request: Request) -> User | None:
        """The logged-in user, or None (for pages that redirect to the login page)."""
        token = self.token_of(request)
        user = await self.accounts.user_for_token(token) if token else None
        request.state.token = token if user else None
        return user


def wrong_role(user: User, roles: tuple[Role, ...]) -> ServiceError:
    wanted = "、".join(ROLE_NAMES_ZH[r] for r in roles)
    return ServiceError(
        403,
        f"无权操作：需要{wanted}权限（当前为{ROLE_NAMES_ZH[user.role]}）",
        f"not allowed: needs the role {' or '.join(roles)} (you are {user.role})",
    )


def can_see(user: User, submission: dict[str, Any]) -> bool:
    """Read, upload to, withdraw: the owner, a unit admin above the entry, a campaign admin."""
    if user.role == "campaign_admin":
        return True
    if user.role == "unit_admin":
        return user.over(submission.get("attribution", {}).get("unit_path", []))
    if user.role == "entrant":
        return submission.get("owner") == user.id
    return False


def can_approve(user: User, submission: dict[str, Any]) -> bool:
    if user.role == "campaign_admin":
        return True
    return user.role == "unit_admin" and user.over(submission.get("attribution", {}).get("unit_path", []))


def require_see(user: User, submission: dict[str, Any]) -> None:
    if not can_see(user, submission):
        raise ServiceError(
            403,
            "无权查看或修改该作品：只能操作本人或本单位（含下级单位）的作品",
            "not allowed: only your own entries or your unit's (and its sub-units')",
        )


# Like require_see in shape only: another permission, refused in its own words.
def require_approve(user: User, submission: dict[str, Any]) -> None:
    if not can_approve(user, submission):
        raise ServiceError(
            403,
            "无权审核该作品：只有作品所属单位（或其上级单位）的管理员可以审核",
            "not allowed: only an admin of the entry's unit (or a unit above it) may approve it",
        )


def submission_scope(user: User) -> dict[str, Any]:
    """The store filter for the submissions this user may list."""
    if user.role == "campaign_admin":
        return {}
    if user.role == "unit_admin" and user.unit_code:
        return {"attribution.unit_path": user.unit_code}
    if user.role == "entrant":
        return {"owner": user.id}
    return {"_id": {"$exists": False}}
