"""`zhengji admin migrate` on the real store: `--plan` lists what would run and changes nothing;
`migrate` brings documents an older version wrote to today's shape, records each collection's
version, and a second run finds nothing to do. Migrations of one collection run in order."""

from datetime import UTC, datetime
from typing import Any

from services.common.migrations import Collection, Migration, migrate, plan
from services.common.settings import Settings
from services.common.store import connect, service_db
from tests.integration.admin_command import admin_command


async def test_old_jobs_are_migrated_once_and_a_second_run_does_nothing(settings: Settings) -> None:
    client = connect(settings.mongodb_uri)
    try:
        jobs = service_db(client, settings.db_prefix, "transcoder")["jobs"]
        deliveries = service_db(client, settings.db_prefix, "publisher")["deliveries"]
        old = {"state": "queued", "payload": {}, "cost": 1.0, "attempts": 0, "created_at": datetime.now(UTC)}
        await jobs.insert_one({"_id": "S1:v1", **old})  # as written before jobs could wait
        await deliveries.insert_one({"_id": "S1:alpha", **old, "not_before": datetime.now(UTC)})

        code, out, err = await admin_command(settings, "migrate", "--plan")
        assert code == 0, err
        assert "transcoder.jobs v1" in out and "publisher.deliveries v1" in out and "3 项待迁移" in out
        assert "not_before" not in (await jobs.find_one({"_id": "S1:v1"}) or {})

        code, out, err = await admin_command(settings, "migrate")
        assert code == 0, err
        assert "transcoder.jobs v1" in out and "改动 1 个文档" in out
        migrated = await jobs.find_one({"_id": "S1:v1"}) or {}
        assert "not_before" in migrated and migrated["not_before"] is None
        waiting = await deliveries.find_one({"_id": "S1:alpha"}) or {}
        assert waiting["not_before"] is not None  # a job that waits keeps its time
        versions = service_db(client, settings.db_prefix, "transcoder")["schema_versions"]
        assert (await versions.find_one({"_id": "jobs"}) or {})["version"] == 1

        for args in (["migrate"], ["migrate", "--plan"]):
            code, out, err = await admin_command(settings, *args)
            assert code == 0 and "无需迁移" in out, err
    finally:
        await client.close()


async def test_migrations_of_a_collection_run_in_version_order_and_only_once(settings: Settings) -> None:
    ran: list[int] = []

    def step(version: int) -> Migration:
        async def apply(things: Collection) -> int:
            ran.append(version)
            result = await things.update_many({"v": version - 1}, {"$set": {"v": version}})
            return result.modified_count

        return Migration("review", "things", version, "测试 / test", apply)

    client = connect(settings.mongodb_uri)
    try:
        things = service_db(client, settings.db_prefix, "review")["things"]
        await things.insert_many([{"v": 0}, {"v": 0}])
        steps = [step(2), step(1)]
        assert [m.version for m in await plan(client, settings.db_prefix, steps)] == [1, 2]
        done: list[tuple[Migration, int]] = await migrate(client, settings.db_prefix, steps)
        assert [(m.version, n) for m, n in done] == [(1, 2), (2, 2)]
        again = await migrate(client, settings.db_prefix, [*steps, step(3)])
        assert [m.version for m, _ in again] == [3]
        assert ran == [1, 2, 3]  # the third is new; the first two are not run again
        shapes: list[Any] = await things.distinct("v")
        assert shapes == [3]
    finally:
        await client.close()
