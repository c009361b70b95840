"""Which blob backend ``ZHENGJI_BLOB_URL`` names: ``file:///path`` (the default, the data dir's
``blobs/``) or ``s3://bucket/prefix``, with the endpoint and credentials from the standard
``AWS_ENDPOINT_URL``, ``AWS_ACCESS_KEY_ID``, ``AWS_SECRET_ACCESS_KEY`` and ``AWS_REGION``."""

import os
from datetime import timedelta
from pathlib import Path
from urllib.parse import unquote, urlsplit

from obstore.store import S3Store

from services.common.blob_files import FileBlobStore
from services.common.blob_s3 import S3BlobStore
from services.common.blobs import BlobStore, PartUploads
from services.common.settings import Settings


def open_blob_store(settings: Settings) -> BlobStore:
    url = urlsplit(settings.blob_url or settings.blobs_path().resolve().as_uri())
    if url.scheme == "file":
        return FileBlobStore(Path(unquote(url.path)), settings.blob_public_url)
    if url.scheme == "s3" and url.netloc:
        bucket, prefix = url.netloc, url.path.strip("/")
        store = s3_store(bucket, prefix, settings)

        def make_parts() -> PartUploads:
            # Imported here: aiobotocore takes half a second to import, and only intake needs it.
            from services.common.blob_multipart import S3Parts

            return S3Parts(store, bucket, prefix, settings)

        return S3BlobStore(
            store,
            scratch=settings.data_dir / "blob-scratch",
            scratch_max_bytes=settings.blob_scratch_max_bytes,
            public_url=settings.blob_public_url,
            make_parts=make_parts,
        )
    raise ValueError(
        "ZHENGJI_BLOB_URL 须为 file:///路径 或 s3://桶/前缀 / "
        f"must be file:///path or s3://bucket/prefix: {url.geturl()}"
    )


def s3_store(bucket: str, prefix: str, settings: Settings) -> S3Store:
    endpoint = os.environ.get("AWS_ENDPOINT_URL_S3") or os.environ.get("AWS_ENDPOINT_URL")
    return S3Store(
        bucket,
        prefix=prefix or None,
        virtual_hosted_style_request=settings.blob_s3_virtual_hosted,
        client_options={
            "allow_http": bool(endpoint and endpoint.startswith("http://")),
            "connect_timeout": timedelta(seconds=settings.blob_connect_timeout_s),
        },
        # A store that is down answers within seconds (as BlobUnavailable, retried by the caller's
        # job or consumer), instead of after obstore's default three minutes of retries.
        retry_config={"max_retries": 2, "retry_timeout": timedelta(seconds=settings.blob_retry_timeout_s)},
    )
