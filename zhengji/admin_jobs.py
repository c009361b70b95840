"""``zhengji admin jobs`` and ``zhengji admin deliveries``: what waits or failed in the services'
job tables, and putting a failed (parked) job back in the queue once its cause is fixed.

The queues are the ones the backlog metrics and alerts name (``zhengji_job_queue_*{queue=...}``):
the validator's quality checks, the transcoder's jobs, and the publisher's one table, which holds
deliveries to platforms and pushes to webhook subscribers."""

import json
from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

import typer

from services.common.settings import Settings
from zhengji.admin_store import on_store, on_store_or_refuse

if TYPE_CHECKING:
    from services.common.jobs import Job, JobTable
    from zhengji.admin_store import Client


@dataclass(frozen=True)
class Queue:
    service: str
    collection: str
    match: dict[str, Any]

    def table(self, client: "Client", prefix: str) -> "JobTable":
        from services.common.jobs import JobTable
        from services.common.store import service_db

        # The lease does not matter here: these commands never claim a job.
        return JobTable(service_db(client, prefix, self.service), self.collection, lease_s=60)


QUEUES = {
    "quality_check": Queue("validator", "jobs", {}),
    "transcode": Queue("transcoder", "jobs", {}),
    "delivery": Queue("publisher", "deliveries", {"payload.action": {"$ne": "webhook"}}),
    "webhook": Queue("publisher", "deliveries", {"payload.action": "webhook"}),
}
STATE_LABELS = {
    "queued": "排队中",
    "running": "运行中",
    "done": "已完成",
    "failed": "失败（已搁置）",
    "cancelled": "已取消",
}


def job_row(queue: str, job: "Job") -> dict[str, Any]:
    """One job as the list shows it: attempts are a delivery's tries, or a job's claims."""
    created: datetime | None = job.get("created_at")
    return {
        "queue": queue,
        "job_id": job["_id"],
        "state": job["state"],
        "state_zh": STATE_LABELS.get(job["state"], job["state"]),
        "attempts": job.get("total_tries", job.get("attempts", 0)),
        "reason": job.get("reason"),  # how the job ended (parked, abandoned, failed)
        "last_error": job.get("last_error"),  # why its last attempt crashed or its last try failed
        "created_at": created.isoformat() if created else None,
    }


async def list_jobs(
    client: "Client", prefix: str, queues: list[str], state: str | None, limit: int
) -> list[dict[str, Any]]:
    rows: list[dict[str, Any]] = []
    for name in queues:
        queue = QUEUES[name]
        where = {**queue.match, **({"state": state} if state else {})}
        cursor = queue.table(client, prefix).jobs.find(where).sort("created_at", 1).limit(limit)
        rows += [job_row(name, job) async for job in cursor]
    return rows


async def retry_job(client: "Client", prefix: str, queue_name: str, job_id: str) -> "Job":
    """A failed or cancelled job back to the queue (a delivery as the publisher's retry does it)."""
    from services.common.errors import ServiceError
    from services.common.jobs import CANCELLED, FAILED

    queue = QUEUES[queue_name]
    table = queue.table(client, prefix)
    if queue.collection == "deliveries":
        from services.common.store import service_db
        from services.publisher.delivery_retry import retry_delivery

        publications = service_db(client, prefix, queue.service)["publications"]
        return await retry_delivery(table, publications, job_id)
    job = await table.jobs.find_one({"_id": job_id, **queue.match})
    if job is None:
        raise ServiceError(404, f"队列 {queue_name} 中没有任务 {job_id}", f"no job {job_id} in {queue_name}")
    if not await table.requeue(job_id, (FAILED, CANCELLED), reason=None, last_error=None, progress=None):
        raise ServiceError(
            409,
            f"只有失败或已取消的任务可以重试，该任务{STATE_LABELS.get(job['state'], job['state'])}",
            f"only a failed or cancelled job can be retried; it is {job['state']}",
        )
    return await table.get(job_id) or job


def print_rows(rows: list[dict[str, Any]], as_json: bool) -> None:
    if as_json:
        typer.echo(json.dumps(rows, ensure_ascii=False, indent=2))
        return
    typer.echo("队列 queue\t任务 job\t状态 state\t尝试 attempts\t最后错误 last error")
    for row in rows:
        state = f"{row['state_zh']} {row['state']}"
        error = (row["reason"] or row["last_error"] or "-").replace("\n", " ")
        typer.echo(f"{row['queue']}\t{row['job_id']}\t{state}\t{row['attempts']}\t{error}")
    typer.echo(f"共 {len(rows)} 个任务 / {len(rows)} jobs", err=True)


jobs = typer.Typer(help="任务队列 / the services' job queues", no_args_is_help=True)
deliveries = typer.Typer(help="发布投递 / the publisher's deliveries", no_args_is_help=True)
QUEUE_HELP = "队列 / queue: " + " | ".join(QUEUES)


@jobs.command("list")
def jobs_list(
    queue: list[str] = typer.Option([], "--queue", help=QUEUE_HELP + "（可多次；默认全部 / repeatable)"),
    state: str | None = typer.Option(None, help="状态 / state: " + " | ".join(STATE_LABELS)),
    limit: int = typer.Option(200, help="每个队列最多列出 / at most this many per queue"),
    as_json: bool = typer.Option(False, "--json", help="JSON 输出 / print JSON"),
) -> None:
    """列出任务：状态、尝试次数、最后错误 / Jobs by queue and state, with attempts and last error."""
    unknown = [q for q in queue if q not in QUEUES] + ([state] if state and state not in STATE_LABELS else [])
    if unknown:
        typer.echo(f"未知的队列或状态 / unknown queue or state: {', '.join(unknown)}", err=True)
        raise typer.Exit(2)

    async def run(client: "Client", settings: Settings) -> list[dict[str, Any]]:
        return await list_jobs(client, settings.db_prefix, queue or list(QUEUES), state, limit)

    print_rows(on_store(run), as_json)


@jobs.command("retry")
def jobs_retry(
    queue: str = typer.Argument(..., help=QUEUE_HELP),
    job_id: str = typer.Argument(..., help="任务编号（见 jobs list）/ the job id"),
) -> None:
    """失败的任务重新排队（先排除原因）/ Put a failed job back in its queue (fix the cause first)."""
    if queue not in QUEUES:
        typer.echo(f"未知的队列 / unknown queue: {queue}", err=True)
        raise typer.Exit(2)

    async def run(client: "Client", settings: Settings) -> "Job":
        return await retry_job(client, settings.db_prefix, queue, job_id)

    job = on_store_or_refuse(run)
    typer.echo(f"已重新排队 / queued again: {queue} {job['_id']} ({job['state']})")


@deliveries.command("retry")
def deliveries_retry(delivery_id: str = typer.Argument(..., help="投递编号 / the delivery id")) -> None:
    """已搁置的投递重新发送 / Send a parked delivery again (as the publisher API's retry)."""

    async def run(client: "Client", settings: Settings) -> "Job":
        # Deliveries and webhooks share the publisher's table and its one retry (delivery_retry.py).
        return await retry_job(client, settings.db_prefix, "delivery", delivery_id)

    job = on_store_or_refuse(run)
    typer.echo(f"已重新排队 / queued again: {job['_id']} ({job['state']})")
