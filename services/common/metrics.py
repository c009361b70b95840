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
# Kafka, per consumer group (one per service) and topic (kafka_lag.py); like the queues, every
# replica of a service exports the same group-wide numbers: aggregate with max().
CONSUMER_LAG = Gauge(
    "zhengji_consumer_lag_messages", "Messages a consumer group has not committed", ["group", "topic"]
)
CONSUMER_LAG_REFRESHED = Gauge(
    "zhengji_consumer_lag_refreshed_timestamp_seconds", "When the group's lag was last read", ["group"]
)
DLQ_DEPTH = Gauge("zhengji_dlq_messages", "Messages held by a dead-letter topic", ["topic"])
# Each service's outbox (outbox.py): what is stored but not yet published to Kafka.
OUTBOX_UNSENT = Gauge("zhengji_outbox_unsent", "Outbox entries not yet published", ["service"])
OUTBOX_OLDEST_AGE = Gauge(
    "zhengji_outbox_oldest_unsent_age_seconds", "Age of the oldest unsent outbox entry (0: none)", ["service"]
)
OUTBOX_REFRESHED = Gauge(
    "zhengji_outbox_refreshed_timestamp_seconds", "When the outbox numbers were last read", ["service"]
)
# HTTP, by route template (``/submissions/{submission_id}``, never the raw path: http_metrics.py).
HTTP_REQUESTS = Counter(
    "zhengji_http_requests_total", "HTTP requests answered", ["method", "route", "status"]
)
HTTP_SECONDS = Histogram(
    "zhengji_http_request_seconds",
    "Time to answer an HTTP request (to the end of the body)",
    ["method", "route"],
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 120),
)
# ffmpeg's own speed report (media seconds per wall second) at the end of each pass.
FFMPEG_SPEED = Histogram(
    "zhengji_ffmpeg_speed_ratio",
    "ffmpeg realtime factor of a finished pass",
    ["phase"],
    buckets=(0.1, 0.25, 0.5, 1, 2, 4, 8, 16, 32, 64, 128),
)
