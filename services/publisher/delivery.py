"""Delivering one work to one platform over HTTP, with retries that respect it.

The idempotency key is the same on every try, so a platform that saw a request
whose answer was lost does not create a second copy. Backoff is exponential
with full jitter and honours ``Retry-After``; after the last try the delivery
is parked for an admin to retry."""

import asyncio
import random
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any

import httpx

RETRYABLE = {408, 425, 429, 500, 502, 503, 504}


@dataclass(frozen=True)
class Attempt:
    at: datetime
    status: int | None
    error: str | None


@dataclass(frozen=True)
class Delivered:
    remote_id: str | None
    url: str | None
    attempts: list[Attempt]


class DeliveryFailed(Exception):
    def __init__(self, reason: str, attempts: list[Attempt]) -> None:
        super().__init__(reason)
        self.attempts = attempts


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
    return random.uniform(0, min(cap_s, base_s * 2**attempt))


async def post_with_retries(
    client: httpx.AsyncClient,
    url: str,
    payload: dict[str, Any],
    idempotency_key: str,
    headers: dict[str, str] | None = None,
    tries: int = 5,
    base_s: float = 0.5,
    cap_s: float = 30.0,
) -> Delivered:
    attempts: list[Attempt] = []
    for attempt in range(tries):
        wait: float | None = None
        try:
            response = await client.post(
                url, json=payload, headers={"Idempotency-Key": idempotency_key, **(headers or {})}
            )
        except httpx.HTTPError as exc:
            attempts.append(Attempt(datetime.now(UTC), None, f"{type(exc).__name__}: {exc}"))
        else:
            attempts.append(Attempt(datetime.now(UTC), response.status_code, None))
            if response.is_success:
                body = _json(response)
                return Delivered(
                    str(body.get("id")) if body.get("id") is not None else None, body.get("url"), attempts
                )
            if response.status_code not in RETRYABLE:
                raise DeliveryFailed(f"HTTP {response.status_code}: {response.text[:200]}", attempts)
            wait = retry_after_s(response.headers.get("retry-after"))
        if attempt + 1 < tries:
            await asyncio.sleep(min(cap_s, wait) if wait is not None else backoff_s(attempt, base_s, cap_s))
    last = attempts[-1]
    raise DeliveryFailed(f"gave up after {tries} tries: {last.error or f'HTTP {last.status}'}", attempts)


def _json(response: httpx.Response) -> dict[str, Any]:
    try:
        body = response.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}
