"""Failed logins counted per account and per client address (``services/common/rate_limit.py``).

Checking a password costs 64 MiB and tens of milliseconds of argon2, so a caller that has
failed too often is refused before the check runs."""

from typing import Any

from pymongo.asynchronous.database import AsyncDatabase

from services.common.rate_limit import RateLimit


def _keys(username: str, address: str | None) -> list[str]:
    return [f"account:{username}"] + ([f"address:{address}"] if address else [])


class LoginThrottle:
    def __init__(self, db: AsyncDatabase[dict[str, Any]], max_failures: int, window_s: float) -> None:
        self.failures = RateLimit(db["login_failures"], max_failures, window_s)

    async def setup(self) -> None:
        await self.failures.setup()

    async def check(self, username: str, address: str | None) -> None:
        """Refuse (429) when the account or the address has failed too often in the window."""
        keys = _keys(username, address)
        await self.failures.refuse_when_over(keys, "登录失败次数过多", "too many failed logins")

    async def failed(self, username: str, address: str | None) -> None:
        await self.failures.record(_keys(username, address))

    async def succeeded(self, username: str) -> None:
        """The account's own count starts again; the address keeps its failures."""
        await self.failures.forget(f"account:{username}")
