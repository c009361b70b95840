"""Each job queue's backlog as Prometheus gauges, exported by the service that owns the queue.

The autoscaler (KEDA, k8s/base/scaling.yaml) and the alerts read these, not Kafka's lag: a
handler only enqueues a job, so the lag stays near zero while hours of encodes wait in the job
table. The numbers are read from the table by a loop every ``backlog_every_s`` seconds, not at
scrape time: a prometheus_client collector is called synchronously inside the scrape while the
store is asynchronous (on this event loop), and a scrape that waits on a slow store is a failed
scrape, which the autoscaler reads as "no metric". A loop keeps the last good numbers and the
time they were read (``zhengji_queue_refreshed_timestamp_seconds``), which an alert can watch.
The interval (10 s) is well under KEDA's polling (30 s) and a job's length (minutes)."""

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from services.common.jobs import JobTable
from services.common.metrics import QUEUE_JOBS, QUEUE_OLDEST_AGE, QUEUE_REFRESHED

# A queue: a job table and which of its jobs belong to the queue ({}: all of them).
Queue = tuple[JobTable, dict[str, Any]]


class QueueBacklog:
    """The gauges of the queues one service owns, by queue name (``transcode``, ``webhook``...)."""

    def __init__(self, queues: Mapping[str, Queue]) -> None:
        self.queues = dict(queues)

    async def refresh(self) -> None:
        """Read every queue's numbers once; run it with ``Service.spawn_every``."""
        # All read first, then all set: a scrape never sees one queue new and its sibling old.
        read = {name: await table.backlog(match) for name, (table, match) in self.queues.items()}
        for name, backlog in read.items():
            QUEUE_JOBS.labels(name, "queued").set(backlog.queued)
            QUEUE_JOBS.labels(name, "scheduled").set(backlog.scheduled)
            QUEUE_JOBS.labels(name, "running").set(backlog.running)
            oldest = backlog.oldest_queued_at
            age = (datetime.now(UTC) - oldest).total_seconds() if oldest else 0.0
            QUEUE_OLDEST_AGE.labels(name).set(max(0.0, age))
            QUEUE_REFRESHED.labels(name).set_to_current_time()
