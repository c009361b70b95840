"""Settings from the environment: ``ZHENGJI_*``, plus the two names every
Kafka and MongoDB operator already uses."""

from pathlib import Path
from typing import Any

from pydantic import AliasChoices, Field, SecretStr, field_validator
from pydantic_core import PydanticUseDefault
from pydantic_settings import BaseSettings, SettingsConfigDict


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
    # Where intake asks for a transcode's progress to show on a submission's status.
    transcoder_url: str | None = None

    # Delivery: bounded retries with backoff, then the dead-letter topic.
    retry_attempts: int = 3
    retry_backoff_s: float = 0.5
    outbox_poll_s: float = 0.5
    # A new consumer group's first join waits half this on Tansu (and Kafka detects a dead
    # consumer after it): the embedded runtime and tests shorten it to start in seconds.
    kafka_session_timeout_ms: int = 10_000
    reconcile_every_s: float = 30.0
    # Sent outbox rows and inbox markers are kept this long (beyond the topics' retention), then
    # pruned every prune_every_s.
    prune_after_days: float = 7.0
    prune_every_s: float = 3600.0
    stage_deadline_s: float = 300.0

    # Media work: every subprocess is bounded in time.
    probe_timeout_s: float = 60.0
    transcode_timeout_s: float = 3600.0
    transcoder_concurrency: int = 1
    validator_concurrency: int = 1  # quality decodes at once per validator process
    transcoder_encoder: str = "auto"
    job_lease_s: float = 60.0

    # Intake: accounts, sessions and tus uploads (docs/api-intake.md). An empty variable, as
    # compose files write for an unset one (``${ZHENGJI_ADMIN_PASSWORD:-}``), means the default.
    admin_password: SecretStr | None = None  # the first campaign admin's; None: generated, printed once
    session_secret: SecretStr | None = None  # signs session cookies; None: one kept in the store
    token_ttl_s: float = 7 * 24 * 3600
    tus_expiry_s: float = 24 * 3600
    tus_sweep_s: float = 300.0
    tus_max_size: int = 4 * 1024**3
    # A PATCH writes its bytes to disk and records its offset at least this often, so a crash
    # mid-request loses at most this much.
    tus_checkpoint_bytes: int = 32 * 1024 * 1024
    # The pages' tus PATCH size: lower it behind a proxy with a body limit (nginx: 1 MB by default).
    upload_chunk_bytes: int = 8 * 1024 * 1024

    @field_validator(
        "admin_password",
        "session_secret",
        "token_ttl_s",
        "tus_expiry_s",
        "tus_sweep_s",
        "tus_max_size",
        "tus_checkpoint_bytes",
        "upload_chunk_bytes",
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

    def blobs_path(self) -> Path:
        return self.blob_dir or self.data_dir / "blobs"

    def base_url(self) -> str:
        return self.public_base_url or f"http://{self.http_host}:{self.http_port}"
