"""Review at provincial scale through the HTTP API: `.venv/bin/python bench/bench_review_scale.py`.

A generated campaign (Yanbian's notice: county level, 3 reviews per entry) of 13 counties, 400
schools and 200 reviewers, at 1,000 entries (the baseline) and at 10,000, each on a fresh embedded
store and broker with intake and review served as `zhengji up` serves them. Timed through HTTP:
opening the round (with the automatic assignment), a page of the chair's table (first and middle),
a page of progress, a reviewer's list, one sheet saved, the proposal, finalising, the exports and
intake's dashboard summary, each with its answer's size. Printed beside them: a raw `find()` over
the collection the operation reads (the floor for a request that reads it all), the store's size
and its largest document, and the 10,000 / 1,000 ratio of every operation (10 is linear growth).

Seeding is the fastest way that is still real: the organisation tree and the 200 experts go
through the API; the entries are stored in bulk as the services' own code writes them (intake's
``Submission`` model; review's ``transcoded_fields`` and the ready rule's fields), not by 10,000
uploads, transcodes and 20,000 events; the 30,000 score sheets are read by the service's rubric
(``read_sheet``) and stored in bulk as ``sheet_document`` builds them, while one sheet per run is
saved through the API and timed. Each entry gets a distinct mark in its pool, so no tie waits for
the chair. Asserts that every table page is full and the pages cover the round once. No thresholds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, cast

import httpx
from bson import CodecOptions
from bson.raw_bson import RawBSONDocument
from pymongo.asynchronous.database import AsyncDatabase

from contracts import Attribution, BlobRef, EntryInfo, Rendition, SubmissionTranscoded
from services.common.log import configure_logging
from services.common.settings import Settings
from services.common.store import Doc, connect
from services.intake.presets import load_preset
from services.intake.submission_store import Submission
from services.review.app import transcoded_fields
from services.review.scoring import campaign_rubric, read_sheet
from services.review.sheets import sheet_document, sheet_id
from tests.conftest import ADMIN_PASSWORD, admin_login, create_campaign, eventually, import_tree
from zhengji.embedded import EmbeddedServers
from zhengji.ports import free_port
from zhengji.server import embedded_settings, running

COUNTIES, SCHOOLS, REVIEWERS = 13, 400, 200
GROUPS = ["小学组", "中学组"]
PAGE = 100
BLOB = BlobRef(uri="blob://sha256/" + "b" * 64, sha256="b" * 64, size=1_000_000, media_type="video/mp4")


def county(i: int) -> str:
    return f"4301{i:02d}"


def school(i: int) -> str:
    return f"{county(i % COUNTIES)}{i:03d}"


def tree_csv() -> str:
    lines = ["code,name,level,parent", "43,湖南省,province,", "4301,长沙市,city,43"]
    lines += [f"{county(c)},第{c + 1}县,county,4301" for c in range(COUNTIES)]
    lines += [f"{school(s)},第{s + 1}学校,school,{county(s % COUNTIES)}" for s in range(SCHOOLS)]
    return "\n".join(lines) + "\n"


def experts_csv() -> str:
    rows = ["姓名,单位编码,单位名称,角色"]
    for r in range(REVIEWERS):
        s = (r * 7) % SCHOOLS
        rows.append(f"专家{r:03d},{school(s)},第{s + 1}学校,{'组长' if r == 0 else '评审'}")
    return "\n".join(rows) + "\n"


def work(i: int, campaign_id: str) -> tuple[Submission, SubmissionTranscoded]:
    s = (i * 37) % SCHOOLS
    unit, home = school(s), county(s % COUNTIES)
    attribution = Attribution(
        unit_code=unit,
        unit_name=f"第{s + 1}学校",
        unit_path=["43", "4301", home, unit],
        unit_path_names=["湖南省", "长沙市", f"第{s % COUNTIES + 1}县", f"第{s + 1}学校"],
        author=f"作者{i}",
    )
    group, sid = GROUPS[i % 2], f"S{i:05d}"
    entry = EntryInfo(title=f"作品{i}", group=group, category="英雄故事", summary="微视频", version=1)
    now = datetime.now(UTC)
    sub = Submission(
        id=sid,
        campaign_id=campaign_id,
        form={"title": entry.title, "category": "英雄故事", "school": attribution.unit_name},
        group=group,
        attribution=attribution,
        stage="transcoded",
        version=1,
        approval={"state": "approved"},
        created_at=now,
    )
    event = SubmissionTranscoded(
        submission_id=sid,
        campaign_id=campaign_id,
        correlation_id=f"{sid}:v1",
        producer="transcoder",
        entry=entry,
        attribution=attribution,
        succeeded=True,
        renditions=[Rendition(name="master", blob=BLOB, height=720)],
        duration_s=300.0,
    )
    return sub, event


async def seed_entries(intake: AsyncDatabase[Doc], review: AsyncDatabase[Doc], cid: str, n: int) -> None:
    subs, entries = [], []
    for i in range(n):
        sub, event = work(i, cid)
        subs.append(sub.document())
        approved = {"approved_version": 1, "approved_at": event.occurred_at, "ready": True, "levels": {}}
        entries.append({"_id": sub.id, **transcoded_fields(event), **approved})
    for start in range(0, n, 1000):
        await intake["submissions"].insert_many(subs[start : start + 1000])
        await review["entries"].insert_many(entries[start : start + 1000])


async def seed_sheets(review: AsyncDatabase[Doc], campaign_id: str, round_id: str, skip: str) -> int:
    """Every assigned reviewer's complete sheet; each entry a distinct mark in its pool."""
    campaign = load_preset("yanbian-2024")
    rubric = campaign_rubric(campaign)
    rnd = await review["rounds"].find_one({"_id": round_id})
    assert rnd is not None
    lists = {
        d["submission_id"]: d["reviewers"] async for d in review["assignments"].find({"round_id": round_id})
    }
    seen: dict[str, int] = defaultdict(int)
    docs = []
    for sid in rnd["submission_ids"]:
        pool = rnd["pools"][sid]
        mark = f"{99.9 - 0.1 * seen[pool]:.1f}"
        seen[pool] += 1
        sheet = read_sheet(rubric, {c.code: mark for c in rubric.criteria})
        for reviewer in lists[sid]:
            if (sid, reviewer) != tuple(skip.split("|")):
                docs.append(
                    {
                        "_id": sheet_id(round_id, sid, reviewer),
                        **sheet_document(round_id, sid, reviewer, sheet, ""),
                    }
                )
    for start in range(0, len(docs), 2000):
        await review["scores"].insert_many(docs[start : start + 2000])
    return len(docs)


Timed = dict[str, tuple[float, int]]  # operation -> (seconds, bytes answered)


async def timed(
    results: Timed, name: str, call: Callable[[], Awaitable[httpx.Response]], ok: int = 200
) -> httpx.Response:
    start = time.perf_counter()
    answer = await call()
    results[name] = (time.perf_counter() - start, len(answer.content))
    print(f"    {name}: {results[name][0]:.3f} s, {results[name][1]:,} bytes", flush=True)
    assert answer.status_code == ok, f"{name}: {answer.status_code} {answer.text[:300]}"
    return answer


async def raw(results: Timed, name: str, db: AsyncDatabase[Doc], collection: str, query: Doc) -> None:
    start = time.perf_counter()
    docs = await db[collection].find(query).to_list()
    results[name] = (time.perf_counter() - start, len(docs))


async def store_size(db: AsyncDatabase[Doc]) -> tuple[int, int, str]:
    """(data bytes, largest document's bytes, where it is): every document read raw, never
    decoded, and its BSON size summed (SecantusDB's dbStats dropped the connection at 10,000)."""
    total, largest, where = 0, 0, ""
    for name in await db.list_collection_names():
        raw_docs = db.client[db.name].get_collection(name, CodecOptions(document_class=RawBSONDocument))
        async for d in raw_docs.find({}, batch_size=1000):
            size = len(cast(RawBSONDocument, d).raw)
            total += size
            if size > largest:
                largest, where = size, f"{name}/{d['_id']}"
    return total, largest, where


async def run(n: int) -> tuple[Timed, Timed, dict[str, Any]]:
    results: Timed = {}
    floors: Timed = {}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "data"
        servers = EmbeddedServers(data)
        await servers.astart()
        try:
            settings: Settings = embedded_settings(data, servers, "127.0.0.1", free_port())
            async with (
                running(settings, ["intake", "review"]),
                httpx.AsyncClient(base_url=settings.base_url(), timeout=600) as api,
            ):
                await admin_login(api)
                await import_tree(api, tree_csv())
                cid = await create_campaign(api, "yanbian-2024")
                plan = f"/api/review/campaigns/{cid}/plan"
                await eventually(lambda: _ok(api, plan), 60, "review to know the campaign")
                client = connect(settings.mongodb_uri)
                intake_db, review_db = (
                    client[f"{settings.db_prefix}_intake"],
                    client[f"{settings.db_prefix}_review"],
                )
                start = time.perf_counter()
                await seed_entries(intake_db, review_db, cid, n)
                seeded_s = time.perf_counter() - start
                imported = await api.post(
                    f"/api/review/campaigns/{cid}/levels/county/experts",
                    content=experts_csv().encode(),
                    headers={"content-type": "text/csv"},
                )
                assert imported.status_code == 201, imported.text
                tokens = {e["reviewer_id"]: e["token"] for e in imported.json()["experts"]}

                opened = await timed(
                    results,
                    "open round + assign",
                    lambda: api.post(f"/api/review/campaigns/{cid}/rounds", json={"level": "county"}),
                    201,
                )
                assert opened.json()["assignment"]["complete"], opened.json()["assignment"]["message_en"]
                rid = opened.json()["round_id"]
                chair = {"authorization": f"Bearer {tokens[_chair(imported.json())]}"}
                reviewer_id = next(
                    e["reviewer_id"] for e in imported.json()["experts"] if e["role"] != "chair"
                )
                reviewer = {"authorization": f"Bearer {tokens[reviewer_id]}"}
                mine = await timed(
                    results,
                    "reviewer's list (page)",
                    lambda: api.get("/api/review/me/assignments", headers=reviewer, params={"limit": PAGE}),
                )
                first = mine.json()[0]["entry"]["submission_id"]
                start = time.perf_counter()
                sheets = await seed_sheets(review_db, cid, rid, f"{first}|{reviewer_id}")
                sheets_s = time.perf_counter() - start
                rubric = [c["key"] for c in (await api.get(plan)).json()["rubric"]]
                own_mark = await _mark_of(review_db, rid, first)
                await timed(
                    results,
                    "save one sheet",
                    lambda: api.put(
                        f"/api/review/rounds/{rid}/entries/{first}/sheet",
                        json={"sheet": dict.fromkeys(rubric, own_mark)},
                        headers=reviewer,
                    ),
                )

                page1 = await timed(
                    results,
                    "chair's table, page 1",
                    lambda: api.get(f"/api/review/rounds/{rid}/table", headers=chair, params={"limit": PAGE}),
                )
                await timed(
                    results,
                    "chair's table, middle page",
                    lambda: api.get(
                        f"/api/review/rounds/{rid}/table",
                        headers=chair,
                        params={"limit": PAGE, "offset": n // 2},
                    ),
                )
                assert len(page1.json()["entries"]) == PAGE and page1.json()["missing_count"] == 0
                await timed(
                    results,
                    "progress (page)",
                    lambda: api.get(
                        f"/api/review/rounds/{rid}/progress", headers=chair, params={"limit": PAGE}
                    ),
                )
                await timed(
                    results,
                    "chair's page (HTML)",
                    lambda: api.get(f"/review/chair/rounds/{rid}", headers=chair),
                )
                shown = await timed(
                    results, "proposal", lambda: api.get(f"/api/review/rounds/{rid}/proposal", headers=chair)
                )
                assert shown.json()["ready"], shown.json().get("pending")
                before = await store_size(review_db)
                await timed(
                    results,
                    "finalise",
                    lambda: api.post(
                        f"/api/review/rounds/{rid}/finalise",
                        headers=chair,
                        json={"proposal_id": shown.json()["proposal_id"]},
                    ),
                )
                await timed(
                    results,
                    "export awards.xlsx",
                    lambda: api.get(f"/api/review/rounds/{rid}/exports/awards.xlsx", headers=chair),
                )
                await timed(
                    results,
                    "export units.xlsx",
                    lambda: api.get(f"/api/review/rounds/{rid}/exports/units.xlsx", headers=chair),
                )
                await timed(
                    results,
                    "dashboard summary",
                    lambda: api.get(f"/api/campaigns/{cid}/summary", params={"level": "county"}),
                )

                await raw(floors, "find() scores of the round", review_db, "scores", {"round_id": rid})
                await raw(
                    floors, "find() entries of the campaign", review_db, "entries", {"campaign_id": cid}
                )
                await raw(floors, "find() intake submissions", intake_db, "submissions", {"campaign_id": cid})
                after = await store_size(review_db)
                intake_size = await store_size(intake_db)
                facts = {
                    "seed entries (bulk) s": seeded_s,
                    "seed sheets (bulk) s": sheets_s,
                    "sheets": sheets,
                    "review store before finalise": before,
                    "review store after finalise": after,
                    "intake store": intake_size,
                }
                await client.close()
        finally:
            servers.stop()
    return results, floors, facts


def _chair(imported: dict[str, Any]) -> str:
    return str(next(e["reviewer_id"] for e in imported["experts"] if e["role"] == "chair"))


async def _ok(api: httpx.AsyncClient, url: str) -> bool:
    return (await api.get(url)).status_code == 200


async def _mark_of(review: AsyncDatabase[Doc], round_id: str, submission_id: str) -> str:
    """The mark the seeded sheets give this entry (its pool's other reviewers), as typed."""
    doc = await review["scores"].find_one({"round_id": round_id, "submission_id": submission_id})
    assert doc is not None
    return str(next(iter(doc["values"].values())))


def mb(n: int) -> str:
    return f"{n / 1e6:8.2f} MB"


def report(small: int, big: int, runs: dict[int, tuple[Timed, Timed, dict[str, Any]]]) -> None:
    (t_small, f_small, x_small), (t_big, f_big, x_big) = runs[small], runs[big]
    print(
        f"review at scale: {COUNTIES} counties, {SCHOOLS} schools, {REVIEWERS} reviewers, 3 reviews per entry"
    )
    print(f"{'operation (HTTP)':<30} {small:>7,} entries {big:>9,} entries  ratio   answer at {big:,}")
    for name, (t, size) in t_big.items():
        ts = t_small[name][0]
        print(f"  {name:<28} {ts:9.3f} s {t:11.3f} s  {t / ts:6.1f}x  {size / 1e3:10.1f} kB")
    print("baseline: raw find() of what the operations read")
    for name, (t, count) in f_big.items():
        ts = f_small[name][0]
        print(f"  {name:<28} {ts:9.3f} s {t:11.3f} s  {t / ts:6.1f}x  {count:>10,} docs")
    for x in (x_small, x_big):
        entries_s, sheets_s = x["seed entries (bulk) s"], x["seed sheets (bulk) s"]
        print(f"seeded entries in {entries_s:.1f} s, {x['sheets']:,} sheets in {sheets_s:.1f} s")
        for key in ("review store before finalise", "review store after finalise", "intake store"):
            size, largest, where = x[key]
            print(f"  {key:<30} {mb(size)}   largest document {largest / 1e3:8.1f} kB ({where})")


async def main(small: int, big: int) -> None:
    os.environ.setdefault("ZHENGJI_ADMIN_PASSWORD", ADMIN_PASSWORD)
    configure_logging(json=False, level="WARNING")
    runs = {}
    for n in (small, big):
        start = time.perf_counter()
        runs[n] = await run(n)
        print(f"[{n:,} entries: {time.perf_counter() - start:.0f} s] {runs[n]}", flush=True)
    report(small, big, runs)


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--baseline", type=int, default=1000)
    parser.add_argument("--entries", type=int, default=10_000)
    args = parser.parse_args()
    asyncio.run(main(args.baseline, args.entries))
