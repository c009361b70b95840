"""Running `zhengji admin ...` as an operator does: a separate process, told where the
deployment's store, blobs and broker are through the environment the services read."""

import asyncio
import os
import sys
from pathlib import Path

from services.common.settings import Settings

ZHENGJI = str(Path(sys.executable).with_name("zhengji"))


async def admin_command(settings: Settings, *args: str) -> tuple[int, str, str]:
    """Exit code, standard output and standard error of `zhengji admin <args>`."""
    env = {
        **os.environ,
        "MONGODB_URI": settings.mongodb_uri,
        "ZHENGJI_DB_PREFIX": settings.db_prefix,
        "ZHENGJI_BLOB_URL": settings.blobs_path().as_uri(),
        "KAFKA_BOOTSTRAP_SERVERS": settings.kafka_bootstrap_servers,
    }
    proc = await asyncio.create_subprocess_exec(
        ZHENGJI, "admin", *args, env=env, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 120)
    return proc.returncode or 0, out.decode(), err.decode()
