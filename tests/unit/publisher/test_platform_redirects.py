"""Where a platform's answer may send the publisher next: not elsewhere with the target's token."""

from pathlib import Path

import httpx
import pytest

from contracts.campaign import PublicationTarget
from services.common.blob_files import FileBlobStore
from services.common.operator_secrets import OperatorSecrets
from services.intake.presets import load_preset
from services.publisher.adapters.base import Work
from services.publisher.adapters.http import HttpAdapter
from services.publisher.delivery import Permanent, check
from tests.unit.publisher.reviewed_work import MEDIA, event


def adapter_answering(tmp_path: Path, status: int, body: dict[str, str]) -> HttpAdapter:
    client = httpx.AsyncClient(transport=httpx.MockTransport(lambda _: httpx.Response(status, json=body)))
    return HttpAdapter(client, FileBlobStore(tmp_path), OperatorSecrets.parse("XUEXI_TOKEN"))


def work() -> Work:
    target = PublicationTarget(
        key="xuexi", name="学习强国", url="https://x.example/api/works", poll_url_field="status_url"
    )
    return Work(load_preset("yanbian-2024"), target, event(), MEDIA, "S1:xuexi")


async def test_a_status_url_on_the_platform_is_polled_later(tmp_path: Path) -> None:
    adapter = adapter_answering(tmp_path, 202, {"id": "9", "status": "processing", "status_url": "/status/9"})
    answer = await adapter.publish(work())
    assert answer.pending and answer.poll_url == "https://x.example/status/9"


@pytest.mark.parametrize("elsewhere", ["https://collector.example/s/9", "http://x.example/status/9"])
async def test_a_status_url_on_another_host_is_refused(tmp_path: Path, elsewhere: str) -> None:
    adapter = adapter_answering(tmp_path, 202, {"id": "9", "status": "processing", "status_url": elsewhere})
    with pytest.raises(Permanent, match="not on the target's host"):
        await adapter.publish(work())


def test_a_redirect_is_not_followed_and_says_where_it_pointed() -> None:
    moved = httpx.Response(
        307,
        headers={"Location": "http://169.254.169.254/latest"},
        request=httpx.Request("POST", "https://p/"),
    )
    with pytest.raises(Permanent, match=r"169\.254\.169\.254") as parked:
        check(moved)
    assert parked.value.status == 307
