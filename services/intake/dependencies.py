"""What intake's routes declare they need, as ``Annotated`` types: the service and the caller.

A route says ``svc: Intake, user: CurrentUser`` (or ``CampaignAdmin``, ``Admin``) and FastAPI
supplies them; the 401 or 403 for a missing login or the wrong role is raised here, once. The
service is the one the app was assembled with (``app.state.services``, set in
``zhengji/runtime.py``), so routers are plain module-level objects."""

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import Depends, Request

from contracts.campaign import Campaign
from services.common.callers import must_change_password
from services.common.errors import ServiceError
from services.intake.accounts import Role, User
from services.intake.app import IntakeService
from services.intake.auth import require_approve, require_see, wrong_role


def intake_service(request: Request) -> IntakeService:
    service = request.app.state.services["intake"]
    assert isinstance(service, IntakeService)
    return service


Intake = Annotated[IntakeService, Depends(intake_service)]


async def optional_user(request: Request, svc: Intake) -> User | None:
    """The logged-in user, or None (pages send such a visitor to the login page)."""
    return await svc.auth.optional_user(request)


MaybeUser = Annotated[User | None, Depends(optional_user)]


async def session_user(user: MaybeUser) -> User:
    """Logged in, perhaps still on a temporary password: for ``me``, logout and changing it."""
    if user is None:
        raise ServiceError(401, "请先登录", "log in first")
    return user


SessionUser = Annotated[User, Depends(session_user)]


async def current_user(user: SessionUser) -> User:
    if user.must_change_password:
        raise must_change_password()
    return user


CurrentUser = Annotated[User, Depends(current_user)]


def role(*roles: Role) -> Callable[[User], Awaitable[User]]:
    """A dependency: the logged-in user, who must have one of ``roles``."""

    async def with_role(user: CurrentUser) -> User:
        if user.role not in roles:
            raise wrong_role(user, roles)
        return user

    return with_role


CampaignAdmin = Annotated[User, Depends(role("campaign_admin"))]
Admin = Annotated[User, Depends(role("campaign_admin", "unit_admin"))]


async def campaign_of(campaign_id: str, svc: Intake) -> Campaign:
    """The campaign a path names; 404 when there is none."""
    campaign = await svc.find_campaign(campaign_id)
    if campaign is None:
        raise ServiceError(404, f"活动 {campaign_id} 不存在", f"no campaign {campaign_id}")
    return campaign


CampaignInPath = Annotated[Campaign, Depends(campaign_of)]


async def submission_of(submission_id: str, svc: Intake) -> dict[str, Any]:
    """The stored entry a path names; 404 when there is none. Routes take it through
    ``VisibleSubmission`` or ``ApprovableSubmission``, which ask for the login first: a stranger
    without one learns nothing about which entries exist."""
    sub = await svc.submissions.find_one({"_id": submission_id})
    if sub is None:
        raise ServiceError(404, f"作品 {submission_id} 不存在", f"no submission {submission_id}")
    return sub


SubmissionInPath = Annotated[dict[str, Any], Depends(submission_of)]


async def visible_submission(user: CurrentUser, sub: SubmissionInPath) -> dict[str, Any]:
    """The entry a path names, which the caller may read, upload to and withdraw."""
    require_see(user, sub)
    return sub


VisibleSubmission = Annotated[dict[str, Any], Depends(visible_submission)]


async def approvable_submission(user: CurrentUser, sub: SubmissionInPath) -> dict[str, Any]:
    """The entry a path names, which the caller may approve or return."""
    require_approve(user, sub)
    return sub


ApprovableSubmission = Annotated[dict[str, Any], Depends(approvable_submission)]
