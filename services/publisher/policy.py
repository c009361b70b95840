"""How hard the publisher tries: backoff, circuit breaker, polling, workers.

Read from ``ZHENGJI_PUBLISHER_*`` environment variables; a campaign's target
may lower or raise its own request time-out and number of tries."""

from pydantic_settings import BaseSettings, SettingsConfigDict


class DeliveryPolicy(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="ZHENGJI_PUBLISHER_", extra="ignore", frozen=True)

    # Exponential backoff with full jitter: a try n waits uniform(0, min(cap, base * 2**n)).
    backoff_base_s: float = 2.0
    backoff_cap_s: float = 600.0
    # A platform's Retry-After is honoured up to this much.
    retry_after_cap_s: float = 3600.0
    # Webhook subscribers' tries before a delivery is parked (targets declare their own).
    webhook_max_attempts: int = 8
    webhook_timeout_s: float = 10.0
    # Circuit breaker per platform: open after this many failures in a row, probe after the cool-down.
    circuit_failures: int = 5
    circuit_cooldown_s: float = 60.0
    # Asynchronous platforms: how often to ask, and for how long before giving up.
    poll_interval_s: float = 5.0
    max_polls: int = 720
    workers: int = 4
    worker_poll_s: float = 0.5
