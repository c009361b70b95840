"""moto's standalone S3 server (a real S3 protocol server) for the tests: on loopback for the blob
tests, on the infra host's address for the multi-host ones."""

import os
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from zhengji.embedded import die_with_parent
from zhengji.ports import free_port


@contextmanager
def s3_server(address: str = "127.0.0.1", log: Path | None = None) -> Iterator[str]:
    """The server on ``address`` (its output to ``log``, or dropped); yields its endpoint."""
    port = free_port()
    with (log or Path(os.devnull)).open("ab") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "moto.server", "-H", address, "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
            preexec_fn=die_with_parent,
        )
    endpoint = f"http://{address}:{port}"
    deadline = time.monotonic() + 30
    try:
        while True:
            try:
                httpx.get(f"{endpoint}/moto-api/", timeout=1).raise_for_status()
                break
            except httpx.HTTPError:
                if server.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto's S3 server did not start") from None
                time.sleep(0.05)
        yield endpoint
    finally:
        server.terminate()
        server.wait(timeout=10)
