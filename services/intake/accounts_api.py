"""Routes for logging in, accounts and the organisation tree."""

from typing import Annotated

from fastapi import APIRouter, Query, Request, Response
from pydantic import BaseModel, Field

from services.common.errors import ServiceError, responses
from services.intake.accounts import MAX_PASSWORD, ROLE_NAMES_ZH, User, temporary_password
from services.intake.api_models import LoggedIn, Login, NewUser, Signup, UnitView
from services.intake.app import IntakeService
from services.intake.auth import COOKIE, wrong_role
from services.intake.dependencies import Admin, CampaignAdmin, Intake, SessionUser
from services.intake.unit_store import unit_view
from services.intake.units import XLSX_TYPE, parse_tree, read_rows

router = APIRouter(tags=["intake: accounts"])

CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}
# The tree arrives as the file itself, or as the field ``file`` of a form (the admin page).
TREE_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "text/csv": {"schema": {"type": "string"}},
            XLSX_TYPE: {"schema": {"type": "string", "format": "binary"}},
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            },
        },
    }
}


async def logged_in(svc: IntakeService, user: User, response: Response) -> LoggedIn:
    token, expires = await svc.accounts.issue_token(user)
    svc.auth.set_cookie(response, token)
    return LoggedIn(token=token, expires_at=expires, user=user)


@router.post("/api/auth/login", response_model=LoggedIn, responses=responses(400, 401, 422, 429))
async def login(body: Login, request: Request, response: Response, svc: Intake) -> LoggedIn:
    address = request.client.host if request.client else None
    await svc.login_throttle.check(body.username, address)
    user = await svc.accounts.authenticate(body.username, body.password)
    if user is None:
        await svc.login_throttle.failed(body.username, address)
        raise ServiceError(401, "用户名或密码错误", "wrong user name or password")
    await svc.login_throttle.succeeded(body.username)
    return await logged_in(svc, user, response)


@router.post("/api/auth/logout", status_code=204, response_class=Response, responses=responses(401))
async def logout(request: Request, svc: Intake, _: SessionUser) -> Response:
    if request.state.token:
        await svc.accounts.revoke(request.state.token)
    response = Response(status_code=204)
    response.delete_cookie(COOKIE, path="/")
    return response


@router.get("/api/auth/me", response_model=User, responses=responses(401))
async def me(user: SessionUser) -> User:
    return user


class PasswordChange(BaseModel):
    old_password: str = Field(max_length=MAX_PASSWORD)
    new_password: str = Field(max_length=MAX_PASSWORD)


class PasswordReset(BaseModel):
    temporary_password: str | None = Field(
        default=None,
        max_length=MAX_PASSWORD,
        description="Omitted: one is generated; either way it must be changed at the next login",
    )


class PasswordWasReset(BaseModel):
    username: str
    temporary_password: str = Field(description="Tell the account's owner; shown only in this answer")
    must_change_password: bool = True


@router.post("/api/auth/password", response_model=LoggedIn, responses=responses(400, 401, 403, 422, 429))
async def change_password(
    body: PasswordChange, request: Request, response: Response, svc: Intake, user: SessionUser
) -> LoggedIn:
    """Change one's own password, giving the current one. Every other session of the account
    ends; this one goes on with the new token and cookie in the answer."""
    address = request.client.host if request.client else None
    await svc.login_throttle.check(user.username, address)  # a guessed old password costs argon2 too
    if not await svc.accounts.password_is(user, body.old_password):
        await svc.login_throttle.failed(user.username, address)
        raise ServiceError(403, "原密码不正确", "the current password is wrong", field="old_password")
    if body.new_password == body.old_password:
        raise ServiceError(422, "新密码不能与原密码相同", "choose a new password", field="new_password")
    await svc.accounts.set_password(user, body.new_password, must_change=False, field="new_password")
    await svc.login_throttle.succeeded(user.username)
    return await logged_in(svc, user.model_copy(update={"must_change_password": False}), response)


@router.post(
    "/api/users/{username}/password",
    response_model=PasswordWasReset,
    responses=responses(400, 401, 403, 404, 422),
)
async def reset_password(username: str, body: PasswordReset, svc: Intake, by: Admin) -> PasswordWasReset:
    """An admin sets a temporary password for an account below them (a campaign admin: every
    account but campaign admins'; a unit admin: entrants of its unit and below, and the admins of
    units below). The account's sessions end, and its owner must change it at the next login."""
    target = await svc.accounts.user_named(username)
    if target is None:
        raise ServiceError(404, f"账号“{username}”不存在", f"no account {username!r}")
    if not is_below(by, target):
        raise ServiceError(
            403,
            f"无权重置该账号的密码：只能重置下级账号（对方为{ROLE_NAMES_ZH[target.role]}）",
            f"not allowed: only accounts below yours (that one is a {target.role})",
        )
    password = body.temporary_password or temporary_password()
    await svc.accounts.set_password(target, password, must_change=True, field="temporary_password")
    return PasswordWasReset(username=target.username, temporary_password=password)


def is_below(by: User, target: User) -> bool:
    if by.role == "campaign_admin":
        return target.role != "campaign_admin"
    if target.role == "entrant":
        return by.over(target.unit_path)
    # Another admin of the same unit is a peer, not below.
    return target.role == "unit_admin" and by.over(target.unit_path) and target.unit_code != by.unit_code


@router.post(
    "/api/auth/signup", status_code=201, response_model=LoggedIn, responses=responses(400, 404, 409, 422)
)
async def signup(body: Signup, response: Response, svc: Intake) -> LoggedIn:
    unit = await svc.units.require(body.unit_code)
    user = await svc.accounts.create_user(body.username, body.password, "entrant", body.display_name, unit)
    return await logged_in(svc, user, response)


@router.post(
    "/api/users", status_code=201, response_model=User, responses=responses(400, 401, 403, 404, 409, 422)
)
async def create_user(body: NewUser, svc: Intake, by: Admin) -> User:
    unit = await svc.units.require(body.unit_code)
    if by.role == "unit_admin":
        if body.role not in ("entrant", "unit_admin"):
            raise wrong_role(by, ("campaign_admin",))
        if not by.over(unit["path"]):
            raise ServiceError(
                403, "只能为本单位及下级单位创建账号", "only for your own unit and the units below it"
            )
    return await svc.accounts.create_user(body.username, body.password, body.role, body.display_name, unit)


@router.get("/api/users", response_model=list[User], responses=responses(401, 403, 422))
async def list_users(svc: Intake, by: Admin, unit: str | None = None) -> list[User]:
    if by.role == "unit_admin":
        if unit is not None:
            doc = await svc.units.get(unit)
            if doc is None or not by.over(doc.get("path", [])):
                raise ServiceError(403, "只能查看本单位及下级单位的账号", "only your own unit's accounts")
        unit = unit or by.unit_code
    return await svc.accounts.list_users(unit)


@router.post(
    "/api/units/import",
    response_model=dict[str, int],
    responses=responses(400, 401, 403, 415, 422),
    openapi_extra=TREE_BODY,
)
async def import_units(request: Request, svc: Intake, _: CampaignAdmin) -> dict[str, int]:
    """Import the organisation tree (CSV or XLSX: code, name, level, parent); all or nothing."""
    media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
    if media_type == "multipart/form-data":
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str):
            raise ServiceError(400, "请选择要导入的文件（字段 file）", "send the file in the field 'file'")
        data, media_type = await upload.read(), (upload.content_type or "").lower()
    else:
        data = await request.body()
    if media_type not in CSV_TYPES | {XLSX_TYPE, "application/octet-stream", ""}:
        raise ServiceError(
            415,
            "请上传 CSV 或 XLSX 文件",
            f"send a CSV or XLSX file, not {media_type}",
            media_type=media_type,
        )
    try:
        rows = read_rows(data, media_type)
    except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
        raise ServiceError(
            415, "无法读取文件：请上传 UTF-8 编码的 CSV 或 XLSX 文件", "cannot read the file as CSV or XLSX"
        ) from exc
    return await svc.units.import_units(parse_tree(rows))


@router.get("/api/units", response_model=list[UnitView], responses=responses(422))
async def list_units(
    svc: Intake,
    under: Annotated[str | None, Query(description="Only this unit and the units below it")] = None,
    level: Annotated[str | None, Query(description="Only units of this level, e.g. county")] = None,
) -> list[UnitView]:
    return [UnitView.model_validate(unit_view(d)) for d in await svc.units.list(under, level)]


@router.get("/api/units/{code}", response_model=UnitView, responses=responses(404))
async def get_unit(code: str, svc: Intake) -> UnitView:
    doc = await svc.units.get(code)
    if doc is None:
        raise ServiceError(404, f"单位 {code} 不存在", f"no unit {code}")
    return UnitView.model_validate(unit_view(doc))
