"""Plain writes to the embedded store, with and without retryable writes:
`.venv/bin/python bench/bench_store_writes.py [--writes 15000] [--tasks 20]`.

SecantusDB (0.7.0b3) keeps the reply of every retryable write for 30 minutes, up to 10,000 of
them, and on every retryable write scans that record for stale entries and, once it is full,
sorts it to drop the oldest: a write's cost grows with the writes of the last half hour. A
5,000-submission day (bench_provincial_day.py) spent 31 % of the store's CPU there (py-spy).

Starts the embedded Tansu and SecantusDB (``EmbeddedServers``), then sends ``--writes``
single-document upserts ($inc, $set: what the services' plain writes look like) from ``--tasks``
concurrent tasks, once with ``retryWrites=false`` (what the embedded runtime asks for) and once
with PyMongo's default, ``retryWrites=true`` (the baseline). Prints the store's CPU seconds per
1,000 writes for each slice of 5,000 (so the growth shows) and writes per second, and the ratio
of the two. No thresholds: the numbers go to docs/performance.md, "The embedded store's writes".
"""

import argparse
import asyncio
import shutil
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from pymongo import AsyncMongoClient

sys.path.insert(0, str(Path(__file__).resolve().parent))
from proc_cpu import cpu_s

from zhengji.embedded import EmbeddedServers

SLICE = 5_000


async def writes(uri: str, n: int, tasks: int, store_pid: int, label: str) -> list[tuple[float, float]]:
    """(store CPU seconds per 1,000 writes, writes per second) for each slice of ``SLICE``."""
    client: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(uri)
    table = client["bench"][label]
    slices = []
    try:
        for start in range(0, n, SLICE):
            count = min(SLICE, n - start)
            queue = iter(range(start, start + count))

            async def worker(queue: Iterator[int]) -> None:
                for i in queue:
                    await table.update_one(
                        {"_id": i % 2_000}, {"$inc": {"n": 1}, "$set": {"last": i}}, upsert=True
                    )

            cpu, wall = cpu_s(store_pid), time.perf_counter()
            await asyncio.gather(*(worker(queue) for _ in range(tasks)))
            wall, cpu = time.perf_counter() - wall, cpu_s(store_pid) - cpu
            slices.append((cpu / count * 1000, count / wall))
    finally:
        await client.close()
    return slices


async def run(n: int, tasks: int, data: Path) -> None:
    servers = EmbeddedServers(data)
    await servers.astart()
    try:
        store_pid = servers.procs[1].pid
        baseline = servers.mongodb_uri.replace("retryWrites=false", "retryWrites=true")
        assert baseline != servers.mongodb_uri, "the embedded URI no longer turns retryable writes off"
        print(f"bench_store_writes: {n} upserts from {tasks} tasks, SecantusDB pid {store_pid}")
        # Without first: it records nothing, so the baseline after it starts from an empty record.
        without = await writes(servers.mongodb_uri, n, tasks, store_pid, "without")
        retryable = await writes(baseline, n, tasks, store_pid, "retryable")
    finally:
        await servers.astop()
    print("  writes      retryWrites=false            retryWrites=true (baseline)   CPU ratio")
    for i, ((cpu_a, rate_a), (cpu_b, rate_b)) in enumerate(zip(without, retryable, strict=True)):
        span = f"{i * SLICE + 1}-{min(n, (i + 1) * SLICE)}"
        print(
            f"  {span:<11} {cpu_a:5.2f} CPU s/1000, {rate_a:6.0f}/s    "
            f"{cpu_b:5.2f} CPU s/1000, {rate_b:6.0f}/s     {cpu_a / cpu_b:.2f}"
        )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--writes", type=int, default=15_000)
    parser.add_argument("--tasks", type=int, default=20)
    args = parser.parse_args()
    data = Path(tempfile.mkdtemp(prefix="zhengji-bench-store-"))
    try:
        asyncio.run(run(args.writes, args.tasks, data))
    finally:
        shutil.rmtree(data, ignore_errors=True)


if __name__ == "__main__":
    main()
