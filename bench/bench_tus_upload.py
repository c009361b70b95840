"""tus upload speed and server memory: `.venv/bin/python bench/bench_tus_upload.py [--mb 400]`.

Starts ``zhengji up`` (embedded mode) in a subprocess, logs in as the admin, imports a small
organisation tree, creates the Yanbian campaign (500 MB limit, window open today) and two entries,
then uploads a file of random bytes to each through tus on loopback:

1. one PATCH streaming the whole file (what tus-js-client does with its default chunk size);
2. PATCHes of ``--chunk-mb`` MiB each (what tuspy and the demo do), every one a new request;
3. one PATCH sent by curl (``--client``): a client in C, which leaves the server more of the
   machine's two cores than httpx does. In production the browser is on another machine; on
   loopback every cycle the client spends is one the server does not get.

A thread samples the server's RSS from /proc every 50 ms (as bench_upload_memory.py does). Prints
the server's RSS before and at peak during each upload, each upload's throughput, and the ratio to
``shutil.copyfile`` of the same bytes on the same disk, plain and followed by fsync (a tus PATCH
answers only once its bytes are on disk; a plain copy leaves them in the page cache), and to the
same client sending the same bytes to ``bare_receiver.py`` (a socket, sha256, write, fdatasync: the
least any server must do, so the ratio to it is the cost of the product's HTTP stack; each client
to the bare receiver, each ratio to its own client's). The bytes
are not media, so the validator fails the submissions afterwards; that is expected. No
thresholds: the numbers go to docs/performance.md.
"""

from __future__ import annotations

import asyncio
import base64
import os
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
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


# Sends the file; the headers of the last answer.
Upload = Callable[[], Awaitable[Mapping[str, str]]]


async def created(api: httpx.AsyncClient, sid: str, size: int) -> str:
    """A new tus upload of ``size`` bytes for ``sid``: its URL."""
    answer = await api.post(
        "/api/tus/",
        headers={
            **TUS,
            "Upload-Length": str(size),
            "Upload-Metadata": metadata(submission_id=sid, filename="b.mp4"),
        },
    )
    answer.raise_for_status()
    return str(api.base_url.join(answer.headers["location"]))


async def tus_upload(api: httpx.AsyncClient, sid: str, source: Path, chunk: int) -> Mapping[str, str]:
    size = source.stat().st_size
    url, offset = await created(api, sid, size), 0
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
    return done.headers


async def curl(method: str, url: str, source: Path, headers: Mapping[str, str]) -> Mapping[str, str]:
    """``curl -T`` the whole file in one request; the answer's headers (lower-case names)."""
    argv = ["curl", "-sS", "--fail", "-X", method, "-T", str(source), "-o", "/dev/null", "-D", "-"]
    for name, value in {**headers, "Expect": ""}.items():  # no 100-continue round trip
        argv += ["-H", f"{name}: {value}"]
    proc = await asyncio.create_subprocess_exec(
        *argv, url, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), timeout=600)
    if proc.returncode:
        raise RuntimeError(f"curl {method} {url}: exit {proc.returncode}: {err.decode()[-500:]}")
    lines = out.decode("latin-1").splitlines()[1:]
    return {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines) if v}


async def curl_tus(api: httpx.AsyncClient, sid: str, source: Path) -> Mapping[str, str]:
    url = await created(api, sid, source.stat().st_size)
    headers = {**TUS, "Upload-Offset": "0", "Content-Type": "application/offset+octet-stream"}
    return await curl("PATCH", url, source, headers | {"Authorization": api.headers["Authorization"]})


async def measured(pid: int, source: Path, upload: Upload) -> dict[str, float]:
    os.sync()  # both timed writes start with no dirty pages to flush
    sampler = Sampler(pid)
    sampler.start()
    await asyncio.sleep(0.5)
    before = rss_kb(pid)
    t0 = time.perf_counter()
    answer = await upload()
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
        "sha_ok": float(answer.get("zhengji-sha256") == sha256_of(source)),
    }


async def run(size_mb: int, chunk_mb: int, clients: list[str], tmp: Path) -> None:
    source = tmp / "upload.bin"
    print(f"bench_tus_upload: {size_mb} MB of random bytes through tus on loopback")
    write_random_file(source, size_mb)
    results: dict[str, tuple[str, dict[str, float]]] = {}
    async with served(tmp) as (api, pid):
        sids = iter(await setup(api, entries=3))
        await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)
        if "httpx" in clients:
            one, chunked = next(sids), next(sids)
            whole = await measured(pid, source, lambda: tus_upload(api, one, source, 0))
            parts = await measured(pid, source, lambda: tus_upload(api, chunked, source, chunk_mb * MB))
            results["one PATCH, httpx"] = ("httpx", whole)
            results[f"{chunk_mb} MiB PATCHes, httpx"] = ("httpx", parts)
        if "curl" in clients:
            by_curl = next(sids)
            by_curl_r = await measured(pid, source, lambda: curl_tus(api, by_curl, source))
            results["one PATCH, curl"] = ("curl", by_curl_r)
    copy_rate = size_mb / copy_seconds(source, tmp / "copy.bin", durable=False)
    synced_rate = size_mb / copy_seconds(source, tmp / "synced.bin", durable=True)
    bare_rate = {client: size_mb / await bare_seconds(source, tmp / "bare.bin", client) for client in clients}
    print(f"  shutil.copyfile of the same bytes            {copy_rate:7.1f} MB/s")
    print(f"  the same, then fsync (on disk, as tus is)    {synced_rate:7.1f} MB/s")
    for client, rate in bare_rate.items():
        print(f"  bare receiver, {client:<5} (socket, sha256, fdatasync) {rate:7.1f} MB/s (bare_receiver.py)")
    for name, (client, r) in results.items():
        rate = size_mb / r["seconds"]
        ratios = f"tus/(copy+fsync) = {rate / synced_rate:.3f}, tus/bare = {rate / bare_rate[client]:.3f}"
        print(f"  tus, {name:<24} {rate:7.1f} MB/s ({r['seconds']:.2f} s)  {ratios}")
        print(f"      {rss_line(r)}")


async def bare_seconds(source: Path, target: Path, client: str) -> float:
    """``client`` sending the same bytes in one request to ``BareReceiver``, timed."""
    os.sync()
    receiver = BareReceiver(target)
    receiver.start()
    size, url = source.stat().st_size, f"http://127.0.0.1:{receiver.port}/"
    t0 = time.perf_counter()
    if client == "curl":
        await curl("PUT", url, source, {})
    else:
        async with httpx.AsyncClient(timeout=600) as bare:
            body = file_range(source, 0, size)
            (await bare.put(url, content=body, headers={"Content-Length": str(size)})).raise_for_status()
    seconds = time.perf_counter() - t0
    receiver.join()
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
    parser.add_argument(
        "--client", choices=["httpx", "curl", "both"], default="both", help="who sends (default both)"
    )
    args = parser.parse_args()
    clients = ["httpx", "curl"] if args.client == "both" else [args.client]
    bench_main("tus", lambda tmp: asyncio.run(run(args.mb, args.chunk_mb, clients, tmp)))


if __name__ == "__main__":
    main()
