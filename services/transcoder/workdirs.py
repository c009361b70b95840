"""Each job attempt's scratch directory, and sweeping the ones their workers left behind.

A job works in ``tx-...`` under the blob store's ``tmp`` work dir (on a directory store, the
store's own volume, so outputs move into place, not copied) and removes it when it ends,
however it ends. A worker killed mid-encode cannot; its directory names the job, worker and
attempt (``owner.json``), so any worker can tell it is stale once the job row says that attempt
is over, and remove it."""

import json
import re
import secrets
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from services.common.jobs import RUNNING, Job

PREFIX = "tx-"
OWNER = "owner.json"


def make_workdir(tmp: Path, job: Job) -> Path:
    safe = re.sub(r"[^A-Za-z0-9_.-]", "_", str(job["_id"]))[:80]
    path = tmp / f"{PREFIX}{safe}-{job.get('attempts', 0)}-{secrets.token_hex(4)}"
    path.mkdir(parents=True)
    owner = {"job_id": job["_id"], "worker": job.get("worker"), "attempts": job.get("attempts")}
    (path / OWNER).write_text(json.dumps(owner), encoding="utf-8")
    return path


def is_current(owner: dict[str, Any], row: Job | None) -> bool:
    """Whether the attempt that made a directory may still be using it."""
    return (
        row is not None
        and row.get("state") == RUNNING
        and row.get("worker") == owner.get("worker")
        and row.get("attempts") == owner.get("attempts")
    )


async def sweep_stale(tmp: Path, job_row: Callable[[str], Awaitable[Job | None]]) -> list[Path]:
    """Remove the directories of attempts that are over; returns what was removed."""
    removed = []
    for path in sorted(tmp.glob(f"{PREFIX}*")):
        try:
            owner = json.loads((path / OWNER).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue  # being created right now, or not ours
        if not is_current(owner, await job_row(str(owner.get("job_id")))):
            shutil.rmtree(path, ignore_errors=True)
            removed.append(path)
    return removed
