"""tus upload speed and server memory: `.venv/bin/python bench/bench_tus_upload.py [--mb 400]`.

Starts ``zhengji up`` (embedded mode) in a subprocess, logs in as the admin, imports a small
organisation tree, creates the Yanbian campaign (500 MB limit, window open today) and two entries,
then uploads a file of random bytes to each through tus on loopback:

1. one PATCH streaming the whole file (what tus-js-client does with its default chunk size);
2. PATCHes of ``--chunk-mb`` MiB each (what tuspy and the demo do), every one a new request.

A thread samples the server's RSS from /proc every 50 ms (as bench_upload_memory.py does). Prints
the server's RSS before and at peak during each upload, each upload's throughput, and the ratio to
``shutil.copyfile`` of the same bytes on the same disk, plain and followed by fsync (a tus PATCH
answers only once its bytes are on disk; a plain copy leaves them in the page cache), and to the
same client sending the same bytes to ``bare_receiver.py`` (a socket, sha256, write, fdatasync: the
least any server must do, so the ratio to it is the cost of the product's HTTP stack). The bytes
are not media, so the validator fails the submissions afterwards; that is expected. No
thresholds: the numbers go to docs/performance.md.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parent))
from bare_receiver import BareReceiver
from upload_harness import (
    MB,
    Sampler,
    bench_main,
    bench_parser,
    copy_seconds,
    rss_kb,
    served,
    setup,
    sha256_of,
    write_random_file,
)

TUS = {"Tus-Resumable": "1.0.0"}


def metadata(**values: str) -> str:
    return ",".join(f"{k} {base64.b64encode(v.encode()).decode()}" for k, v in values.items())


async def file_range(path: Path, start: int, size: int, block: int = 1 << 20) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        f.seek(start)
        left = size
        while left > 0 and (chunk := await asyncio.to_thread(f.read, min(block, left))):
            left -= len(chunk)
            yield chunk


async def tus_upload(api: httpx.AsyncClient, sid: str, source: Path, chunk: int) -> httpx.Response:
    size = source.stat().st_size
    created = await api.post(
        "/api/tus/",
        headers={
            **TUS,
            "Upload-Length": str(size),
            "Upload-Metadata": metadata(submission_id=sid, filename="b.mp4"),
        },
    )
    created.raise_for_status()
    url, offset = created.headers["location"], 0
    while offset < size:
        part = min(chunk or size, size - offset)
        headers = {
            **TUS,
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
            "Content-Length": str(part),
        }
        done = await api.patch(url, content=file_range(source, offset, part), headers=headers)
        done.raise_for_status()
        offset = int(done.headers["upload-offset"])
    return done


async def measured(api: httpx.AsyncClient, pid: int, sid: str, source: Path, chunk: int) -> dict[str, float]:
    os.sync()  # both timed writes start with no dirty pages to flush
    sampler = Sampler(pid)
    sampler.start()
    await asyncio.sleep(0.5)
    before = rss_kb(pid)
    t0 = time.perf_counter()
    done = await tus_upload(api, sid, source, chunk)
    seconds = time.perf_counter() - t0
    sampler.stop.set()
    sampler.join()
    during = [s for t, s in sampler.samples if t >= t0]
    return {
        "seconds": seconds,
        "before": before["VmRSS"] / 1024,
        "peak": max(s["VmRSS"] for s in during) / 1024,
        "peak_anon": max(s["RssAnon"] for s in during) / 1024,
        "before_anon": before["RssAnon"] / 1024,
        "hwm_before": before["VmHWM"] / 1024,
        "hwm": rss_kb(pid)["VmHWM"] / 1024,
        "sha_ok": float(done.headers.get("zhengji-sha256") == sha256_of(source)),
    }


async def run(size_mb: int, chunk_mb: int, tmp: Path) -> None:
    source = tmp / "upload.bin"
    print(f"bench_tus_upload: {size_mb} MB of random bytes through tus on loopback")
    write_random_file(source, size_mb)
    results = {}
    async with served(tmp) as (api, pid):
        one, chunked = await setup(api)
        await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)
        results["one PATCH"] = await measured(api, pid, one, source, 0)
        results[f"{chunk_mb} MiB PATCHes"] = await measured(api, pid, chunked, source, chunk_mb * MB)
    copy_rate = size_mb / copy_seconds(source, tmp / "copy.bin", durable=False)
    synced_rate = size_mb / copy_seconds(source, tmp / "synced.bin", durable=True)
    bare_rate = size_mb / await bare_seconds(source, tmp / "bare.bin")
    print(f"  shutil.copyfile of the same bytes            {copy_rate:7.1f} MB/s")
    print(f"  the same, then fsync (on disk, as tus is)    {synced_rate:7.1f} MB/s")
    print(f"  bare receiver (socket, sha256, fdatasync)    {bare_rate:7.1f} MB/s  (bare_receiver.py)")
    for name, r in results.items():
        rate = size_mb / r["seconds"]
        ratios = f"tus/(copy+fsync) = {rate / synced_rate:.3f}, tus/bare = {rate / bare_rate:.3f}"
        print(f"  tus, {name:<18} {rate:7.1f} MB/s ({r['seconds']:.2f} s)  {ratios}")
        print(f"      {rss_line(r)}")


async def bare_seconds(source: Path, target: Path) -> float:
    """The same client sending the same bytes in one request to ``BareReceiver``, timed."""
    os.sync()
    receiver = BareReceiver(target)
    receiver.start()
    size = source.stat().st_size
    async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{receiver.port}", timeout=600) as bare:
        t0 = time.perf_counter()
        done = await bare.put("/", content=file_range(source, 0, size), headers={"Content-Length": str(size)})
        seconds = time.perf_counter() - t0
    receiver.join()
    done.raise_for_status()
    assert receiver.sha256 == sha256_of(source), "the bare receiver lost bytes"
    target.unlink()
    return seconds


def rss_line(r: dict[str, float]) -> str:
    """The server's memory around one ``measured`` upload, and whether the bytes arrived whole."""
    return (
        f"server RSS {r['before']:.1f} MB before, {r['peak']:.1f} MB at peak "
        f"(growth {r['peak'] - r['before']:+.1f} MB; "
        f"anon {r['before_anon']:.1f} -> {r['peak_anon']:.1f}); "
        f"VmHWM {r['hwm_before']:.1f} -> {r['hwm']:.1f} MB; sha256 matches: {bool(r['sha_ok'])}"
    )


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--chunk-mb", type=int, default=16, help="PATCH size of the second run (default 16)")
    args = parser.parse_args()
    bench_main("tus", lambda tmp: asyncio.run(run(args.mb, args.chunk_mb, tmp)))


if __name__ == "__main__":
    main()
