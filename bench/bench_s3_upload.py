"""tus onto S3 against a plain multipart upload: `.venv/bin/python bench/bench_s3_upload.py [--mb 400]`.

Starts moto's S3 server on loopback (as tests/integration/blobs/ do), then ``zhengji up`` with
``ZHENGJI_BLOB_URL=s3://<bucket>/zhengji``, creates the Yanbian campaign and an entry, and uploads
a file of random bytes through intake's tus endpoint in ``--chunk-mb`` PATCHes: intake sends 8 MiB
parts to a multipart upload as they arrive (aiobotocore), joins them and copies the object to its
sha256 key inside the store. A thread samples the server's RSS from /proc every 50 ms, as
bench_upload_memory.py does (the server holds all five services).

Then the same bytes go to the same server as a plain multipart upload, `aws s3 cp`-style, with
8 MiB parts: once with aiobotocore (the client intake's parts go through; one part after the
other, as a tus upload arrives) and once with ``obstore.put`` (its default of up to 12 parts in
flight). Prints each throughput and the ratios, and how long a copy of the object inside the
store takes (a tus upload's end includes one: its key is its sha256, known only then). One run,
no thresholds: the numbers go to docs/performance.md. moto is a Python server: it bounds every
number here."""

from __future__ import annotations

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

import httpx
import obstore
from aiobotocore.session import get_session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_tus_upload import measured
from bench_upload_memory import PASSWORD, setup, start_server, stop_server, wait_healthy, write_random_file

from services.common.blob_s3 import PART_BYTES
from services.common.blob_stores import s3_store
from services.common.settings import Settings
from tests.integration.blobs.conftest import CREDENTIALS, new_bucket
from tests.integration.s3_server import s3_server
from zhengji.embedded import free_port

PREFIX = "zhengji"


async def aiobotocore_multipart(endpoint: str, bucket: str, source: Path) -> float:
    """The parts one after the other, from the file, as ``aws s3 cp`` with one thread would."""
    started = time.perf_counter()
    async with get_session().create_client("s3", endpoint_url=endpoint) as s3:
        key = f"{PREFIX}/plain/aiobotocore"
        upload_id = (await s3.create_multipart_upload(Bucket=bucket, Key=key))["UploadId"]
        parts: list[dict[str, object]] = []
        with source.open("rb") as f:
            while data := await asyncio.to_thread(f.read, PART_BYTES):
                number = len(parts) + 1
                done = await s3.upload_part(
                    Bucket=bucket, Key=key, UploadId=upload_id, PartNumber=number, Body=data
                )
                parts.append({"PartNumber": number, "ETag": done["ETag"]})
        await s3.complete_multipart_upload(
            Bucket=bucket, Key=key, UploadId=upload_id, MultipartUpload={"Parts": parts}
        )
        seconds = time.perf_counter() - started
        await s3.delete_object(Bucket=bucket, Key=key)
    return seconds


async def obstore_multipart(settings: Settings, bucket: str, source: Path) -> tuple[float, float]:
    """The put's seconds, and then a copy's inside the store (what a tus upload's end adds)."""
    store = s3_store(bucket, PREFIX, settings)
    started = time.perf_counter()
    await obstore.put_async(store, "plain/obstore", source, chunk_size=PART_BYTES)
    seconds = time.perf_counter() - started
    started = time.perf_counter()
    await obstore.copy_async(store, "plain/obstore", "plain/copy")
    copy_s = time.perf_counter() - started
    await obstore.delete_async(store, "plain/obstore")
    await obstore.delete_async(store, "plain/copy")
    return seconds, copy_s


async def run(size_mb: int, chunk_mb: int, endpoint: str, tmp: Path) -> None:
    port = free_port()
    log_path = tmp / "zhengji-up.log"
    source = tmp / "upload.bin"
    print(
        f"bench_s3_upload: {size_mb} MB of random bytes onto moto's S3 server, {PART_BYTES >> 20} MiB parts"
    )
    write_random_file(source, size_mb)
    bucket = new_bucket(endpoint)
    os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "ZHENGJI_ADMIN_PASSWORD": PASSWORD})
    os.environ["ZHENGJI_BLOB_URL"] = f"s3://{bucket}/{PREFIX}"
    proc = start_server(tmp / "data", port, log_path)
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=600) as api:
            boot = await wait_healthy(api, proc, log_path)
            print(f"  zhengji up (pid {proc.pid}, blobs on S3) answered /healthz after {boot:.1f} s")
            sid = (await setup(api))[0]
            await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)
            tus = await measured(api, proc.pid, sid, source, chunk_mb * (1 << 20))
    finally:
        stop_server(proc)
    settings = Settings(data_dir=tmp / "plain")
    botocore_s = await aiobotocore_multipart(endpoint, bucket, source)
    obstore_s, copy_s = await obstore_multipart(settings, bucket, source)

    tus_rate, boto_rate, obstore_rate = (size_mb / s for s in (tus["seconds"], botocore_s, obstore_s))
    print(f"  tus through intake ({chunk_mb} MiB PATCHes)   {tus_rate:7.1f} MB/s  ({tus['seconds']:.2f} s)")
    print(f"  plain multipart, aiobotocore      {boto_rate:7.1f} MB/s  ({botocore_s:.2f} s)")
    print(f"  plain multipart, obstore.put      {obstore_rate:7.1f} MB/s  ({obstore_s:.2f} s)")
    print(f"  copy of the object inside the store {copy_s:.2f} s (a tus upload's end includes one)")
    print(f"  ratio tus / aiobotocore multipart = {tus_rate / boto_rate:.3f}")
    print(f"  ratio tus / obstore.put           = {tus_rate / obstore_rate:.3f}")
    print(
        f"  server RSS {tus['before']:.1f} MB before, {tus['peak']:.1f} MB at peak "
        f"(growth {tus['peak'] - tus['before']:+.1f} MB; anon {tus['before_anon']:.1f} -> "
        f"{tus['peak_anon']:.1f}); VmHWM {tus['hwm_before']:.1f} -> {tus['hwm']:.1f} MB; "
        f"sha256 matches: {bool(tus['sha_ok'])}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--mb", type=int, default=400, help="upload size in MB (default 400; limit 500)")
    parser.add_argument("--chunk-mb", type=int, default=16, help="tus PATCH size in MiB (default 16)")
    args = parser.parse_args()
    tmp = Path(tempfile.mkdtemp(prefix="zhengji-bench-s3-"))
    start = time.perf_counter()
    try:
        with s3_server() as endpoint:
            asyncio.run(run(args.mb, args.chunk_mb, endpoint, tmp))
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print(f"total bench time {time.perf_counter() - start:.1f} s")


if __name__ == "__main__":
    main()
