"""The shape of the apps' own middlewares: pure ASGI, acting on HTTP requests only.

Pure ASGI rather than Starlette's BaseHTTPMiddleware, which buffers streamed answers (blobs,
HLS segments) in memory; lifespan and websocket scopes pass through untouched."""

from starlette.types import ASGIApp, Receive, Scope, Send


class HttpMiddleware:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.http(scope, receive, send)

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        """Handle one HTTP request, calling ``self.app`` for the answer."""
        raise NotImplementedError
