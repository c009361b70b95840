"""Many uploads at once: `.venv/bin/python bench/bench_upload_load.py [--uploads 200] [--mb 4]`.

The last evening before a deadline, hundreds of schools upload at the same time. This bench starts
``zhengji up`` (embedded mode) in a subprocess, registers ``--uploads`` entries, then runs them
all at once through tus from one load generator (this process: asyncio and httpx, one connection
per upload, as that many browsers would), each upload a creation and one PATCH of ``--mb`` MB.
It reports the server's throughput over the whole burst, each upload's latency (p50, p99, max),
the server's RSS before and at peak, and answers that were not 2xx.

Baseline, in the same run: the same bytes written as that many files with ``shutil.copyfile``
and an ``fsync`` each (a PATCH answers once its bytes are on disk). The ratio is the burst's
throughput over that. The load generator shares the machine's cores with the server (say so when
quoting), and the bytes are not media, so the validator fails each submission afterwards, beside
the burst, as it would in production. No thresholds: the numbers go to docs/performance.md.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import statistics
import sys
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bench_tus_upload import TUS, metadata
from proc_cpu import children, cpu_s, name_of
from upload_harness import Sampler, bench_main, bench_parser, rss_kb, served, setup, write_random_file

from zhengji.samples import yanbian_form


async def register(api: httpx.AsyncClient, n: int) -> list[str]:
    """``n`` entries of the bench campaign (``setup`` made two; more the same way)."""
    sids = await setup(api)
    for i in range(len(sids) + 1, n + 1):  # setup's were entrants 1 and 2: one entry a person
        form = yanbian_form(i)
        body = {"form": form, "unit_code": "222401001", "group": "小学组"}
        reg = await api.post("/api/campaigns/bench/entries", json=body)
        if reg.is_error:
            raise RuntimeError(f"entry {i} not registered: {reg.status_code} {reg.text}")
        sids.append(reg.json()["submission_id"])
    return sids[:n]


async def upload(base: str, token: str, sid: str, body: bytes) -> tuple[float, int]:
    """One browser: its own connection, a creation and one PATCH. Seconds taken and the status."""
    headers = {"Authorization": f"Bearer {token}", **TUS}
    started = time.perf_counter()
    async with httpx.AsyncClient(base_url=base, headers=headers, timeout=600) as api:
        created = await api.post(
            "/api/tus/",
            headers={
                "Upload-Length": str(len(body)),
                "Upload-Metadata": metadata(submission_id=sid, filename="b.mp4"),
            },
        )
        if created.status_code != 201:
            return time.perf_counter() - started, created.status_code
        done = await api.patch(
            created.headers["location"],
            content=body,
            headers={"Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"},
        )
        return time.perf_counter() - started, done.status_code


def copies_seconds(source: Path, target_dir: Path, n: int) -> float:
    """``n`` copies of ``source``, each fsynced: the disk's own rate for the burst's bytes."""
    target_dir.mkdir()
    os.sync()
    started = time.perf_counter()
    for i in range(n):
        target = target_dir / f"{i}.bin"
        shutil.copyfile(source, target)
        with target.open("rb") as f:
            os.fsync(f.fileno())
    seconds = time.perf_counter() - started
    shutil.rmtree(target_dir)
    return seconds


def percentile(values: list[float], share: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(share * len(ordered)))]


async def run(n: int, size_mb: int, tmp: Path) -> None:
    source = tmp / "upload.bin"
    print(f"bench_upload_load: {n} uploads of {size_mb} MB at once, through tus on loopback")
    write_random_file(source, size_mb)
    body = source.read_bytes()
    async with served(tmp) as (api, pid):
        sids = await register(api, n)
        token = api.headers["Authorization"].removeprefix("Bearer ")
        base = str(api.base_url).rstrip("/")
        before = rss_kb(pid)["VmRSS"] / 1024
        sampler = Sampler(pid)
        sampler.start()
        os.sync()
        procs = {pid: "zhengji up"} | {child: name_of(child) for child in children(pid)}
        cpu_before = {p: cpu_s(p) for p in procs} | {os.getpid(): cpu_s(os.getpid())}
        started = time.perf_counter()
        results = await asyncio.gather(*(upload(base, token, sid, body) for sid in sids))
        wall = time.perf_counter() - started
        cpu = {p: cpu_s(p) - before for p, before in cpu_before.items()}
        sampler.stop.set()
        sampler.join()
        peak = sampler.peak() / 1024
    copies = copies_seconds(source, tmp / "copies", n)
    latencies = [seconds for seconds, _ in results]
    refused = [status for _, status in results if not 200 <= status < 300]
    rate, disk = n * size_mb / wall, n * size_mb / copies
    print(f"  {n} copies + fsync of the same bytes {disk:8.1f} MB/s ({copies:.2f} s)")
    print(f"  {n} tus uploads at once            {rate:8.1f} MB/s ({wall:.2f} s)  ratio {rate / disk:.3f}")
    p50, p99 = statistics.median(latencies), percentile(latencies, 0.99)
    print(
        f"  upload latency p50 {p50:.2f} s, p99 {p99:.2f} s, max {max(latencies):.2f} s; "
        f"answers not 2xx: {len(refused)} {sorted(set(refused))}"
    )
    print(f"  server RSS {before:.1f} MB before, {peak:.1f} MB at peak (growth {peak - before:+.1f} MB)")
    # Where the burst's CPU went: the server's event loop, the embedded store and broker (its
    # children), the validator's bounded checks (the server's waited-for children), the load generator.
    spent = ", ".join(f"{procs.get(p, 'load generator')} {s:.1f}" for p, s in cpu.items())
    cores = os.cpu_count() or 1
    print(f"  CPU seconds during the burst: {spent} (of {cores * wall:.1f} on {cores} cores)")


def main() -> None:
    parser = bench_parser(__doc__, 4, "size of each upload in MB (default 4)")
    parser.add_argument("--uploads", type=int, default=200, help="uploads at once (default 200)")
    args = parser.parse_args()
    bench_main("load", lambda tmp: asyncio.run(run(args.uploads, args.mb, tmp)))


if __name__ == "__main__":
    main()
