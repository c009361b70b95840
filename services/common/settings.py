"""Settings from the environment: ``ZHENGJI_*``, plus the two names every
Kafka and MongoDB operator already uses."""

from pathlib import Path
from typing import Any, Literal

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict

from services.common import cpu_quota


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHENGJI_", extra="ignore")

    kafka_bootstrap_servers: str = Field(
        default="127.0.0.1:9092",
        validation_alias=AliasChoices("KAFKA_BOOTSTRAP_SERVERS", "ZHENGJI_KAFKA_BOOTSTRAP_SERVERS"),
    )
    mongodb_uri: str = Field(
        default="mongodb://127.0.0.1:27017/?directConnection=true",
        validation_alias=AliasChoices("MONGODB_URI", "ZHENGJI_MONGODB_URI"),
    )
    db_prefix: str = "zhengji"
    data_dir: Path = Path(".zhengji")
    blob_dir: Path | None = None
    http_host: str = "127.0.0.1"
    http_port: int = 8000
    public_base_url: str | None = None
    # Where the other services ask intake who a caller is (default: this process's own address).
    intake_url: str | None = None
    # Where the notifier asks review who a reviewer is (default: this process's own address).
    review_url: str | None = None
    # Where intake asks for a transcode's progress to show on a submission's status.
    transcoder_url: str | None = None

    # Delivery: bounded retries with backoff, then the dead-letter topic.
    retry_attempts: int = 3
    retry_backoff_s: float = 0.5
    outbox_poll_s: float = 0.5
    # Consuming in batches (consumer_batches.py, decision 0024): up to consume_batch_max events a
    # poll, one store transaction per run of them, a run closed once its handlers spent
    # consume_batch_work_s; an idle consumer polls every consume_batch_wait_ms (what a lone event
    # may wait, twice over at most). consume_batch_max 1: one event per transaction, as before.
    consume_batch_max: int = 500
    consume_batch_wait_ms: int = 20
    consume_batch_work_s: float = 0.5
    # A new consumer group's first join waits half this on Tansu (and Kafka detects a dead
    # consumer after it): the embedded runtime and tests shorten it to start in seconds.
    kafka_session_timeout_ms: int = 10_000
    reconcile_every_s: float = 30.0
    # Kafka topics, declared in services/common/topic_plan.py and made by `zhengji admin topics
    # apply`; only the embedded runtime creates them itself. Keep the retention no longer than
    # prune_after_days: an event redelivered after its inbox marker is pruned is handled again.
    kafka_partitions: int = 6
    kafka_replication_factor: int = 1
    kafka_retention_days: float = 7.0
    kafka_dlq_retention_days: float = 365.0
    kafka_create_topics: bool = False
    # How Kafka clients connect (services/common/kafka_security.py): PLAINTEXT, SSL, SASL_PLAINTEXT
    # or SASL_SSL; SASL with PLAIN, SCRAM-SHA-256 or SCRAM-SHA-512; TLS against the system's trust
    # store or kafka_ssl_cafile, with a client certificate for mutual TLS.
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: Literal["PLAIN", "SCRAM-SHA-256", "SCRAM-SHA-512"] = "SCRAM-SHA-512"
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    kafka_ssl_certfile: Path | None = None
    kafka_ssl_keyfile: Path | None = None
    # The idempotent producer (Apache Kafka, Redpanda, managed Kafka): on in compose and k8s.
    # Tansu, the embedded broker, does not implement InitProducerId.
    kafka_idempotent: bool = False
    # Sent outbox rows and inbox markers are kept this long (beyond the topics' retention), then
    # pruned every prune_every_s.
    prune_after_days: float = 7.0
    prune_every_s: float = 3600.0
    stage_deadline_s: float = 300.0
    # How often intake looks whether the broker is new (lost what it held: a restarted embedded
    # broker); then what was in flight is re-driven at once, not after the stage deadline.
    broker_watch_s: float = 2.0

    # Background loops and health (docs/operations.md, "Health and readiness"): a failing loop
    # tries again after a backoff from loop_backoff_s doubling up to loop_backoff_cap_s; /readyz
    # says 503 once a loop has failed for ready_failing_s, or the store or broker does not answer
    # within health_timeout_s.
    loop_backoff_s: float = 0.5
    loop_backoff_cap_s: float = 30.0
    ready_failing_s: float = 30.0
    health_timeout_s: float = 2.0

    # Media work: every subprocess is bounded in time.
    probe_timeout_s: float = 60.0
    transcode_timeout_s: float = 3600.0
    # Scaling (docs/operations.md "Scaling"): jobs at once per process, from the container's CPU
    # quota (cgroup cpu.max), not the node's cores. An x264 encode uses about four cores well,
    # so more jobs side by side only pay off beyond that; a quality pass is one filter thread
    # plus a decoder, so two cores each.
    transcoder_concurrency: int = Field(default_factory=lambda: max(1, cpu_quota.whole_cpus() // 4))
    validator_concurrency: int = Field(default_factory=lambda: max(1, cpu_quota.whole_cpus() // 2))
    # How often each service reads its job queues' backlog for /metrics (services/common/backlog.py).
    backlog_every_s: float = 10.0
    transcoder_encoder: str = "auto"
    job_lease_s: float = 60.0

    # Intake: accounts, sessions and tus uploads (docs/api-intake.md). An empty variable, as
    # compose files write for an unset one (``${ZHENGJI_ADMIN_PASSWORD:-}``), means the default.
    admin_password: SecretStr | None = None  # the first campaign admin's; None: generated, printed once
    session_secret: SecretStr | None = None  # signs session cookies; None: one kept in the store
    token_ttl_s: float = 7 * 24 * 3600
    # Failed logins per account and per client address before further tries are refused (429)
    # until the oldest leaves the window.
    login_max_failures: int = 5
    login_window_s: float = 15 * 60
    # Session cookies (intake's and review's) only over HTTPS: turn on when the site is served so.
    cookie_secure: bool = False
    tus_expiry_s: float = 24 * 3600
    # Also how soon an upload whose last byte arrived as intake died is attached (after 60 s stuck).
    tus_sweep_s: float = 60.0
    tus_max_size: int = 4 * 1024**3
    # What one entrant's entries may hold in a campaign, all versions and unfinished uploads
    # counted (services/intake/storage_quota.py): a 500 MB work replaced a few times, with its
    # courseware, fits; a hundred parallel 4 GB uploads do not.
    entrant_storage_max_bytes: int = 8 * 1024**3
    # A PATCH writes its bytes to disk and records its offset at least this often, so a crash
    # mid-request loses at most this much.
    tus_checkpoint_bytes: int = 32 * 1024 * 1024
    # The pages' tus PATCH size: lower it behind a proxy with a body limit (nginx: 1 MB by default).
    # The pages' tus PATCH size: small enough that a dropped connection costs little, large enough
    # that a 500 MB video is ~60 requests; lower it behind a proxy with a body limit (nginx: 1 MB).
    upload_chunk_bytes: int = 8 * 1024 * 1024

    # Publisher: which secrets campaign data may name and where its calls may go (docs/operations.md,
    # "Outbound calls"). Secret names a target's ``secret_env`` may use (comma list); each is read
    # from the file of that name in ``publisher_secrets_dir`` (a mounted Kubernetes Secret) when
    # there is one, else from the environment variable.
    publisher_secrets: str = ""
    publisher_secrets_dir: Path | None = None
    # CIDRs and host names (``*.suffix`` for a domain) that outbound calls may reach although
    # they are not public; empty: public addresses only.
    outbound_allow: str = ""
    outbound_deadline_s: float = 300.0  # connect, send and answer of one call, in all
    outbound_max_response_bytes: int = 1024 * 1024

    # Accounts and sessions (docs/operations.md, "Accounts and sessions"). Origins besides this
    # site's own and the public base URL whose pages may send state-changing requests with its
    # cookies (comma list, e.g. ``https://admin.example.edu.cn``).
    csrf_trusted_origins: str = ""
    # A reviewer's access token lasts this long from when it is issued, or to the end of its
    # level's review window when that is later.
    review_token_ttl_s: float = 30 * 24 * 3600
    # Appeals (公示 异议) per account and per client address in the window.
    appeal_max_per_window: int = 5
    appeal_window_s: float = 24 * 3600
    # A TrueType font with Chinese glyphs for 获奖证书 (embedded in each PDF); None: the first of
    # WenQuanYi Micro/Zen Hei, Droid Sans Fallback found (services/review/certificate_pdf.py).
    certificate_font: Path | None = None
    # The upload page's pre-check (browser-read headers, before the upload): per account in the window.
    precheck_max_per_window: int = 60
    precheck_window_s: float = 10 * 60

    # Traces (services/common/tracing.py; docs/operations.md, "Traces"): an OTLP/HTTP collector's
    # base URL (e.g. http://otel-collector:4318); unset, tracing is off and costs nothing. The
    # share of new traces kept (a caller's sampled traceparent is always followed).
    otlp_endpoint: str | None = None
    otlp_sample_ratio: float = 1.0

    # Notifier (docs/operations.md, "Notifications"; docs/decisions/0026-notifications.md). A
    # channel without its settings is off: nobody is sent what it cannot carry. Provider
    # endpoints are settings so a deployment can use a regional or private endpoint.
    notifier_smtp_host: str | None = None
    notifier_smtp_port: int = 587
    notifier_smtp_starttls: bool = True
    notifier_smtp_username: str | None = None
    notifier_smtp_password: SecretStr | None = None
    notifier_smtp_cafile: Path | None = None  # a private CA for the relay's STARTTLS certificate
    notifier_mail_from: str = "征集 zhengji <noreply@zhengji.invalid>"
    notifier_aliyun_access_key_id: str | None = None
    notifier_aliyun_access_key_secret: SecretStr | None = None
    notifier_aliyun_endpoint: str = "https://dysmsapi.aliyuncs.com/"
    notifier_tencent_secret_id: str | None = None
    notifier_tencent_secret_key: SecretStr | None = None
    notifier_tencent_endpoint: str = "https://sms.tencentcloudapi.com/"
    notifier_tencent_region: str = "ap-guangzhou"
    notifier_wechat_app_id: str | None = None
    notifier_wechat_app_secret: SecretStr | None = None
    notifier_wechat_api: str = "https://api.weixin.qq.com"
    # A failed send is tried this many times, backing off from notifier_retry_backoff_s, then parked.
    notifier_max_tries: int = 5
    notifier_retry_backoff_s: float = 60.0
    # How often the notifier looks for unit admins to remind of entries awaiting approval.
    notifier_reminder_every_s: float = Field(default=3600.0, gt=0)
    notifier_dead_letters_every_s: float = Field(default=600.0, gt=0)
    notifier_concurrency: int = 4
    # Signs unsubscribe links; None: one made once and kept in the notifier's store.
    notifier_link_secret: SecretStr | None = None

    @field_validator(
        "admin_password",
        "session_secret",
        "token_ttl_s",
        "login_max_failures",
        "login_window_s",
        "tus_expiry_s",
        "tus_sweep_s",
        "tus_max_size",
        "entrant_storage_max_bytes",
        "kafka_sasl_username",
        "kafka_sasl_password",
        "kafka_ssl_cafile",
        "kafka_ssl_certfile",
        "kafka_ssl_keyfile",
        "tus_checkpoint_bytes",
        "upload_chunk_bytes",
        "publisher_secrets_dir",
        "outbound_deadline_s",
        "outbound_max_response_bytes",
        "otlp_endpoint",
        mode="before",
    )
    @classmethod
    def _empty_is_unset(cls, value: Any) -> Any:
        if value == "":
            raise PydanticUseDefault()
        return value

    # Object storage (docs/decisions/0011-object-storage.md): file:///path (default: blobs_path())
    # or s3://bucket/prefix, with AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY and
    # AWS_REGION from the environment as every S3 client reads them.
    blob_url: str | None = None
    # Virtual-host addressing (bucket.endpoint) instead of path-style (endpoint/bucket): Aliyun OSS
    # needs it, most MinIO and Ceph set-ups need path-style.
    blob_s3_virtual_hosted: bool = False
    # A CDN or public base URL readers get blobs from instead of presigned URLs.
    blob_public_url: str | None = None
    # The largest blob copied to local scratch for a tool that must seek (S3 only).
    blob_scratch_max_bytes: int = 8 << 30
    blob_connect_timeout_s: float = 5.0
    blob_retry_timeout_s: float = 15.0
    # Links to stored files (services/common/blob_links.py, docs/decisions/0015-blob-links.md):
    # how long a link given to a page (the review player, the showcase, a download) and to a
    # platform (the publisher's payload) stays valid; the key that signs links on a directory
    # store (None: made once and kept in the store's keys/blob-links.key, shared by every
    # service on that store). S3 presigns with its credentials instead, at most 7 days.
    blob_link_ttl_s: float = 6 * 3600
    blob_link_platform_ttl_s: float = 7 * 24 * 3600
    blob_link_secret: SecretStr | None = None

    # Whole entries (docs/decisions/0033-whole-entries.md): how long making a reviewer's copy of a
    # material without its metadata may take; the largest round ZIP a chair may download (the
    # files' total, before the index sheet), and the most entries it may hold.
    blind_copy_timeout_s: float = 120.0
    bundle_max_bytes: int = 50 << 30
    bundle_max_entries: int = 10_000

    # Reviewers' copies made at once by one review process: each is a child of up to 1 GiB (or an
    # ffmpeg), so a reviewer opening every file of an entry at once waits, not the host's memory.
    blind_copies_at_once: int = Field(default=2, ge=1)

    def blobs_path(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"
