"""Headers every answer of every app carries, so a browser limits what a page may do.

The pages load only their own scripts (``/static``, ``/showcase/static``, the vendored hls.js and
tus-js-client, mediainfo.js), so scripts are ``'self'`` alone (and WebAssembly may be compiled,
never JavaScript evaluated), and no page may be framed (clickjacking).
Styles allow ``'unsafe-inline'`` because the templates use ``style=`` attributes for layout;
media, images and fetches also reach ``https:``/``http:`` and ``blob:``, because published
videos can be streamed from a CDN or presigned object-store URLs and hls.js plays through
Media Source (blob: URLs)."""

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from services.common.asgi_middleware import HttpMiddleware

CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self' 'wasm-unsafe-eval'",  # the upload page's pre-check runs MediaInfo in WebAssembly
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self' data: blob: https: http:",
        "media-src 'self' blob: https: http:",
        "connect-src 'self' https: http:",
        "worker-src 'self' blob:",
        "object-src 'none'",
        "base-uri 'self'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"x-content-type-options", b"nosniff"),
    (b"referrer-policy", b"same-origin"),
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-frame-options", b"DENY"),  # frame-ancestors for browsers that predate it
]


class SecurityHeaders(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        async def with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(n, v) for n, v in SECURITY_HEADERS if n not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, with_headers)


def install_security_headers(app: FastAPI) -> None:
    app.add_middleware(SecurityHeaders)
