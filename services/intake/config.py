"""Intake's own knobs, read from the environment once at start.

They are intake's alone (accounts, sessions, tus), so they live here rather than in the shared
``Settings``; every one has a default that works for ``zhengji up``."""

import os
from dataclasses import dataclass


def _float(name: str, default: float) -> float:
    raw = os.environ.get(name)
    return float(raw) if raw else default


@dataclass(frozen=True)
class IntakeConfig:
    admin_password: str | None = None
    session_secret: str | None = None
    token_ttl_s: float = 7 * 24 * 3600
    tus_expiry_s: float = 24 * 3600
    tus_sweep_every_s: float = 300.0
    tus_max_size: int = 4 * 1024**3
    # A PATCH writes its bytes to disk and records its offset at least this often, so a crash
    # mid-request loses at most this much.
    tus_checkpoint_bytes: int = 32 * 1024 * 1024

    @classmethod
    def from_env(cls) -> "IntakeConfig":
        return cls(
            admin_password=os.environ.get("ZHENGJI_ADMIN_PASSWORD") or None,
            session_secret=os.environ.get("ZHENGJI_SESSION_SECRET") or None,
            token_ttl_s=_float("ZHENGJI_TOKEN_TTL_S", cls.token_ttl_s),
            tus_expiry_s=_float("ZHENGJI_TUS_EXPIRY_S", cls.tus_expiry_s),
            tus_sweep_every_s=_float("ZHENGJI_TUS_SWEEP_S", cls.tus_sweep_every_s),
            tus_max_size=int(_float("ZHENGJI_TUS_MAX_SIZE", cls.tus_max_size)),
            tus_checkpoint_bytes=int(_float("ZHENGJI_TUS_CHECKPOINT_BYTES", cls.tus_checkpoint_bytes)),
        )
