"""Errors as the intake API answers them: a status and a message in Chinese, then English."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import HTTPException, Request, Response
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute


class IntakeError(Exception):
    """A refusal the caller can act on; ``http()`` turns it into the API's error body."""

    def __init__(
        self, status: int, zh: str, en: str, headers: dict[str, str] | None = None, **extra: Any
    ) -> None:
        super().__init__(en)
        self.status, self.zh, self.en, self.extra = status, zh, en, extra
        self.headers = headers

    def http(self) -> HTTPException:
        return http_error(self.status, self.zh, self.en, headers=self.headers, **self.extra)


def http_error(
    status: int, zh: str, en: str, headers: dict[str, str] | None = None, **extra: Any
) -> HTTPException:
    return HTTPException(status, detail={"message_zh": zh, "message_en": en, **extra}, headers=headers)


def too_large(limit: int, declared: int | None) -> IntakeError:
    mb = limit / 1024 / 1024
    return IntakeError(
        413,
        f"文件超过本活动的大小上限（{mb:.0f} MB），请压缩后重新上传",
        f"the file exceeds this campaign's limit of {mb:.0f} MB",
        limit=limit,
        declared=declared,
    )


class IntakeRoute(APIRoute):
    """A route whose handler (and dependencies) may raise :class:`IntakeError` for the error body."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except IntakeError as exc:
                return JSONResponse(
                    {"detail": {"message_zh": exc.zh, "message_en": exc.en, **exc.extra}},
                    status_code=exc.status,
                    headers=exc.headers,
                )

        return route
