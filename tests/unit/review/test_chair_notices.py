"""Who a round's notices name as its chairs: the level's 组长, the one with a 评审范围 only for
that unit's round, and never one whose token was revoked."""

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any, cast

from services.review.chair_notices import chairs_of

EXPERTS: list[dict[str, Any]] = [
    {"_id": "jin", "scope": ""},
    {"_id": "han", "scope": "222401"},  # chairs only 延吉市's round
    {"_id": "pu", "scope": "", "token_revoked_at": datetime(2026, 12, 1, tzinfo=UTC)},
]


class Experts:
    """The level's 组长 as the store would return them for the query (already matched)."""

    def find(self, query: dict[str, Any], projection: dict[str, int]) -> AsyncIterator[dict[str, Any]]:
        assert query["role"] == "chair"

        async def rows() -> AsyncIterator[dict[str, Any]]:
            for doc in EXPERTS:
                yield {k: v for k, v in doc.items() if k in projection}

        return rows()


class Review:
    experts = Experts()


async def test_a_revoked_chair_is_not_told_and_a_scoped_one_only_of_their_units_round() -> None:
    svc = cast(Any, Review())
    campaign_wide = {"campaign_id": "c", "level": "county", "unit": None}
    assert await chairs_of(svc, campaign_wide) == ["han", "jin"]
    assert await chairs_of(svc, {**campaign_wide, "unit": "222401"}) == ["han", "jin"]
    assert await chairs_of(svc, {**campaign_wide, "unit": "222402"}) == ["jin"]
