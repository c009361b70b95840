"""Where ``zhengji validate --campaign`` takes its campaign from: a shipped preset's id, a campaign
YAML file (a province's own, before it is loaded into a server), or a running server's public
campaign URL (``https://host/api/campaigns/<id>`` or the page ``https://host/campaigns/<id>``)."""

import re
import time
from pathlib import Path

from contracts.campaign import Campaign

MAX_SPEC_BYTES = 1024 * 1024  # a campaign spec is a few KB; a larger answer is not one
DEADLINE_S = 30.0
_PAGE = re.compile(r"^(?P<origin>https?://[^/]+)/campaigns/(?P<id>[a-z0-9][a-z0-9-]*)/?$")


class CampaignUnavailable(Exception):
    """The campaign could not be loaded; the message says why, Chinese first."""


def load_campaign(source: str) -> Campaign:
    from services.intake.presets import InvalidCampaign, UnknownPreset, load_campaign_yaml, load_preset

    try:
        if source.startswith(("http://", "https://")):
            return _from_url(source)
        if source.endswith((".yaml", ".yml")) or "/" in source:
            path = Path(source)
            if not path.is_file():
                raise CampaignUnavailable(f"找不到活动文件 / no such campaign file: {source}")
            return load_campaign_yaml(path.read_text(encoding="utf-8"), source)
        return load_preset(source)
    except (UnknownPreset, InvalidCampaign) as exc:
        raise CampaignUnavailable(str(exc)) from exc


def _from_url(url: str) -> Campaign:
    import httpx
    from pydantic import ValidationError

    from services.intake.presets import InvalidCampaign

    page = _PAGE.match(url)
    if page is not None:  # the campaign's page: its spec is at the API's address
        url = f"{page['origin']}/api/campaigns/{page['id']}"
    # One deadline for the whole answer (httpx's timeout is per read: a server sending a byte every
    # few seconds would never end), and no compression (a small answer must not inflate).
    ends = time.monotonic() + DEADLINE_S
    try:
        with httpx.stream(
            "GET", url, timeout=10, follow_redirects=False, headers={"accept-encoding": "identity"}
        ) as answer:
            if answer.status_code != 200:
                raise CampaignUnavailable(f"服务器未返回活动（{answer.status_code}）/ no campaign at {url}")
            body = bytearray()
            for chunk in answer.iter_raw():
                body += chunk
                if len(body) > MAX_SPEC_BYTES:
                    raise CampaignUnavailable(f"返回内容过大，不是活动 / not a campaign: {url}")
                if time.monotonic() > ends:
                    raise CampaignUnavailable(f"服务器{DEADLINE_S:g}秒内未答完 / {url} too slow")
    except httpx.HTTPError as exc:
        raise CampaignUnavailable(f"无法连接服务器 / cannot reach {url}: {exc}") from exc
    try:
        return Campaign.model_validate_json(bytes(body))
    except ValidationError as exc:
        raise InvalidCampaign.from_validation_error(exc, url) from exc
