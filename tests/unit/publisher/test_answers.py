"""What a platform's answer means for the delivery: done, try again (when), or park it."""

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest

from services.publisher.delivery import Permanent, Retryable, backoff_s, check, retry_after_s


def answer(status: int, **headers: str) -> httpx.Response:
    return httpx.Response(status, headers=headers, text="x", request=httpx.Request("POST", "http://p/"))


def test_success_passes_through() -> None:
    assert check(answer(201)).status_code == 201


@pytest.mark.parametrize("status", [500, 502, 503, 504, 408])
def test_server_errors_are_retried_and_count_against_the_circuit(status: int) -> None:
    with pytest.raises(Retryable) as caught:
        check(answer(status))
    assert caught.value.trips and caught.value.status == status


def test_429_is_retried_after_its_retry_after_without_tripping_the_circuit() -> None:
    with pytest.raises(Retryable) as caught:
        check(answer(429, **{"Retry-After": "7"}))
    assert caught.value.retry_after_s == 7 and not caught.value.trips


@pytest.mark.parametrize("status", [400, 401, 403, 404, 409, 422])
def test_client_errors_are_parked(status: int) -> None:
    with pytest.raises(Permanent):
        check(answer(status))


def test_retry_after_as_seconds_or_http_date() -> None:
    assert retry_after_s("3") == 3
    later = format_datetime(datetime.now(UTC) + timedelta(seconds=120), usegmt=True)
    waited = retry_after_s(later)
    assert waited is not None and 100 < waited <= 120
    assert retry_after_s("soon") is None and retry_after_s(None) is None


def test_backoff_is_jittered_below_an_exponential_cap() -> None:
    waits = [backoff_s(n, 0.5, 30) for n in range(10) for _ in range(20)]
    assert all(0 <= w <= 30 for w in waits)
    assert max(backoff_s(2, 0.5, 30) for _ in range(200)) <= 2.0
    assert len({round(w, 6) for w in waits}) > 100  # jitter: a crowd does not retry in step
