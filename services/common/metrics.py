"""Prometheus metrics shared by the services; each service serves ``/metrics``."""

from prometheus_client import Counter, Gauge, Histogram

EVENTS_CONSUMED = Counter("zhengji_events_consumed_total", "Events consumed", ["service", "topic", "result"])
EVENTS_PUBLISHED = Counter("zhengji_events_published_total", "Events published by outbox relays", ["topic"])
HANDLER_SECONDS = Histogram("zhengji_handler_seconds", "Time to handle one event", ["service", "topic"])
JOBS_RUNNING = Gauge("zhengji_jobs_running", "Leased jobs running in this process", ["kind"])
JOB_SECONDS = Histogram(
    "zhengji_job_seconds", "Leased job duration", ["kind", "result"], buckets=(1, 5, 15, 60, 300, 900, 3600)
)
UPLOAD_BYTES = Counter("zhengji_upload_bytes_total", "Bytes received by intake uploads")
REDRIVES = Counter("zhengji_redrives_total", "Submissions re-driven by the reconciler", ["stage"])
# Each job queue's backlog, from its job table (services/common/backlog.py); every replica of the
# owning service exports the same queue-wide numbers, so aggregate them with max(), not sum().
QUEUE_JOBS = Gauge("zhengji_queue_jobs", "Jobs in a job queue by state", ["queue", "state"])
QUEUE_OLDEST_AGE = Gauge(
    "zhengji_queue_oldest_queued_age_seconds", "Age of the oldest claimable job (0: none)", ["queue"]
)
QUEUE_REFRESHED = Gauge(
    "zhengji_queue_refreshed_timestamp_seconds", "When the queue's numbers were last read", ["queue"]
)
