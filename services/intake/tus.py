"""The tus 1.0 resumable-upload protocol: core, creation, termination, expiration.

``/api/tus/`` is the creation URL; each upload lives at ``/api/tus/<id>``. Every check that can
refuse an upload (login, access, window, stage, declared size, file name and type, naming rule)
runs at creation, before a byte is accepted. https://tus.io/protocols/resumable-upload"""

import base64
import binascii
import re
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from email.utils import format_datetime
from typing import TYPE_CHECKING, Any

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from fastapi.responses import JSONResponse
from starlette.requests import ClientDisconnect

from services.intake.accounts import User
from services.intake.auth import require_see
from services.intake.errors import IntakeError, IntakeRoute
from services.intake.materials import find_material, media_type_for
from services.intake.naming import stored_name
from services.intake.upload_rules import check_upload

if TYPE_CHECKING:
    from services.intake.app import IntakeService

TUS_VERSION = "1.0.0"
EXTENSIONS = "creation,termination,expiration"
PREFIX = "/api/tus"
UPLOAD_ID = re.compile(r"^[0-9a-f]{32}$")
OCTETS = "application/offset+octet-stream"


class TusRoute(IntakeRoute):
    """Every answer, errors included, says which protocol version it speaks."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except HTTPException as exc:  # from the login dependency
                response = JSONResponse(
                    {"detail": exc.detail}, status_code=exc.status_code, headers=exc.headers
                )
            response.headers["Tus-Resumable"] = TUS_VERSION
            response.headers["Cache-Control"] = "no-store"
            return response

        return route


def parse_metadata(header: str) -> dict[str, str]:
    """``key base64,key2 base64`` -> {key: value}; a key may come without a value."""
    out: dict[str, str] = {}
    for pair in filter(None, (p.strip() for p in header.split(","))):
        key, _, value = pair.partition(" ")
        try:
            out[key] = base64.b64decode(value.strip(), validate=True).decode("utf-8") if value else ""
        except (binascii.Error, UnicodeDecodeError) as exc:
            raise IntakeError(
                400,
                f"Upload-Metadata 中“{key}”的值不是有效的 base64",
                f"Upload-Metadata {key!r} is not base64",
            ) from exc
    return out


def _int_header(request: Request, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit():
        raise IntakeError(400, f"缺少或无效的 {name} 请求头", f"missing or invalid {name} header")
    return int(raw)


def _check_version(request: Request) -> None:
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise IntakeError(
            412,
            f"不支持的 tus 协议版本，请使用 {TUS_VERSION}",
            f"unsupported tus version; use {TUS_VERSION}",
            headers={"Tus-Version": TUS_VERSION},
        )


async def _body(request: Request) -> AsyncIterator[bytes]:
    """The request body; a dropped connection simply ends it (what arrived is kept)."""
    try:
        async for chunk in request.stream():
            if chunk:
                yield chunk
    except ClientDisconnect:
        return


def _expires(doc: dict[str, Any]) -> str:
    return format_datetime(doc["expires_at"].astimezone(UTC), usegmt=True)


def build_tus_router(svc: "IntakeService") -> APIRouter:
    router = APIRouter(tags=["intake: tus uploads"], route_class=TusRoute)
    store = svc.uploads

    async def upload_for(upload_id: str, user: User) -> dict[str, Any]:
        if not UPLOAD_ID.match(upload_id):
            raise IntakeError(404, "上传任务不存在", "no such upload")
        doc = await store.get(upload_id)
        sub = await svc.submissions.find_one({"_id": doc["submission_id"]}, {"owner": 1, "attribution": 1})
        require_see(user, sub or {})
        return doc

    @router.options(PREFIX + "/")
    @router.options(PREFIX + "/{upload_id}")
    async def discover() -> Response:
        return Response(
            status_code=204,
            headers={
                "Tus-Version": TUS_VERSION,
                "Tus-Extension": EXTENSIONS,
                "Tus-Max-Size": str(svc.settings.tus_max_size),
            },
        )

    @router.post(PREFIX + "/")
    @router.post(PREFIX)
    async def create(request: Request, user: User = Depends(svc.auth.user)) -> Response:
        _check_version(request)
        if "upload-defer-length" in request.headers:
            raise IntakeError(
                400, "须在开始时声明文件大小（Upload-Length）", "Upload-Defer-Length is not supported"
            )
        length = _int_header(request, "upload-length")
        meta = parse_metadata(request.headers.get("upload-metadata", ""))
        sid, filename = meta.get("submission_id"), meta.get("filename")
        if not sid or filename is None:
            raise IntakeError(
                400,
                "Upload-Metadata 须包含 submission_id 和 filename",
                "Upload-Metadata needs submission_id and filename",
            )
        sub = await svc.submissions.find_one({"_id": sid})
        if sub is None:
            raise IntakeError(404, f"作品 {sid} 不存在", f"no submission {sid}")
        require_see(user, sub)
        campaign = await svc.find_campaign(sub["campaign_id"])
        assert campaign is not None
        material = find_material(campaign, sub["form"], meta.get("material"))
        declared_type = meta.get("filetype", "")
        check_upload(campaign, sub, material, filename, declared_type, length, svc.settings.tus_max_size)
        doc = await store.create(
            submission_id=sid,
            campaign_id=sub["campaign_id"],
            material=material.key,
            primary=material.primary,
            filename=stored_name(campaign, sub["form"], material, filename),
            original_filename=filename,
            media_type=media_type_for(material, filename, declared_type),
            length=length,
            metadata=request.headers.get("upload-metadata", ""),
            created_by=user.id,
        )
        return JSONResponse(
            {
                "upload_id": doc["_id"],
                "filename": doc["filename"],
                "expires_at": doc["expires_at"].isoformat(),
            },
            status_code=201,
            headers={"Location": f"{PREFIX}/{doc['_id']}", "Upload-Expires": _expires(doc)},
        )

    @router.head(PREFIX + "/{upload_id}")
    async def head(upload_id: str, request: Request, user: User = Depends(svc.auth.user)) -> Response:
        _check_version(request)
        doc = await upload_for(upload_id, user)
        offset = await store.offset_of(doc)
        return Response(
            status_code=200,
            headers={
                "Upload-Offset": str(offset),
                "Upload-Length": str(doc["length"]),
                "Upload-Metadata": doc.get("metadata", ""),
                "Upload-Expires": _expires(doc),
            },
        )

    @router.patch(PREFIX + "/{upload_id}")
    async def patch(upload_id: str, request: Request, user: User = Depends(svc.auth.user)) -> Response:
        _check_version(request)
        if request.headers.get("content-type", "").split(";")[0].strip().lower() != OCTETS:
            raise IntakeError(
                415, f"PATCH 请求的 Content-Type 须为 {OCTETS}", f"a PATCH must have Content-Type {OCTETS}"
            )
        offset = _int_header(request, "upload-offset")
        declared = request.headers.get("content-length")
        doc = await upload_for(upload_id, user)
        done = await store.receive(doc, offset, _body(request), int(declared) if declared else None)
        headers = {"Upload-Offset": str(done["offset"]), "Upload-Expires": _expires(doc)}
        if done.get("state") == "done" and done.get("blob"):
            headers["Zhengji-Sha256"] = done["blob"]["sha256"]
            if done.get("version"):
                headers["Zhengji-Version"] = str(done["version"])
        return Response(status_code=204, headers=headers)

    @router.delete(PREFIX + "/{upload_id}")
    async def terminate(upload_id: str, request: Request, user: User = Depends(svc.auth.user)) -> Response:
        _check_version(request)
        await store.terminate(await upload_for(upload_id, user))
        return Response(status_code=204)

    return router
