"""Both blob backends, each a fresh store per test: a directory, and a bucket on moto's standalone
S3 server (a real S3 protocol server on loopback, started once for the session)."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from services.common.blob_stores import open_blob_store
from services.common.blobs import BlobStore
from services.common.settings import Settings
from tests.integration.blobs.moto_server import moto_server

CREDENTIALS = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_REGION": "us-east-1"}


@pytest.fixture(scope="session")
def s3_endpoint() -> Iterator[str]:
    with moto_server() as endpoint:
        yield endpoint


def s3_settings(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, endpoint: str, bucket: str) -> Settings:
    for name, value in {**CREDENTIALS, "AWS_ENDPOINT_URL": endpoint}.items():
        monkeypatch.setenv(name, value)
    return Settings(data_dir=tmp_path / "data", blob_url=f"s3://{bucket}/zhengji", blob_retry_timeout_s=2.0)


def new_bucket(endpoint: str) -> str:
    bucket = f"blobs-{uuid.uuid4().hex[:12]}"
    boto3.client(
        "s3",
        endpoint_url=endpoint,
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
        region_name=CREDENTIALS["AWS_REGION"],
    ).create_bucket(Bucket=bucket)
    return bucket


@pytest.fixture(params=["file", "s3"])
def backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def blob_settings(
    backend: str, request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> Settings:
    if backend == "file":
        return Settings(data_dir=tmp_path / "data", blob_url=(tmp_path / "blobs").as_uri())
    endpoint = request.getfixturevalue("s3_endpoint")
    return s3_settings(monkeypatch, tmp_path, endpoint, new_bucket(endpoint))


@pytest.fixture
def blobs(blob_settings: Settings) -> BlobStore:
    return open_blob_store(blob_settings)
