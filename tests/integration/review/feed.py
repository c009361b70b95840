"""Feeding the review service the events it consumes, on the real broker: a campaign definition,
``transcoded`` and ``approved`` events, as intake and the transcoder would send them. Review runs
alone here, so these tests do not depend on the upstream services; the e2e test runs them all."""

from dataclasses import dataclass, field
from typing import Any

import httpx
from aiokafka import AIOKafkaProducer

from contracts import (
    CAMPAIGN_TOPIC,
    TOPICS,
    Attribution,
    BlobRef,
    CampaignDefined,
    EntryInfo,
    Rendition,
    SubmissionApproved,
    SubmissionTranscoded,
)
from contracts.calendar import window_state
from contracts.campaign import Campaign
from tests.conftest import eventually

# 吉林省 > 延边州 > 延吉市 / 图们市 > schools
YANJI, TUMEN = "222401", "222402"
# A panel for one level: a chair and three reviewers, each from another county's schools.
PANEL = """姓名,单位编码,角色
金老师,222400001,组长
朴老师,222401900,评审
李老师,222402900,评审
崔老师,222403900,评审
"""
PREVIEW = BlobRef(uri="blob://sha256/" + "a" * 64, sha256="a" * 64, size=1000, media_type="video/mp4")


@dataclass(frozen=True)
class Work:
    sid: str
    title: str
    county: str
    school: int
    group: str = "小学组"
    category: str = "英雄故事"
    author: str | None = None
    preview: BlobRef = PREVIEW
    approved: bool = True  # by its unit (推荐单位审核): review takes only approved entries
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def unit_code(self) -> str:
        return f"{self.county}{self.school:03d}"

    @property
    def county_name(self) -> str:
        return "延吉市" if self.county == YANJI else "图们市"

    @property
    def unit_name(self) -> str:
        return f"{self.county_name}第{self.school}小学"

    def event(self, campaign_id: str) -> SubmissionTranscoded:
        return SubmissionTranscoded(
            submission_id=self.sid,
            campaign_id=campaign_id,
            correlation_id=f"{self.sid}:v1",
            producer="transcoder",
            entry=EntryInfo(
                title=self.title, group=self.group, category=self.category, summary="红色资源微视频"
            ),
            attribution=Attribution(
                unit_code=self.unit_code,
                unit_name=self.unit_name,
                unit_path=["22", "2224", self.county, self.unit_code] if self.county else [],
                unit_path_names=["吉林省", "延边州", self.county_name, self.unit_name] if self.county else [],
                author=self.author,
            ),
            succeeded=True,
            renditions=[Rendition(name="master", blob=self.preview, height=720)],
            duration_s=305.0,
        )


def scorable_today(campaign: Campaign) -> Campaign:
    """The presets keep their notices' review windows (2024), and scoring is refused outside a
    level's window: a window that has passed is dropped, so these tests score today. Windows
    themselves are tested in test_scoring_window.py."""
    levels = [
        lv
        if lv.window is None or window_state(lv.window, campaign) != "after"
        else lv.model_copy(update={"window": None})
        for lv in campaign.review_levels
    ]
    return campaign.model_copy(update={"review_levels": levels})


async def feed(bootstrap: str, campaign: Campaign, works: list[Work], keep_windows: bool = False) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=bootstrap)
    await producer.start()
    try:
        spec = campaign if keep_windows else scorable_today(campaign)
        defined = CampaignDefined(campaign_id=campaign.id, producer="intake", spec=spec)
        await producer.send_and_wait(
            CAMPAIGN_TOPIC, defined.model_dump_json().encode(), key=campaign.id.encode()
        )
        for w in works:
            event = w.event(campaign.id)
            await producer.send_and_wait(
                TOPICS["transcoded"], event.model_dump_json().encode(), key=w.sid.encode()
            )
            if w.approved:
                approved = SubmissionApproved(
                    submission_id=w.sid,
                    campaign_id=campaign.id,
                    correlation_id=event.correlation_id,
                    producer="intake",
                    entry=event.entry,
                    attribution=event.attribution,
                    approver_unit=w.unit_code,
                )
                await producer.send_and_wait(
                    TOPICS["approved"], approved.model_dump_json().encode(), key=w.sid.encode()
                )
    finally:
        await producer.stop()


async def until_ready(api: httpx.AsyncClient, campaign_id: str, count: int) -> None:
    async def ready() -> bool:
        # Two topics, no order between them: wait for the campaign's definition as well as the entries.
        if (await api.get(f"/api/review/campaigns/{campaign_id}/plan")).status_code != 200:
            return False
        answer = await api.get(f"/api/review/campaigns/{campaign_id}/ready")
        return answer.status_code == 200 and len(answer.json()) >= count

    await eventually(ready, 90, f"{count} entries ready for review")


def bearer(token: str) -> dict[str, str]:
    return {"authorization": f"Bearer {token}"}


async def import_experts(
    api: httpx.AsyncClient, campaign_id: str, level: str, csv_text: str
) -> dict[str, str]:
    """Name -> token."""
    r = await api.post(
        f"/api/review/campaigns/{campaign_id}/levels/{level}/experts",
        content=csv_text.encode(),
        headers={"content-type": "text/csv"},
    )
    assert r.status_code == 201, r.text
    return {e["name"]: e["token"] for e in r.json()["experts"]}


async def score_everything(
    api: httpx.AsyncClient, round_id: str, tokens: dict[str, str], marks: dict[str, int]
) -> int:
    """Every expert scores every entry assigned to them: the same mark on each criterion."""
    rubric = [
        c["key"]
        for c in (await api.get(f"/api/review/campaigns/{round_id.split(':')[0]}/plan")).json()["rubric"]
    ]
    saved = 0
    for token in tokens.values():
        for item in (await api.get("/api/review/me/assignments", headers=bearer(token))).json():
            sid = item["entry"]["submission_id"]
            r = await api.put(
                f"/api/review/rounds/{round_id}/entries/{sid}/sheet",
                json={"sheet": dict.fromkeys(rubric, str(marks[sid])), "comment": "好"},
                headers=bearer(token),
            )
            assert r.status_code == 200, r.text
            saved += 1
    return saved


async def round_of(
    api: httpx.AsyncClient, bootstrap: str, campaign: Campaign, works: list[Work], level: str, experts: str
) -> tuple[str, dict[str, str]]:
    """The works fed and ready, the level's experts imported and its round opened: the round's
    id and the experts' tokens by name."""
    await feed(bootstrap, campaign, works)
    await until_ready(api, campaign.id, len(works))
    tokens = await import_experts(api, campaign.id, level, experts)
    opened = await api.post(f"/api/review/campaigns/{campaign.id}/rounds", json={"level": level})
    assert opened.status_code == 201, opened.text
    return str(opened.json()["round_id"]), tokens
