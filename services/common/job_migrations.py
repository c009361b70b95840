"""Migrations of the job tables (validator and transcoder jobs, the publisher's deliveries);
registered with ``services/common/migrations.py`` when ``zhengji admin migrate`` imports them."""

from services.common.migrations import Collection, migration

JOB_TABLES = [("validator", "jobs"), ("transcoder", "jobs"), ("publisher", "deliveries")]


async def give_not_before(jobs: Collection) -> int:
    """Jobs enqueued before a job could wait for a time have no ``not_before``; the claim has
    matched them as "at once" since. Stored as such, the queue's documents have one shape."""
    result = await jobs.update_many({"not_before": {"$exists": False}}, {"$set": {"not_before": None}})
    return result.modified_count


NOT_BEFORE = "任务补上 not_before（立即可领取）/ jobs get not_before: none, claimable now"
for service, name in JOB_TABLES:
    migration(service, name, 1, NOT_BEFORE)(give_not_before)
