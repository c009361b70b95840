"""Routes for logging in, accounts and the organisation tree."""

from datetime import datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, Request, Response
from pydantic import BaseModel

from services.intake.accounts import Role, User
from services.intake.auth import COOKIE, wrong_role
from services.intake.errors import IntakeError, IntakeRoute, http_error
from services.intake.unit_store import unit_view
from services.intake.units import XLSX_TYPE, parse_tree, read_rows

if TYPE_CHECKING:
    from services.intake.app import IntakeService


class Login(BaseModel):
    username: str
    password: str


class Signup(BaseModel):
    username: str
    password: str
    display_name: str
    unit_code: str


class NewUser(Signup):
    role: Role


class LoggedIn(BaseModel):
    token: str
    expires_at: datetime
    user: User


CSV_TYPES = {"text/csv", "application/csv", "text/plain", "application/vnd.ms-excel"}


def build_accounts_router(svc: "IntakeService") -> APIRouter:
    router = APIRouter(tags=["intake: accounts"], route_class=IntakeRoute)
    auth = svc.auth

    async def logged_in(user: User, response: Response) -> LoggedIn:
        token, expires = await svc.accounts.issue_token(user)
        auth.set_cookie(response, token)
        return LoggedIn(token=token, expires_at=expires, user=user)

    @router.post("/api/auth/login")
    async def login(body: Login, response: Response) -> LoggedIn:
        user = await svc.accounts.authenticate(body.username, body.password)
        if user is None:
            raise http_error(401, "用户名或密码错误", "wrong user name or password")
        return await logged_in(user, response)

    @router.post("/api/auth/logout", status_code=204)
    async def logout(request: Request, response: Response, _: User = Depends(auth.user)) -> None:
        if request.state.token:
            await svc.accounts.revoke(request.state.token)
        response.delete_cookie(COOKIE, path="/")

    @router.get("/api/auth/me")
    async def me(user: User = Depends(auth.user)) -> User:
        return user

    @router.post("/api/auth/signup", status_code=201)
    async def signup(body: Signup, response: Response) -> LoggedIn:
        unit = await svc.units.require(body.unit_code)
        user = await svc.accounts.create_user(
            body.username, body.password, "entrant", body.display_name, unit
        )
        return await logged_in(user, response)

    @router.post("/api/users", status_code=201)
    async def create_user(
        body: NewUser, by: User = Depends(auth.role("campaign_admin", "unit_admin"))
    ) -> User:
        unit = await svc.units.require(body.unit_code)
        if by.role == "unit_admin":
            if body.role not in ("entrant", "unit_admin"):
                raise wrong_role(by, ("campaign_admin",))
            if not by.over(unit["path"]):
                raise IntakeError(
                    403, "只能为本单位及下级单位创建账号", "only for your own unit and the units below it"
                )
        return await svc.accounts.create_user(
            body.username, body.password, body.role, body.display_name, unit
        )

    @router.get("/api/users")
    async def list_users(
        unit: str | None = None, by: User = Depends(auth.role("campaign_admin", "unit_admin"))
    ) -> list[User]:
        if by.role == "unit_admin":
            if unit is not None:
                doc = await svc.units.get(unit)
                if doc is None or not by.over(doc.get("path", [])):
                    raise http_error(403, "只能查看本单位及下级单位的账号", "only your own unit's accounts")
            unit = unit or by.unit_code
        return await svc.accounts.list_users(unit)

    @router.post("/api/units/import")
    async def import_units(
        request: Request, _: User = Depends(auth.role("campaign_admin"))
    ) -> dict[str, int]:
        media_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise http_error(400, "请选择要导入的文件（字段 file）", "send the file in the field 'file'")
            data, media_type = await upload.read(), (upload.content_type or "").lower()
        else:
            data = await request.body()
        if media_type not in CSV_TYPES | {XLSX_TYPE, "application/octet-stream", ""}:
            raise http_error(
                415,
                "请上传 CSV 或 XLSX 文件",
                f"send a CSV or XLSX file, not {media_type}",
                media_type=media_type,
            )
        try:
            rows = read_rows(data, media_type)
        except (UnicodeDecodeError, ValueError, KeyError, OSError) as exc:
            raise http_error(
                415,
                "无法读取文件：请上传 UTF-8 编码的 CSV 或 XLSX 文件",
                "cannot read the file as CSV or XLSX",
            ) from exc
        return await svc.units.import_units(parse_tree(rows))

    @router.get("/api/units")
    async def list_units(under: str | None = None, level: str | None = None) -> list[dict[str, Any]]:
        return [unit_view(d) for d in await svc.units.list(under, level)]

    @router.get("/api/units/{code}")
    async def get_unit(code: str) -> dict[str, Any]:
        doc = await svc.units.get(code)
        if doc is None:
            raise http_error(404, f"单位 {code} 不存在", f"no unit {code}")
        return unit_view(doc)

    return router
