"""The statistics API on the real broker, store and validator: entries per stage and per unit,
the most frequent finding after real checks of ffmpeg-made clips (two at 30 fps where the notice
asks for 25), a unit admin's subtree only, and each chart's figures as XLSX."""

import io
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import yaml
from openpyxl import load_workbook

from services.common.settings import Settings
from services.common.store import connect, service_db
from tests.conftest import client_as
from tests.integration.intake.conftest import (
    create_tiny,
    register,
    stage_is,
    tiny_campaign_yaml,
    tiny_video,
    tus_upload,
)


async def test_statistics_count_stages_units_and_the_most_frequent_finding(
    system: httpx.AsyncClient, tmp_path: Path
) -> None:
    spec = yaml.safe_load(tiny_campaign_yaml("stats"))
    spec["materials"][0]["video"]["frame_rate"] = 25
    made = await system.post(
        "/api/campaigns", json={"definition_yaml": yaml.safe_dump(spec, allow_unicode=True)}
    )
    assert made.status_code == 201, made.text
    # School 001: one clip at 25 fps, one at 30; school 002: one at 25, one at 30, one never uploaded.
    plan = [("222401001", 25), ("222401001", 30), ("222401002", 25), ("222401002", 30), ("222401002", None)]
    sids = []
    for i, (unit, rate) in enumerate(plan, start=1):
        sid = await register(system, "stats", i, unit)
        sids.append(sid)
        if rate is not None:
            path = await tiny_video(tmp_path / f"{i}.mp4", tone=400 + 10 * i, rate=rate)
            await tus_upload(system, path, {"submission_id": sid, "filename": path.name})
    for sid, (_, rate) in zip(sids, plan, strict=True):
        if rate is not None:
            await stage_is(system, sid, "awaiting_approval" if rate == 25 else "failed_validation")

    stats = (await system.get("/api/campaigns/stats/statistics?level=county")).json()
    assert stats["summary"]["total"] == 5
    assert stats["summary"]["by_stage"] == {"awaiting_approval": 2, "failed_validation": 2, "registered": 1}
    (county,) = stats["summary"]["by_unit"]
    assert (county["unit_name"], county["total"], county["awaiting"]) == ("延吉市", 5, 2)
    assert [d["entries"] for d in stats["by_day"]] == [5]
    top = stats["findings"][0]
    assert (top["rule_id"], top["problem_zh"], top["entries"]) == ("video.frame_rate", "帧率不是25帧/秒", 2)
    assert stats["headline_zh"] == "本次活动最常见问题：帧率不是25帧/秒（2件）"
    assert stats["awards"] == []

    own = (await system.get("/api/campaigns/stats/statistics")).json()
    assert sorted((u["unit_code"], u["total"]) for u in own["summary"]["by_unit"]) == [
        ("222401001", 2),
        ("222401002", 3),
    ]

    # A school's admin counts only the school's entries.
    async with client_as(system, "school2-admin", "unit_admin", "222401002") as school:
        mine = (await school.get("/api/campaigns/stats/statistics")).json()
        assert mine["summary"]["total"] == 3
        assert mine["headline_zh"] == "本次活动最常见问题：帧率不是25帧/秒（1件）"
        assert (await school.get("/api/review/campaigns/stats/progress")).status_code == 403

    sheet = await system.get("/api/campaigns/stats/statistics/findings.xlsx")
    assert sheet.status_code == 200, sheet.text
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert rows[1] == ("问题", "检测项", "作品数")
    assert rows[2] == ("帧率不是25帧/秒", "video.frame_rate", 2)
    by_unit = await system.get("/api/campaigns/stats/statistics/by_unit.xlsx?level=county")
    unit_rows = list(load_workbook(io.BytesIO(by_unit.content)).active.iter_rows(values_only=True))
    assert unit_rows[2][:5] == ("延吉市", "222401", 5, 0, 2)
    # No round opened yet: review has no panel to report.
    assert (await system.get("/api/review/campaigns/stats/progress")).json() == []


def reviewed_step(tier: str, at: datetime) -> dict[str, object]:
    """A level's outcome as intake keeps it in an entry's timeline."""
    return {"event_type": "submission.reviewed", "level": "county", "award_tier": tier, "at": at}


async def test_awards_count_the_latest_outcome_whatever_order_it_arrived_in(
    admin: httpx.AsyncClient, settings: Settings
) -> None:
    """A level re-decided: the timeline holds both outcomes, the later one stored first (a
    redelivered event lands wherever it lands); the awards chart and its sheet count the later."""
    await create_tiny(admin, "late")
    sid = await register(admin, "late")
    decided = datetime(2026, 6, 1, 9, tzinfo=UTC)
    steps = [reviewed_step("一等奖", decided + timedelta(days=1)), reviewed_step("二等奖", decided)]
    client = connect(settings.mongodb_uri)
    try:
        entries = service_db(client, settings.db_prefix, "intake")["submissions"]
        pushed = await entries.update_one({"_id": sid}, {"$push": {"timeline": {"$each": steps}}})
        assert pushed.modified_count == 1
    finally:
        await client.close()

    stats = (await admin.get("/api/campaigns/late/statistics")).json()
    counted = [(a["tier"], a["unit_code"], a["entries"]) for a in stats["awards"]]
    assert counted == [("一等奖", "222401001", 1)]
    sheet = await admin.get("/api/campaigns/late/statistics/awards.xlsx")
    rows = list(load_workbook(io.BytesIO(sheet.content)).active.iter_rows(values_only=True))
    assert (rows[2][1], *rows[2][3:]) == ("一等奖", "222401001", 1)
