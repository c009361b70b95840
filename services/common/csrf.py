"""Cross-site request forgery: a state-changing request that carries this site's cookies must
come from this site's own pages (docs/decisions/0017-accounts-and-sessions.md).

Session cookies (intake's ``zhengji_session``, review's ``zhengji_review``) are SameSite=Lax,
which keeps them off cross-site POSTs in current browsers but not in every browser nor from a
sibling subdomain. So a POST, PUT, PATCH or DELETE that sends any cookie is refused (403) when
the browser says it comes from elsewhere: its ``Origin`` is not this site's, or, without one,
``Sec-Fetch-Site`` says cross-site or same-site, or its ``Referer`` is another site's. A request
without cookies passes: API clients send a bearer token, tus clients and platform callbacks send
no cookies, and a forged request cannot add a header without a CORS preflight we never grant.

"This site" is the origin the request was sent to (scheme and ``Host``), the public base URL
(``ZHENGJI_PUBLIC_BASE_URL``, for a proxy that rewrites them) and ``ZHENGJI_CSRF_TRUSTED_ORIGINS``.
Pure ASGI (asgi_middleware.py): the refusal happens before a body is read."""

from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.responses import JSONResponse
from starlette.types import ASGIApp, Receive, Scope, Send

from services.common.asgi_middleware import HttpMiddleware
from services.common.errors import ServiceError
from services.common.settings import Settings

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
DEFAULT_PORTS = {"http": 80, "https": 443}
REFUSAL = ServiceError(
    403,
    "请求被拒绝：该操作须在本站页面上进行（跨站请求不能使用本站的登录）",
    "refused: a state-changing request from another site with this site's cookies (CSRF)",
    reason="cross_site_request",
)


def origin_of(url: str) -> str | None:
    """``scheme://host[:port]`` with the default port dropped, lower case; None if not a URL."""
    try:
        parts = urlsplit(url.strip())
        port = parts.port
    except ValueError:
        return None
    if parts.scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    shown = "" if port in (None, DEFAULT_PORTS[parts.scheme]) else f":{port}"
    return f"{parts.scheme}://{parts.hostname}{shown}"


def trusted_origins(settings: Settings) -> frozenset[str]:
    listed = [settings.public_base_url or "", *settings.csrf_trusted_origins.split(",")]
    return frozenset(o for o in (origin_of(u) for u in listed if u.strip()) if o)


def from_elsewhere(headers: Headers, own: frozenset[str]) -> bool:
    """Whether the browser says this request was made by another site's page."""
    origin = headers.get("origin")
    if origin is not None:  # every current browser sends it on a non-GET request
        return origin_of(origin) not in own  # "null" (sandboxed, file:) is elsewhere too
    if headers.get("sec-fetch-site", "same-origin") != "same-origin":
        return True
    referer = headers.get("referer")
    # Neither header: not a browser (an httpx or curl client that kept a cookie), or one too old
    # to send them, where SameSite still applies.
    return referer is not None and origin_of(referer) not in own


class OriginCheck(HttpMiddleware):
    def __init__(self, app: ASGIApp, trusted: frozenset[str]) -> None:
        super().__init__(app)
        self.trusted = trusted

    async def http(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["method"] not in SAFE_METHODS:
            headers = Headers(scope=scope)
            if "cookie" in headers:
                own = origin_of(f"{scope['scheme']}://{headers.get('host', '')}")
                if from_elsewhere(headers, self.trusted | {own} if own else self.trusted):
                    refusal = JSONResponse({"detail": REFUSAL.detail()}, status_code=REFUSAL.status)
                    await refusal(scope, receive, send)
                    return
        await self.app(scope, receive, send)


def install_origin_check(app: FastAPI, settings: Settings) -> None:
    app.add_middleware(OriginCheck, trusted=trusted_origins(settings))
