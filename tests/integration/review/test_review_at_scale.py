"""A round with many entries on the real broker and store (decision 0025): each entry's reviewers
in their own document, the chair's table, progress and a reviewer's list walked page by page
(every row once), scoring and finalising with the outcome the marks give; and a round stored the
old way (its whole assignment in the round's document) moved when the service starts."""

from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from services.common.settings import Settings
from services.common.store import connect, service_db
from services.review.app import transcoded_fields
from tests.conftest import admin_client
from tests.integration.review.feed import (
    TUMEN,
    YANJI,
    Work,
    bearer,
    feed,
    import_experts,
    round_of,
    score_everything,
    until_ready,
)
from tests.integration.review.test_review_flow import yanbian

# A chair and six reviewers from a third county: every entry can have any three of them.
PANEL = "姓名,单位编码,角色\n金老师,222400001,组长\n" + "".join(
    f"评审{i},22240390{i},评审\n" for i in range(6)
)
N = 120  # 4 pools (two counties x two groups) of 30: each reviewer carries about 50 entries
WORKS = [
    Work(f"S{i:03d}", f"作品{i}", (YANJI, TUMEN)[i % 2], i, group=("小学组", "中学组")[(i // 2) % 2])
    for i in range(N)
]
MARKS = {w.sid: 60 + i // 4 for i, w in enumerate(WORKS)}  # a pool is i % 4: no ties within one


def stored_ready(work: Work, campaign_id: str) -> dict[str, Any]:
    """The entry as review stores it once transcoded and approved (what 240 events would write)."""
    event = work.event(campaign_id)
    approved = {"approved_version": event.entry.version, "approved_at": event.occurred_at}
    return {"_id": work.sid, **transcoded_fields(event), **approved, "levels": {}, "ready": True}


async def pages(get: Callable[[int], Awaitable[dict[str, Any]]], rows: str) -> list[dict[str, Any]]:
    """Every row of a paged list, following ``next_offset`` from 0."""
    out: list[dict[str, Any]] = []
    offset: int | None = 0
    while offset is not None:
        page = await get(offset)
        out += page[rows]
        offset = page["next_offset"]
    return out


async def test_a_large_round_stores_each_entrys_reviewers_pages_once_and_finalises(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    campaign = yanbian("yanbian-scale")
    db = service_db(connect(settings.mongodb_uri), settings.db_prefix, "review")
    await feed(settings.kafka_bootstrap_servers, campaign, [])  # the campaign; its entries in bulk:
    await db["entries"].insert_many([stored_ready(w, campaign.id) for w in WORKS])
    await until_ready(review_api, campaign.id, N)
    tokens = await import_experts(review_api, campaign.id, "county", PANEL)
    opened = await review_api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": "county"})
    assert opened.status_code == 201, opened.text
    rid = opened.json()["round_id"]
    chair = bearer(tokens["金老师"])

    stored = {d["submission_id"]: d["reviewers"] async for d in db["assignments"].find({"round_id": rid})}
    assert sorted(stored) == sorted(w.sid for w in WORKS)
    assert all(len(set(r)) == 3 for r in stored.values())
    rnd = await db["rounds"].find_one({"_id": rid})
    assert rnd is not None and "assignments" not in rnd

    async def table(offset: int) -> dict[str, Any]:
        got = await review_api.get(
            f"/api/review/rounds/{rid}/table", headers=chair, params={"offset": offset, "limit": 37}
        )
        assert got.status_code == 200, got.text
        return dict(got.json())

    rows = await pages(table, "entries")
    assert [r["submission_id"] for r in rows] == [w.sid for w in WORKS]  # each once, in ready order
    assert {r["submission_id"]: r["reviewers"] for r in rows} == stored
    assert (await table(0))["missing_count"] == 3 * N

    loads = Counter(r for reviewers in stored.values() for r in reviewers)
    for name, token in tokens.items():
        me = (await review_api.get("/api/review/me", headers=bearer(token))).json()["reviewer_id"]

        async def mine(offset: int, token: str = token) -> dict[str, Any]:
            got = await review_api.get(
                "/api/review/me/assignments", headers=bearer(token), params={"offset": offset, "limit": 20}
            )
            items = got.json()
            return {"items": items, "next_offset": offset + 20 if len(items) == 20 else None}

        listed = [i["entry"]["submission_id"] for i in await pages(mine, "items")]
        assert sorted(listed) == sorted(sid for sid, r in stored.items() if me in r), name
        assert len(listed) == loads[me]

    async def progress(offset: int) -> dict[str, Any]:
        got = await review_api.get(
            f"/api/review/rounds/{rid}/progress", headers=chair, params={"offset": offset, "limit": 3}
        )
        return dict(got.json())

    assert await score_everything(review_api, rid, tokens, MARKS) == 3 * N
    people = await pages(progress, "reviewers")
    assert sorted(p["name"] for p in people) == sorted(tokens)
    assert all(p["complete"] == p["assigned"] == loads[p["reviewer_id"]] for p in people)

    done = await review_api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
    assert done.status_code == 200, done.text
    recommended = {sid for sid, d in done.json()["decisions"].items() if d["outcome"] == "recommended"}
    assert recommended == top_three_per_pool(rnd["pools"])


def top_three_per_pool(pools: dict[str, str]) -> set[str]:
    """The county level recommends the top three of each pool (the marks rise with the index)."""
    by_pool: dict[str, list[str]] = {}
    for sid, pool in pools.items():
        by_pool.setdefault(pool, []).append(sid)
    return {sid for sids in by_pool.values() for sid in sorted(sids, key=lambda s: -MARKS[s])[:3]}


async def test_a_round_stored_the_old_way_is_moved_when_the_service_starts(settings: Settings) -> None:
    campaign = yanbian("yanbian-old-shape")
    works = WORKS[:8]
    db = service_db(connect(settings.mongodb_uri), settings.db_prefix, "review")
    async with admin_client(settings, ["review"]) as api:
        rid, tokens = await round_of(api, settings.kafka_bootstrap_servers, campaign, works, "county", PANEL)
    # The shape before decision 0025: the whole assignment in the round's document, nothing beside it.
    lists = {d["submission_id"]: d["reviewers"] async for d in db["assignments"].find({"round_id": rid})}
    await db["rounds"].update_one({"_id": rid}, {"$set": {"assignments": lists}})
    await db["assignments"].delete_many({"round_id": rid})

    async with admin_client(settings, ["review"]) as api:
        chair = bearer(tokens["金老师"])
        table = (await api.get(f"/api/review/rounds/{rid}/table", headers=chair)).json()
        assert {r["submission_id"]: r["reviewers"] for r in table["entries"]} == lists
        rnd = await db["rounds"].find_one({"_id": rid})
        assert rnd is not None and "assignments" not in rnd
        assert await score_everything(api, rid, tokens, MARKS) == 3 * len(works)
        done = await api.post(f"/api/review/rounds/{rid}/finalise", headers=chair)
        assert done.status_code == 200, done.text
        recommended = {sid for sid, d in done.json()["decisions"].items() if d["outcome"] == "recommended"}
        assert recommended == top_three_per_pool(rnd["pools"])
