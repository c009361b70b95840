"""Who chairs a round: the level's 组长 (an expert's token), the round's unit admins, a campaign admin.

A unit's round (decision 0031) is chaired by the admins of its unit or of a unit above it, signed
in with their intake account (asked of intake, ``services/common/callers.py``, as admin routes
are); a campaign admin may chair any round; a county admin is refused on another county's round.
The level's 组长 keeps chairing with the token of the expert pool, as before, but one imported with
a 评审范围 chairs only that unit's round. Everyone who chairs is named in the audit by their own id."""

from datetime import UTC, datetime, timedelta
from typing import Any

from fastapi import Request

from services.common.callers import Caller, role
from services.common.errors import ServiceError
from services.review.access import Access, Identity, presented_token

ACCOUNT_CHAIR_S = 30  # an account's chair identity lasts one request (intake answers for it each time)
signed_in = role()  # any account, asked of intake; one on a temporary password is refused there


def may_chair(caller: Caller, rnd: dict[str, Any]) -> bool:
    """A campaign admin chairs any round; a unit admin the rounds of their unit and those below it."""
    if caller.role == "campaign_admin":
        return True
    path = rnd.get("unit_path") or []
    return caller.role == "unit_admin" and caller.unit_code is not None and caller.unit_code in path


def token_may_chair(who: Identity, rnd: dict[str, Any]) -> bool:
    if who.role != "chair" or (who.campaign_id, who.level) != (rnd["campaign_id"], rnd["level"]):
        return False
    return not (who.scope and rnd.get("unit") and who.scope != rnd["unit"])


async def round_chair(access: Access, request: Request, rnd: dict[str, Any]) -> Identity:
    by_token = await access.identify(presented_token(request))
    if by_token is not None:
        if not token_may_chair(by_token, rnd):
            raise not_this_chair(rnd)
        return by_token
    try:
        caller = await signed_in(request)
    except ServiceError as refused:
        if refused.status != 401:
            raise
        raise ServiceError(
            401, "请使用评审令牌或单位管理员账户登录", "sign in with a reviewer token or an admin account"
        ) from None
    if not may_chair(caller, rnd):
        raise not_this_chair(rnd)
    return account_chair(caller, rnd)


def account_chair(caller: Caller, rnd: dict[str, Any]) -> Identity:
    """An account (intake's) chairing ``rnd``, for this request."""
    expires = datetime.now(UTC) + timedelta(seconds=ACCOUNT_CHAIR_S)
    return Identity(
        caller.id, caller.username, "chair", rnd["campaign_id"], rnd["level"], expires, rnd.get("unit") or ""
    )


def not_this_chair(rnd: dict[str, Any]) -> ServiceError:
    unit = rnd.get("unit_name") or rnd.get("unit")
    if unit:
        return ServiceError(
            403,
            f"无权主持{unit}的评审轮次：只有该单位（或其上级单位）的管理员或本级组长可以操作",
            f"not allowed: only admins of {rnd.get('unit')} (or a unit above it) or the level's chair",
        )
    return ServiceError(403, "仅本级评审组长可以执行此操作", "only this level's panel chair may do this")
