"""The tus 1.0 resumable-upload protocol: core, creation, termination, expiration.

``/api/tus/`` is the creation URL; each upload lives at ``/api/tus/<id>``. Every check that can
refuse an upload (login, access, window, stage, declared size, file name and type, naming rule)
runs at creation, before a byte is accepted. https://tus.io/protocols/resumable-upload"""

import base64
import binascii
from collections.abc import AsyncIterator, Callable, Coroutine
from datetime import UTC
from email.utils import format_datetime
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Path, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.requests import ClientDisconnect

from services.common.errors import ServiceError
from services.intake.api_models import TusCreated
from services.intake.auth import require_see
from services.intake.dependencies import CurrentUser, Intake
from services.intake.materials import find_material, media_type_for
from services.intake.naming import stored_name
from services.intake.storage_quota import check_storage
from services.intake.tus_protocol import (
    DISCOVERY,
    EXTENSIONS,
    LENGTH_HEADER,
    METADATA_HEADER,
    OCTETS,
    PATCH_REQUEST,
    PREFIX,
    TUS_HEADERS,
    TUS_VERSION,
    UPLOAD_ID,
    VERSION_HEADER,
    tus_route,
)
from services.intake.upload_rules import check_upload


class TusRoute(APIRoute):
    """Every answer, refusals included, says which protocol version it speaks."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                response = await handler(request)
            except ServiceError as exc:  # the app's handler renders it, with these headers
                exc.headers = {**(exc.headers or {}), **TUS_HEADERS}
                raise
            response.headers.update(TUS_HEADERS)
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
            raise ServiceError(
                422,
                f"Upload-Metadata 中“{key}”的值不是有效的 base64",
                f"Upload-Metadata {key!r} is not base64",
            ) from exc
    return out


def _int_header(request: Request, name: str) -> int:
    raw = request.headers.get(name)
    if raw is None or not raw.isdigit():
        raise ServiceError(400, f"缺少或无效的 {name} 请求头", f"missing or invalid {name} header")
    return int(raw)


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


router = APIRouter(tags=["intake: tus uploads"], route_class=TusRoute)
UploadId = Annotated[str, Path(pattern=UPLOAD_ID.pattern, description="The upload's id (32 hex digits)")]


async def tus_version(request: Request) -> None:
    """Every tus request but OPTIONS names the version it speaks."""
    if request.headers.get("tus-resumable") != TUS_VERSION:
        raise ServiceError(
            412,
            f"不支持的 tus 协议版本，请使用 {TUS_VERSION}",
            f"unsupported tus version; use {TUS_VERSION}",
            headers={"Tus-Version": TUS_VERSION},
        )


Versioned = Annotated[None, Depends(tus_version)]


async def visible_upload(upload_id: UploadId, svc: Intake, user: CurrentUser, _: Versioned) -> dict[str, Any]:
    """The upload a path names, of an entry the caller may see (after the login and version)."""
    doc = await svc.uploads.get(upload_id)
    sub = await svc.submissions.find_one({"_id": doc["submission_id"]}, {"owner": 1, "attribution": 1})
    require_see(user, sub or {})
    return doc


VisibleUpload = Annotated[dict[str, Any], Depends(visible_upload)]


@router.options(PREFIX + "/", **DISCOVERY)
async def discover(svc: Intake) -> Response:
    return Response(
        status_code=204,
        headers={
            "Tus-Version": TUS_VERSION,
            "Tus-Extension": EXTENSIONS,
            "Tus-Max-Size": str(svc.settings.tus_max_size),
        },
    )


@router.options(PREFIX + "/{upload_id}", **DISCOVERY)
async def discover_at(upload_id: UploadId, svc: Intake) -> Response:
    """The same answer at an upload's own URL (tus clients may ask there)."""
    return await discover(svc)


@router.post(
    PREFIX + "/",
    response_model=TusCreated,
    **tus_route(
        201,
        "已创建上传任务 / upload created",
        ["Location", "Upload-Expires"],
        [400, 409, 413, 415],
        request={"parameters": [VERSION_HEADER, LENGTH_HEADER, METADATA_HEADER]},
        response_class=JSONResponse,
    ),
)
@router.post(PREFIX, status_code=201, response_model=TusCreated, include_in_schema=False)
async def create(request: Request, svc: Intake, user: CurrentUser, _: Versioned) -> Response:
    if "upload-defer-length" in request.headers:
        raise ServiceError(
            400, "须在开始时声明文件大小（Upload-Length）", "Upload-Defer-Length is not supported"
        )
    length = _int_header(request, "upload-length")
    meta = parse_metadata(request.headers.get("upload-metadata", ""))
    sid, filename = meta.get("submission_id"), meta.get("filename")
    if not sid or filename is None:
        raise ServiceError(
            422,
            "Upload-Metadata 须包含 submission_id 和 filename",
            "Upload-Metadata needs submission_id and filename",
        )
    sub = await svc.submissions.find_one({"_id": sid})
    if sub is None:
        raise ServiceError(404, f"作品 {sid} 不存在", f"no submission {sid}")
    require_see(user, sub)
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    material = find_material(campaign, sub["form"], meta.get("material"))
    declared_type = meta.get("filetype", "")
    check_upload(campaign, sub, material, filename, declared_type, length, svc.settings.tus_max_size)
    await check_storage(svc, sub, length)
    doc = await svc.uploads.create(
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
    created = TusCreated(upload_id=doc["_id"], filename=doc["filename"], expires_at=doc["expires_at"])
    return JSONResponse(
        created.model_dump(mode="json"),
        status_code=201,
        headers={"Location": f"{PREFIX}/{doc['_id']}", "Upload-Expires": _expires(doc)},
    )


@router.head(
    PREFIX + "/{upload_id}",
    **tus_route(200, "已收到的字节数 / how much has arrived", ["Upload-Offset", "Upload-Length"], [410]),
)
async def head(svc: Intake, doc: VisibleUpload) -> Response:
    offset = await svc.uploads.offset_of(doc)
    return Response(
        status_code=200,
        headers={
            "Upload-Offset": str(offset),
            "Upload-Length": str(doc["length"]),
            "Upload-Metadata": doc.get("metadata", ""),
            "Upload-Expires": _expires(doc),
        },
    )


@router.patch(
    PREFIX + "/{upload_id}",
    **tus_route(204, "已写入 / stored", ["Upload-Offset"], [400, 409, 410, 413, 415, 460], PATCH_REQUEST),
)
async def patch(request: Request, svc: Intake, doc: VisibleUpload) -> Response:
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != OCTETS:
        raise ServiceError(
            415, f"PATCH 请求的 Content-Type 须为 {OCTETS}", f"a PATCH must have Content-Type {OCTETS}"
        )
    offset = _int_header(request, "upload-offset")
    declared = request.headers.get("content-length")
    done = await svc.uploads.receive(doc, offset, _body(request), int(declared) if declared else None)
    headers = {"Upload-Offset": str(done["offset"]), "Upload-Expires": _expires(doc)}
    if done.get("state") == "done" and done.get("blob"):
        headers["Zhengji-Sha256"] = done["blob"]["sha256"]
        if done.get("version"):
            headers["Zhengji-Version"] = str(done["version"])
    return Response(status_code=204, headers=headers)


@router.delete(PREFIX + "/{upload_id}", **tus_route(204, "已删除 / terminated", [], [410]))
async def terminate(svc: Intake, doc: VisibleUpload) -> Response:
    await svc.uploads.terminate(doc)
    return Response(status_code=204)
