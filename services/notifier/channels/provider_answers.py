"""The providers' HTTP answers turned into a sent id or a ``SendFailed``, alike for every SMS and
WeChat adapter: throttling and server errors are worth another try, the rest is parked."""

import json
import math
from typing import Any

import httpx

from services.common.outbound import Refused
from services.notifier.channels.base import SendFailed


async def post_for_json(client: httpx.AsyncClient, url: str, **request: Any) -> tuple[int, dict[str, Any]]:
    """POST and read a JSON object; transport failures become retryable ``SendFailed``s."""
    return await request_json(client, "POST", url, **request)


async def request_json(
    client: httpx.AsyncClient, method: str, url: str, **request: Any
) -> tuple[int, dict[str, Any]]:
    """Any method, read as ``post_for_json`` reads."""
    try:
        answer = await client.request(method, url, **request)
    except Refused as exc:
        raise SendFailed(f"地址不允许 / address refused: {exc}", retryable=False) from exc
    except httpx.HTTPError as exc:
        raise SendFailed(f"连接失败 / cannot reach the provider: {exc!r}", retryable=True) from exc
    return answer.status_code, _json_object(answer)


def _json_object(answer: httpx.Response) -> dict[str, Any]:
    try:
        body = json.loads(answer.content or b"{}")
    except ValueError:
        body = None
    if not isinstance(body, dict):
        retryable = answer.status_code >= 500 or answer.status_code == 429
        raise SendFailed(f"服务商返回 {answer.status_code}（非 JSON）/ not JSON", retryable=retryable)
    return body


def refused(
    provider: str, status: int, code: str, message: str, retryable_codes: tuple[str, ...]
) -> SendFailed:
    """The failure for a provider's error ``code``: retryable when throttled or a server fault."""
    retryable = status >= 500 or status == 429 or any(code.startswith(c) for c in retryable_codes)
    return SendFailed(f"{provider} {code}: {message}"[:500], retryable=retryable)


def number(body: dict[str, Any], key: str, default: float = 0) -> float:
    """A provider's numeric field (an error code, a lifetime), whatever type the answer gave it
    (json.loads reads NaN and Infinity too: the default, as for any other nonsense)."""
    try:
        value = float(body.get(key, default) or default)
    except (TypeError, ValueError):
        return default
    return value if math.isfinite(value) else default
