"""The one error every zhengji API answers with: an HTTP status and a message in Chinese, then
English, plus details a client can act on (the campaign's limit, the missing scores).

Domain code raises :class:`ServiceError`; one exception handler per app
(:func:`install_error_handlers`) turns it, FastAPI's ``HTTPException`` and a request that fails
validation into the same body, ``{"detail": {"message_zh", "message_en", ...}}``. Routes list
the statuses they may answer with :func:`responses`, so the OpenAPI document is true."""

from typing import Any

from fastapi import FastAPI, Request
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from pydantic import BaseModel, ConfigDict
from starlette.exceptions import HTTPException as StarletteHTTPException


class ServiceError(Exception):
    """A refusal the caller can act on."""

    def __init__(
        self, status: int, zh: str, en: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(en)
        self.status, self.zh, self.en, self.extra = status, zh, en, extra
        if status == 401 and headers is None:
            headers = {"WWW-Authenticate": "Bearer"}
        self.headers = headers

    def detail(self) -> dict[str, Any]:
        return {"message_zh": self.zh, "message_en": self.en, **self.extra}


class ErrorDetail(BaseModel):
    model_config = ConfigDict(extra="allow")
    message_zh: str
    message_en: str


class ErrorBody(BaseModel):
    """What every refusal looks like on the wire."""

    detail: ErrorDetail


_DESCRIPTIONS = {
    400: "请求无效 / bad request",
    401: "未登录 / not logged in",
    403: "无权操作 / not allowed",
    404: "不存在 / not found",
    409: "状态冲突 / conflict with the current state",
    410: "已过期 / gone",
    412: "前提条件不满足 / precondition failed",
    413: "内容过大 / too large",
    415: "类型不支持 / unsupported media type",
    416: "范围无效 / range not satisfiable",
    422: "内容不符合要求 / unprocessable",
    423: "已锁定 / locked",
    429: "请求过多 / too many requests",
    460: "校验和不符 / checksum mismatch",
    502: "上游平台出错 / upstream platform failed",
    503: "暂不可用 / unavailable",
}


def responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """The error answers a route may give, for its ``responses=``; 422 (validation) is always
    listed by FastAPI for routes with parameters, and is documented with our body here."""
    return {
        status: {"model": ErrorBody, "description": _DESCRIPTIONS.get(status, "错误 / error")}
        for status in statuses
    }


def _body(status: int, detail: Any) -> dict[str, Any]:
    if isinstance(detail, dict) and "message_zh" in detail:
        return {"detail": detail}
    en = detail if isinstance(detail, str) else "request refused"
    zh = _DESCRIPTIONS.get(status, "请求未能完成").split(" / ")[0]
    return {"detail": {"message_zh": zh, "message_en": en}}


async def _service_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ServiceError)
    return JSONResponse(
        jsonable_encoder({"detail": exc.detail()}), status_code=exc.status, headers=exc.headers
    )


async def _http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    return JSONResponse(_body(exc.status_code, exc.detail), status_code=exc.status_code, headers=exc.headers)


async def _invalid_request(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = jsonable_encoder(exc.errors())
    where = "; ".join(
        ".".join(str(p) for p in e.get("loc", ())) + f": {e.get('msg', '')}" for e in errors[:5]
    )
    body = {
        "message_zh": f"请求内容不符合要求：{where}",
        "message_en": f"the request is invalid: {where}",
        "errors": errors,
    }
    return JSONResponse({"detail": body}, status_code=422)


def install_error_handlers(app: FastAPI) -> None:
    """The app's one way of answering with an error; its OpenAPI document says so too (FastAPI
    documents every 422 as its own ``HTTPValidationError``, which this app never sends)."""
    app.add_exception_handler(ServiceError, _service_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _invalid_request)
    generate = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema is None:
            document = generate()
            schemas = document.setdefault("components", {}).setdefault("schemas", {})
            body = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
            schemas.update(body.pop("$defs", {}))
            schemas["HTTPValidationError"] = body
            app.openapi_schema = document
        return app.openapi_schema

    app.openapi = openapi  # type: ignore[method-assign]
