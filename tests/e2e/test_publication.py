"""The Yanbian campaign from awards to publication, as `make demo` runs it, then a retraction.

Two stand-in platforms on two hosts (the prefecture resource platform fails for
a while: its circuit opens, then a probe finds it back), and a downstream
webhook subscriber that verifies every signature. Intake and review are driven
exactly as the demo drives them; the publisher's part is checked here."""

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import pytest

from tests.conftest import eventually
from tests.integration.publisher.conftest import FAST
from tests.integration.publisher.harness import settled
from zhengji import samples
from zhengji.demo import SAMPLES, run_campaign
from zhengji.standin import StandIn, WebhookReceiver, serving

SECRET = "downstream-platform-secret-2024"
PHONES = [f"1390433{i:04d}" for i in range(len(SAMPLES) + 1)]  # what the demo's entrants typed
NAMES = [f"教师{i + 1}" for i in range(len(SAMPLES))]  # minors' campaign: names stay private


@dataclass
class TwoPlatforms(StandIn):
    """The demo gives both targets one stand-in's URLs; this sends each target to its own platform."""

    routes: dict[str, StandIn] = field(default_factory=dict)

    def url(self, path: str = "/works") -> str:
        return self.routes[path].url(path)


@pytest.fixture
def fast_publisher(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    for name, value in FAST.items():
        monkeypatch.setenv(name, value)
    yield


async def test_awards_reach_two_platforms_and_a_subscriber_then_one_work_is_retracted(
    fast_publisher: None, system: httpx.AsyncClient, tmp_path: Path
) -> None:
    media = await samples.make_all(tmp_path / "samples")
    async with (
        serving(StandIn(fail_first=4, fail_status=503)) as prefecture,
        serving(StandIn()) as library,
        serving(WebhookReceiver(secret=SECRET)) as downstream,
    ):
        sub = await system.post(
            "/api/publisher/subscriptions", json={"url": downstream.url(), "secret": SECRET}
        )
        assert sub.status_code == 201, sub.text
        routed = TwoPlatforms(routes={"/yanbian": prefecture, "/sizheng": library})
        rows = await run_campaign(system, media, routed)

        awarded = [r for r in rows if r["status"]["stage"] == "published"]
        assert [r["sample"].key for r in awarded] == ["conforming-a"]
        sid = awarded[0]["submission_id"]
        cid = awarded[0]["status"]["campaign_id"]
        pubs = await settled(
            system, sid, {"yanbian_platform": "published", "sizheng_library": "published"}, timeout_s=120
        )

        # The prefecture platform failed four times; its circuit opened and the work waited, untried.
        assert [r["status"] for r in prefecture.log] == [503, 503, 503, 503, 201]
        circuits = {c["platform"]: c for c in (await system.get("/api/publisher/circuits")).json()}
        assert circuits[prefecture.url("")]["times_opened"] >= 1
        assert circuits[prefecture.url("")]["state"] == "closed"
        assert [r["status"] for r in library.log] == [201]
        assert len(prefecture.received) == len(library.received) == 1
        shown = (await system.get(f"/api/publisher/campaigns/{cid}/showcase")).json()
        assert [w["submission_id"] for w in shown] == [sid]

        # A copyright complaint: the work comes down from both platforms, by their own ids.
        reason = "版权投诉，撤销展示 / copyright complaint"
        retract = await system.post(f"/api/publisher/submissions/{sid}/retract", json={"reason": reason})
        assert retract.status_code == 202, retract.text
        await settled(system, sid, {"yanbian_platform": "retracted", "sizheng_library": "retracted"})

        async def entrant_sees_it() -> bool:
            status = (await system.get(f"/api/submissions/{sid}")).json()
            return bool(status["stage"] == "retracted")

        await eventually(entrant_sees_it, 60, "the entrant's status to say retracted")
        await eventually(lambda: _verified(downstream, 4), 60, "four events at the subscriber")

    assert [(r["id"], r["body"]["reason"]) for r in prefecture.retracted] == [
        (pubs["yanbian_platform"]["remote_id"], reason)
    ]
    assert [r["id"] for r in library.retracted] == [pubs["sizheng_library"]["remote_id"]]
    assert (await system.get(f"/api/publisher/campaigns/{cid}/showcase")).json() == []

    # Every delivery to the subscriber was signed; deduplicated by event_id it holds four events.
    assert downstream.deliveries and all(d["verified"] for d in downstream.deliveries)
    held = sorted((e["target"], e["status"]) for e in downstream.events().values())
    assert held == [
        ("sizheng_library", "published"),
        ("sizheng_library", "retracted"),
        ("yanbian_platform", "published"),
        ("yanbian_platform", "retracted"),
    ]
    assert {e["submission_id"] for e in downstream.events().values()} == {sid}

    outgoing = json.dumps(
        [
            prefecture.received,
            library.received,
            prefecture.retracted,
            library.retracted,
            downstream.deliveries,
        ],
        ensure_ascii=False,
    )
    assert [p for p in PHONES + NAMES if p in outgoing] == []


async def _verified(receiver: WebhookReceiver, n: int) -> bool:
    return len(receiver.events()) >= n
