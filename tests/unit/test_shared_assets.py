"""Every service serves the browser modules its pages import, wherever it runs alone."""

from pathlib import Path

import httpx
import pytest

from services.common.settings import Settings
from zhengji.runtime import SERVICES, Runtime


@pytest.mark.parametrize("name", sorted(SERVICES))
async def test_each_service_alone_serves_the_shared_modules(name: str, tmp_path: Path) -> None:
    # No lifespan: nothing connects to a broker or a store to serve a file.
    app = Runtime(Settings(data_dir=tmp_path), [name]).web_app()
    async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://zhengji") as client:
        for module in ("api.js", "dom.js"):
            answer = await client.get(f"/static/common/{module}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("text/javascript")  # modules need a JS type
            # A page's own script is versioned in its URL; what it imports is asked about again instead.
            assert answer.headers["cache-control"] == "no-cache"
            etag = {"If-None-Match": answer.headers["etag"]}
            assert (await client.get(f"/static/common/{module}", headers=etag)).status_code == 304
