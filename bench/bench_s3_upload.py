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

import asyncio
import os
import sys
import time
from pathlib import Path

import obstore
from aiobotocore.session import get_session

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench_tus_upload import measured, rss_line, tus_upload
from upload_harness import PASSWORD, bench_main, bench_parser, served, setup, write_random_file

from services.common.blob_s3 import PART_BYTES
from services.common.blob_stores import s3_store
from services.common.settings import Settings
from tests.integration.blobs.conftest import CREDENTIALS, new_bucket
from tests.integration.s3_server import s3_server

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
    source = tmp / "upload.bin"
    print(
        f"bench_s3_upload: {size_mb} MB of random bytes onto moto's S3 server, {PART_BYTES >> 20} MiB parts"
    )
    write_random_file(source, size_mb)
    bucket = new_bucket(endpoint)
    os.environ.update({**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint, "ZHENGJI_ADMIN_PASSWORD": PASSWORD})
    os.environ["ZHENGJI_BLOB_URL"] = f"s3://{bucket}/{PREFIX}"
    async with served(tmp, ", blobs on S3") as (api, pid):
        sid = (await setup(api))[0]
        await asyncio.sleep(2.0)  # let start-up settle (campaign event consumed by every service)
        tus = await measured(pid, source, lambda: tus_upload(api, sid, source, chunk_mb * (1 << 20)))
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
    print(f"  {rss_line(tus)}")


def main() -> None:
    parser = bench_parser(__doc__)
    parser.add_argument("--chunk-mb", type=int, default=16, help="tus PATCH size in MiB (default 16)")
    args = parser.parse_args()

    def work(tmp: Path) -> None:
        with s3_server() as endpoint:
            asyncio.run(run(args.mb, args.chunk_mb, endpoint, tmp))

    bench_main("s3", work)


if __name__ == "__main__":
    main()
