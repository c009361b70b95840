"""Memory and speed of a streamed upload: `.venv/bin/python bench/bench_upload_memory.py [--mb 400]`.

Starts ``zhengji up`` (embedded mode) in a subprocess, creates the Yanbian campaign (500 MB limit) and
one entry, then PUTs a file of random bytes to ``/api/submissions/{sid}/media`` as a chunked async
stream with an explicit content-length, as a browser or the demo does. A thread samples the server
process's RSS from /proc every 50 ms. Prints the RSS before and at peak during the upload, the upload
throughput and, for scale, the throughput of ``shutil.copyfile`` of the same bytes on the same disk.

The bytes are not media, so the validator fails the submission afterwards; that is expected.
No thresholds: the numbers are printed and recorded in docs/performance.md.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
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


async def file_chunks(path: Path, size: int) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, size):
            yield chunk


async def run(size_mb: int, chunk_kb: int, tmp: Path) -> None:
    source = tmp / "upload.bin"
    print(f"bench_upload_memory: {size_mb} MB of random bytes, {chunk_kb} KiB client chunks")
    started = time.perf_counter()
    write_random_file(source, size_mb)
    print(f"  wrote the source file in {time.perf_counter() - started:.1f} s")
    async with served(tmp) as (api, pid):
        sid = (await setup(api))[0]
        await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)

        os.sync()  # both timed writes start with no dirty pages to flush
        sampler = Sampler(pid)
        sampler.start()
        await asyncio.sleep(0.5)
        baseline = rss_kb(pid)
        t0 = time.perf_counter()
        up = await api.put(
            f"/api/submissions/{sid}/media",
            content=file_chunks(source, chunk_kb * 1024),
            headers={"content-type": "video/mp4", "content-length": str(source.stat().st_size)},
        )
        upload_s = time.perf_counter() - t0
        sampler.stop.set()
        sampler.join()
        up.raise_for_status()
        body = up.json()
        assert body["size"] == size_mb * MB, body
        during = [s for t, s in sampler.samples if t >= t0]
        after = rss_kb(pid)

    copy_s = copy_seconds(source, tmp / "copy.bin", durable=False)

    base, base_anon = baseline["VmRSS"] / 1024, baseline["RssAnon"] / 1024
    peak = max(s["VmRSS"] for s in during) / 1024
    peak_anon = max(s["RssAnon"] for s in during) / 1024
    print(f"  server RSS before upload   {base:8.1f} MB  (anon {base_anon:.1f})")
    print(
        f"  server RSS peak during     {peak:8.1f} MB  (anon {peak_anon:.1f}); {len(during)} samples, 50 ms"
    )
    print(f"  server RSS growth          {peak - base:8.1f} MB  (anon {peak_anon - base_anon:+.1f})")
    print(f"  server RSS right after     {after['VmRSS'] / 1024:8.1f} MB")
    print(
        f"  kernel high-water mark (VmHWM, catches what 50 ms sampling could miss): "
        f"{baseline['VmHWM'] / 1024:.1f} MB before, {after['VmHWM'] / 1024:.1f} MB after"
    )
    upload_rate = size_mb / upload_s
    copy_rate = size_mb / copy_s
    print(f"  upload (httpx -> uvicorn -> blob store, sha256)  {upload_rate:7.1f} MB/s   ({upload_s:.2f} s)")
    print(f"  shutil.copyfile of the same bytes                {copy_rate:7.1f} MB/s   ({copy_s:.2f} s)")
    print(f"  ratio upload / copy = {upload_rate / copy_rate:.3f}")
    expected = sha256_of(source)
    assert body["sha256"] == expected, (body, expected)
    print(f"  stored {body['size']} bytes, sha256 matches the source (not media: the validator fails it)")


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--chunk-kb", type=int, default=1024, help="client chunk size in KiB (default 1024)")
    args = parser.parse_args()
    bench_main("upload", lambda tmp: asyncio.run(run(args.mb, args.chunk_kb, tmp)))


if __name__ == "__main__":
    main()
