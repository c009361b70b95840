"""Delivering to a platform over HTTP: what an answer means, and how long to wait after it.

Each request is one try: a job that must try again is released with a
``not_before`` instead of sleeping on its lease, so a slow platform holds no
worker. The idempotency key is the same on every try, so a platform that saw a
request whose answer was lost does not create a second copy. Backoff is
exponential with full jitter and honours ``Retry-After``."""

import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

from services.common.outbound import DeadlineExceeded, Refused

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status: int | None
    error: str | None
    what: str = "send"

    def as_doc(self) -> dict[str, Any]:
        return {"at": self.at, "status": self.status, "error": self.error, "what": self.what}


class Retryable(Exception):
    """Worth another try later. ``trips`` says whether it counts against the platform's circuit:
    a 429 is a busy platform, not a broken one."""

    def __init__(self, reason: str, status: int | None, retry_after_s: float | None = None) -> None:
        super().__init__(reason)
        self.status = status
        self.retry_after_s = retry_after_s
        self.trips = status != 429


class Permanent(Exception):
    """Another try cannot help (a 4xx, a missing secret): park it for an admin."""

    def __init__(self, reason: str, status: int | None = None) -> None:
        super().__init__(reason)
        self.status = status


def retry_after_s(value: str | None) -> float | None:
    """``Retry-After`` is either seconds or an HTTP date."""
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        return max(0.0, (parsedate_to_datetime(value) - datetime.now(UTC)).total_seconds())
    except (TypeError, ValueError):
        return None


def backoff_s(attempt: int, base_s: float, cap_s: float) -> float:
    """Full jitter: a crowd of retries spreads out instead of hitting the platform together."""
    return random.uniform(0, min(cap_s, base_s * 2**attempt))


async def send(client: httpx.AsyncClient, request: httpx.Request) -> httpx.Response:
    """One try; a failure to talk to the platform at all is Retryable, like a 5xx."""
    try:
        return await client.send(request)
    except Refused as exc:  # a private address, an answer too large: the same next time
        raise Permanent(str(exc)) from exc
    except httpx.TimeoutException as exc:
        said = f": {exc}" if isinstance(exc, DeadlineExceeded) else ""  # which deadline, and where to set it
        raise Retryable(f"超时 timed out: {type(exc).__name__}{said}", None) from exc
    except httpx.HTTPError as exc:
        raise Retryable(f"连接失败 cannot connect: {type(exc).__name__}: {exc}", None) from exc


def check(response: httpx.Response) -> httpx.Response:
    """Raise for an answer that is not a success; 2xx passes through."""
    if response.is_success:
        return response
    text = response.text[:200]
    if response.is_redirect:
        # Not followed: a platform's API that moved is fixed in the campaign, where it is checked.
        raise Permanent(
            f"HTTP {response.status_code}：平台要求重定向到 {response.headers.get('location')}，未跟随"
            f" / redirect to {response.headers.get('location')!r} not followed",
            response.status_code,
        )
    if response.status_code in RETRYABLE:
        raise Retryable(
            f"HTTP {response.status_code}: {text}",
            response.status_code,
            retry_after_s(response.headers.get("retry-after")),
        )
    raise Permanent(f"HTTP {response.status_code}: {text}", response.status_code)


def body_of(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
