"""A route class that reads at most so many bytes of a request's body before FastAPI parses it.

FastAPI reads a JSON body whole, and pydantic's bounds apply only after that: a body of a
gigabyte (the ingress lets tus chunks through) would be read into memory first. Routers whose
bodies are small by nature take ``route_class=capped_body(N)``: beyond N bytes, declared or
streamed, the answer is 413 before anything is parsed."""

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from services.common.errors import ServiceError


def capped_body(max_bytes: int) -> type[APIRoute]:
    class CappedBody(APIRoute):
        def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
            handler = super().get_route_handler()

            async def capped(request: Request) -> Response:
                declared = request.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > max_bytes:
                    raise _too_large(max_bytes)
                body = bytearray()
                async for chunk in request.stream():
                    body += chunk
                    if len(body) > max_bytes:
                        raise _too_large(max_bytes)
                request._body = bytes(body)  # what request.body() returns, so FastAPI reads no further
                return await handler(request)

            return capped

    return CappedBody


def _too_large(max_bytes: int) -> ServiceError:
    return ServiceError(413, f"请求内容过大（上限{max_bytes}字节）", f"request body over {max_bytes} bytes")
