"""Every HTTP answer counted, timed and logged once, by route template.

The route is the template the request matched (``/submissions/{submission_id}``, a static mount's
``/static/common``), never the raw path: ids in paths would make one time series per submission
and put reviewers' link tokens into the metrics and logs. A request that matched no route is
``unmatched`` (scanners would otherwise mint series at will). The access log line has the method,
route, status, duration and client address, and nothing else of the request: no query string
(tokens travel there), no headers (Authorization, cookies).

Pure ASGI (asgi_middleware.py), so streamed answers are not buffered; the duration runs to the
end of the body. Probes and scrapes (``/healthz``, ``/readyz``, ``/metrics``) are counted but
logged at debug level: they come every few seconds."""

import time

from fastapi import FastAPI
from starlette.types import Message, Receive, Scope, Send

from services.common.asgi_middleware import HttpMiddleware
from services.common.log import get_logger
from services.common.metrics import HTTP_REQUESTS, HTTP_SECONDS

log = get_logger("http")
QUIET_ROUTES = frozenset({"/healthz", "/readyz", "/metrics"})
UNMATCHED = "unmatched"


def route_of(scope: Scope) -> str:
    """The template of the route the router matched (it writes ``scope["route"]``)."""
    path = getattr(scope.get("route"), "path", None)
    return path if isinstance(path, str) and path else UNMATCHED


def client_of(scope: Scope) -> str | None:
    client = scope.get("client")
    return str(client[0]) if client else None


class HttpMetrics(HttpMiddleware):
    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        started = time.perf_counter()
        status = 500  # what the server answers when the app raises before it starts an answer

        async def noting_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = int(message["status"])
            await send(message)

        try:
            await self.app(scope, receive, noting_status)
        finally:
            seconds = time.perf_counter() - started
            method, route = str(scope["method"]), route_of(scope)
            HTTP_REQUESTS.labels(method, route, str(status)).inc()
            HTTP_SECONDS.labels(method, route).observe(seconds)
            write = log.debug if route in QUIET_ROUTES else log.info
            write(
                "http_request",
                method=method,
                route=route,
                status=status,
                duration_ms=round(seconds * 1000, 1),
                client=client_of(scope),
            )


def install_http_metrics(app: FastAPI) -> None:
    """Installed after the other middlewares, so it is the outermost: it times all of them."""
    app.add_middleware(HttpMetrics)
