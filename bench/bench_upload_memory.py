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

import argparse
import asyncio
import hashlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import AsyncIterator
from datetime import timedelta
from pathlib import Path

import httpx

from contracts.calendar import campaign_today
from zhengji.embedded import free_port

MB = 1024 * 1024
FORM = {
    "name": "教师1",
    "gender": "女",
    "occupation": "教师",
    "phone": "13904330001",
    "school": "延吉市第一小学",
    "title": "杨靖宇将军的故事",
    "category": "英雄故事",
    "summary": "红色资源微视频",
    "recommender": "延吉市第一小学",
}


def rss_kb(pid: int) -> dict[str, int]:
    """VmRSS and its parts (RssAnon: heap; RssFile: mapped files) in kB, from /proc/<pid>/status."""
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile", "VmHWM"):
                out[key] = int(value.split()[0])
    return out


class Sampler(threading.Thread):
    def __init__(self, pid: int, every_s: float = 0.05) -> None:
        super().__init__(daemon=True)
        self.pid, self.every_s = pid, every_s
        self.samples: list[tuple[float, dict[str, int]]] = []
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.samples.append((time.perf_counter(), rss_kb(self.pid)))
            except OSError:
                return
            self.stop.wait(self.every_s)

    def peak(self, key: str = "VmRSS") -> int:
        return max(s[key] for _, s in self.samples)


def write_random_file(path: Path, size_mb: int) -> None:
    with path.open("wb") as f:
        for _ in range(size_mb):
            f.write(os.urandom(MB))


async def file_chunks(path: Path, size: int) -> AsyncIterator[bytes]:
    with path.open("rb") as f:
        while chunk := await asyncio.to_thread(f.read, size):
            yield chunk


def start_server(data_dir: Path, port: int, log_path: Path) -> subprocess.Popen[bytes]:
    zhengji = Path(sys.executable).with_name("zhengji")
    log = log_path.open("wb")
    return subprocess.Popen(
        [str(zhengji), "up", "--data-dir", str(data_dir), "--port", str(port)],
        stdout=log,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
    )


def stop_server(proc: subprocess.Popen[bytes], timeout_s: float = 30.0) -> None:
    if proc.poll() is None:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=timeout_s)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


async def wait_healthy(api: httpx.AsyncClient, proc: subprocess.Popen[bytes], log_path: Path) -> float:
    started = time.perf_counter()
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"zhengji up exited ({proc.returncode}):\n{log_path.read_text()[-2000:]}")
        try:
            if (await api.get("/healthz", timeout=2)).status_code == 200:
                return time.perf_counter() - started
        except httpx.TransportError:
            pass
        await asyncio.sleep(0.2)
    raise TimeoutError(f"zhengji up did not answer /healthz:\n{log_path.read_text()[-2000:]}")


PASSWORD = "bench-admin-password"
TREE = "code,name,level,parent\n22,吉林省,province,\n2224,延边州,city,22\n222401,延吉市,county,2224\n"
TREE += "222401001,延吉市第一小学,school,222401\n"


async def setup(api: httpx.AsyncClient) -> list[str]:
    login = await api.post("/api/auth/login", json={"username": "admin", "password": PASSWORD})
    login.raise_for_status()
    api.headers["Authorization"] = "Bearer " + login.json()["token"]
    (
        await api.post("/api/units/import", content=TREE.encode(), headers={"content-type": "text/csv"})
    ).raise_for_status()
    today = campaign_today()
    window = {"starts": str(today - timedelta(days=1)), "ends": str(today + timedelta(days=30))}
    created = await api.post(
        "/api/campaigns", json={"preset": "yanbian-2024", "id": "bench", "upload_window": window}
    )
    created.raise_for_status()
    sids = []
    for i in (1, 2):
        form = {**FORM, "name": f"教师{i}", "phone": f"1390433000{i}"}
        reg = await api.post(
            "/api/campaigns/bench/entries", json={"form": form, "unit_code": "222401001", "group": "小学组"}
        )
        reg.raise_for_status()
        sids.append(reg.json()["submission_id"])
    return sids


async def run(size_mb: int, chunk_kb: int, tmp: Path) -> None:
    port = free_port()
    log_path = tmp / "zhengji-up.log"
    source = tmp / "upload.bin"
    print(f"bench_upload_memory: {size_mb} MB of random bytes, {chunk_kb} KiB client chunks")
    started = time.perf_counter()
    write_random_file(source, size_mb)
    print(f"  wrote the source file in {time.perf_counter() - started:.1f} s")
    os.environ["ZHENGJI_ADMIN_PASSWORD"] = PASSWORD
    proc = start_server(tmp / "data", port, log_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as api:
            boot = await wait_healthy(api, proc, log_path)
            print(f"  zhengji up (pid {proc.pid}) answered /healthz after {boot:.1f} s")
            sid = (await setup(api))[0]
            await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)

            os.sync()  # both timed writes start with no dirty pages to flush
            sampler = Sampler(proc.pid)
            sampler.start()
            await asyncio.sleep(0.5)
            baseline = rss_kb(proc.pid)
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
            after = rss_kb(proc.pid)
    finally:
        stop_server(proc)

    os.sync()
    started = time.perf_counter()
    shutil.copyfile(source, tmp / "copy.bin")
    copy_s = time.perf_counter() - started

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
    digest = hashlib.sha256()
    with source.open("rb") as f:
        while block := f.read(MB):
            digest.update(block)
    assert body["sha256"] == digest.hexdigest(), (body, digest.hexdigest())
    print(f"  stored {body['size']} bytes, sha256 matches the source (not media: the validator fails it)")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=400, help="upload size in MB (default 400; limit 500)")
    parser.add_argument("--chunk-kb", type=int, default=1024, help="client chunk size in KiB (default 1024)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zhengji-bench-upload-"))
    start = time.perf_counter()
    try:
        asyncio.run(run(args.mb, args.chunk_kb, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"total bench time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
