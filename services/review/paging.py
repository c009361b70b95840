"""One page of a long list (the chair's table, reviewers' progress, a reviewer's assignments).

A page is an offset into a list whose order does not change while the round runs (the round's
entries in the order they became ready, reviewers by name), so walking ``next_offset`` until it is
None returns every row once. The limit has a ceiling: no answer grows with the round."""

from dataclasses import dataclass
from typing import Annotated, TypeVar

from fastapi import Depends, Query

T = TypeVar("T")
DEFAULT_LIMIT, MAX_LIMIT = 100, 500


@dataclass(frozen=True)
class Page:
    offset: int = 0
    limit: int = DEFAULT_LIMIT

    def of(self, rows: list[T]) -> list[T]:
        return rows[self.offset : self.offset + self.limit]

    def next_offset(self, total: int) -> int | None:
        end = self.offset + self.limit
        return end if end < total else None


MAX_OFFSET = 10_000_000  # far past any round; the store takes 8-byte ints only


def page_query(
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET, description="Rows to skip")] = 0,
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT, description="Rows in this page")] = DEFAULT_LIMIT,
) -> Page:
    return Page(offset, limit)


Paged = Annotated[Page, Depends(page_query)]
