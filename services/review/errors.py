"""The one error review's operations raise: an HTTP status and a message in Chinese and English,
plus details a client can act on (e.g. the list of missing scores)."""

from typing import Any


class RoundError(Exception):
    def __init__(self, status: int, zh: str, en: str, **extra: Any) -> None:
        super().__init__(en)
        self.status, self.zh, self.en, self.extra = status, zh, en, extra

    def detail(self) -> dict[str, Any]:
        return {"message_zh": self.zh, "message_en": self.en, **self.extra}
