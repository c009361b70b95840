"""The browser modules every service's pages import (``services/common/static/``: ``api.js``, ``dom.js``).

Each service serves its own pages, on its own host when distributed, so every app serves these
too, at the same path: a page imports ``/static/common/api.js`` wherever it is served from."""

import os
from pathlib import Path

from fastapi import FastAPI
from starlette.responses import Response
from starlette.staticfiles import StaticFiles
from starlette.types import Scope

PathLike = str | os.PathLike[str]

SHARED_STATIC = Path(__file__).parent / "static"
SHARED_URL = "/static/common"


class RevalidatedStaticFiles(StaticFiles):
    """Static files a browser asks about again on every page load (a 304 when unchanged).

    A page's own script carries its version in its URL (``?v=mtime``); the modules it imports
    cannot, so without this a browser could run a new page script with a stale shared module."""

    def file_response(
        self, full_path: PathLike, stat_result: os.stat_result, scope: Scope, status_code: int = 200
    ) -> Response:
        response = super().file_response(full_path, stat_result, scope, status_code)
        response.headers["Cache-Control"] = "no-cache"
        return response


def mount_shared_assets(app: FastAPI) -> None:
    app.mount(SHARED_URL, RevalidatedStaticFiles(directory=SHARED_STATIC), name="common-static")
