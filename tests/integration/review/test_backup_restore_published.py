"""Restoring a backup of a campaign that has already published a work, with other entries
halfway through review, into an empty store: intake's submissions, review's scores and the
publisher's publications and showcase all come back as they were, and the platform is not sent
the published work a second time."""

import json
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml

from contracts.campaign import Campaign
from services.common.settings import Settings
from tests.conftest import UNIT, admin_client, eventually
from tests.integration.admin_command import admin_command
from tests.integration.publisher.conftest import FAST
from tests.integration.publisher.harness import produce, publications, reviewed, settled, target
from tests.integration.review.feed import PANEL, YANJI, Work, bearer, round_of
from tests.integration.review.test_backup_restore import restored_elsewhere, state
from tests.integration.review.test_review_flow import yanbian
from tests.integration.transcoder.conftest import define
from zhengji.samples import yanbian_form
from zhengji.standin import StandIn, serving


async def everything(api: httpx.AsyncClient, cid: str, sids: list[str], round_id: str) -> dict[str, Any]:
    """What the three services show of the campaign."""
    subs = [(await api.get(f"/api/submissions/{sid}")).json() for sid in sids]
    pubs = {sid: await publications(api, sid) for sid in sids}
    shown = (await api.get(f"/api/publisher/campaigns/{cid}/showcase")).json()
    return {
        "submissions": [(s["submission_id"], s["stage"], s["form"]["title"]) for s in subs],
        "review": await state(api, round_id),
        "publications": {
            sid: {t: (p["status"], p.get("remote_id"), p.get("url")) for t, p in by_target.items()}
            for sid, by_target in pubs.items()
        },
        "showcase": sorted(w["submission_id"] for w in shown),
    }


async def test_a_campaign_that_has_published_comes_back_with_its_publications(
    settings: Settings, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    kafka = settings.kafka_bootstrap_servers
    async with serving(StandIn()) as platform:
        spec = yanbian("backup-published").model_dump(mode="json")
        spec["publication_targets"] = [target("alpha", platform.url("/alpha"))]
        async with admin_client(settings, ["review", "publisher"]) as api:
            cid = await define(api, yaml.safe_dump(spec, allow_unicode=True))
            sids = []
            for i in range(1, 4):
                entry = {"form": yanbian_form(i), "unit": UNIT, "group": "教师组"}
                made = await api.post(f"/api/campaigns/{cid}/entries", json=entry)
                assert made.status_code == 201, made.text
                sids.append(str(made.json()["submission_id"]))
            # One work already awarded and published; two entries in a county round, one sheet scored.
            await produce(kafka, reviewed(cid, 3, submission_id=sids[2]))
            await settled(api, sids[2], {"alpha": "published"})

            async def intake_heard() -> bool:  # the publisher's event reaches intake after its record
                return bool((await api.get(f"/api/submissions/{sids[2]}")).json()["stage"] == "published")

            await eventually(intake_heard, 60, "intake's stage published")
            works = [Work(sid, f"红色故事{i}", YANJI, i) for i, sid in enumerate(sids[:2], start=1)]
            campaign = Campaign.model_validate(spec)
            round_id, tokens = await round_of(api, kafka, campaign, works, "county", PANEL)
            first = next(iter(tokens.values()))
            rubric = [c["key"] for c in (await api.get(f"/api/review/campaigns/{cid}/plan")).json()["rubric"]]
            item = (await api.get("/api/review/me/assignments", headers=bearer(first))).json()[0]
            r = await api.put(
                f"/api/review/rounds/{round_id}/entries/{item['entry']['submission_id']}/sheet",
                json={"sheet": dict.fromkeys(rubric, "90"), "comment": "好"},
                headers=bearer(first),
            )
            assert r.status_code == 200, r.text
            before = await everything(api, cid, sids, round_id)
        assert before["showcase"] == [sids[2]] and before["publications"][sids[2]]["alpha"][0] == "published"

        code, out, err = await admin_command(settings, "backup", str(tmp_path / "backup"))
        assert code == 0, err
        assert json.loads(out)  # the manifest

        async with (
            restored_elsewhere(settings, tmp_path, tmp_path / "backup") as restored,
            admin_client(restored, ["review", "publisher"]) as api,
        ):
            assert await everything(api, cid, sids, round_id) == before
    assert len(platform.received) == 1  # published once, before the backup; not again after it
