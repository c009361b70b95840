"""A transcode's progress on the submission's status, while the transcoder works on it.

The job table is the transcoder's; intake asks its API (``ZHENGJI_TRANSCODER_URL``, by default
this process's own address) with the caller's own login. Progress is a nicety: a transcoder that
does not answer within a second leaves the status without it rather than holding the page up."""

from typing import Any

import httpx
from fastapi import Request

from services.common.callers import credentials
from services.common.settings import Settings

SHOWN = ("state", "state_label_zh", "state_label_en", "phase", "percent", "speed", "eta_s")


async def transcode_progress(
    settings: Settings, submission_id: str, request: Request
) -> dict[str, Any] | None:
    base = (settings.transcoder_url or settings.base_url()).rstrip("/")
    try:
        async with httpx.AsyncClient(timeout=1.0) as client:
            answer = await client.get(
                f"{base}/api/transcoder/jobs/{submission_id}", headers=credentials(request)
            )
    except httpx.HTTPError:
        return None
    if answer.status_code != 200:
        return None
    job: dict[str, Any] = answer.json()
    return {key: job.get(key) for key in SHOWN}
