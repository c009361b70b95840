"""The notifier on the real broker and store, with every channel pointed at a local stand-in.

``notified`` serves intake (who holds the accounts) and the notifier; tests feed the submission
events straight onto the broker (``Feeder``), as the other services would send them, so each
test says exactly which events happened. The whole pipeline runs in test_journey.py."""

import contextlib
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from pydantic import SecretStr

from contracts import (
    CAMPAIGN_TOPIC,
    TOPICS,
    Attribution,
    BlobRef,
    CampaignDefined,
    EntryInfo,
    SubmissionApproved,
    SubmissionReviewed,
    SubmissionSubmitted,
    SubmissionTranscoded,
    SubmissionValidated,
)
from contracts.campaign import Campaign
from contracts.events import BaseEvent, Finding, Severity
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.conftest import admin_client, client_as
from tests.integration.notifier.providers import (
    ALIYUN_KEY,
    SMTP_PASSWORD,
    SMTP_USER,
    TENCENT_KEY,
    WECHAT_APP,
    Aliyun,
    MailServer,
    Tencent,
    WeChat,
)
from tests.self_signed import certificate
from zhengji.ports import free_port
from zhengji.standin import serving

MEDIA = BlobRef(uri="blob://sha256/" + "a" * 64, sha256="a" * 64, size=1000, media_type="video/mp4")
SCHOOL = Attribution(
    unit_code="222401001", unit_name="延吉市第一小学", unit_path=["22", "2224", "222401", "222401001"]
)
SMS_TEMPLATES = {"received": "SMS_1001", "check_failed": "SMS_1002", "in_review": "SMS_1003"}


@dataclass
class Providers:
    mail: MailServer
    aliyun: Aliyun
    tencent: Tencent
    wechat: WeChat
    cert: Path


@pytest.fixture
async def providers(tmp_path: Path) -> AsyncIterator[Providers]:
    cert, key = certificate(tmp_path)
    mail = MailServer(cert, key)
    mail.controller.start()
    try:
        async with serving(Aliyun()) as aliyun, serving(Tencent()) as tencent, serving(WeChat()) as wechat:
            yield Providers(mail, aliyun, tencent, wechat, cert)
    finally:
        mail.controller.stop()


def notifier_settings(settings: Settings, p: Providers, **extra: Any) -> Settings:
    loopback = "http://127.0.0.1"
    values: dict[str, Any] = {
        "notifier_smtp_host": "127.0.0.1",
        "notifier_smtp_port": p.mail.port,
        "notifier_smtp_username": SMTP_USER,
        "notifier_smtp_password": SecretStr(SMTP_PASSWORD),
        "notifier_smtp_cafile": p.cert,
        "notifier_aliyun_access_key_id": ALIYUN_KEY[0],
        "notifier_aliyun_access_key_secret": SecretStr(ALIYUN_KEY[1]),
        "notifier_aliyun_endpoint": f"{loopback}:{p.aliyun.port}/",
        "notifier_tencent_secret_id": TENCENT_KEY[0],
        "notifier_tencent_secret_key": SecretStr(TENCENT_KEY[1]),
        "notifier_tencent_endpoint": f"{loopback}:{p.tencent.port}/",
        "notifier_wechat_app_id": WECHAT_APP[0],
        "notifier_wechat_app_secret": SecretStr(WECHAT_APP[1]),
        "notifier_wechat_api": f"{loopback}:{p.wechat.port}",
        "notifier_max_tries": 3,
        "notifier_retry_backoff_s": 0.05,
        **extra,
    }
    return settings.model_copy(update=values)


def served_apart(settings: Settings, p: Providers, **extra: Any) -> Settings:
    """The notifier's settings when it is served on a port of its own, as ``zhengji serve notifier``
    on another host would be: it asks intake and review for accounts at ``settings``' address."""
    base = settings.base_url()
    return notifier_settings(settings, p, http_port=free_port(), intake_url=base, review_url=base, **extra)


async def agree(
    base_url: str, headers: Mapping[str, str], contacts: Mapping[str, str], english: bool = False
) -> None:
    """The person ``headers`` speak for gives the notifier ``contacts`` (channel -> address) and
    agrees to be told there, as on the notification settings page."""
    body = {"english": english, "contacts": {k: {"address": v, "agreed": True} for k, v in contacts.items()}}
    async with httpx.AsyncClient(base_url=base_url, headers=dict(headers)) as api:
        answer = await api.put("/api/notifier/me", json=body)
        assert answer.status_code == 200, answer.text


def campaign(campaign_id: str = "notify", **notifications: Any) -> Campaign:
    """Yanbian with SMS on Aliyun (unless told otherwise) and no quiet hours (unless told)."""
    base = load_preset("yanbian-2024")
    rules: dict[str, Any] = {
        "sms_provider": "aliyun",
        "sms_sign_name": "延边州电教馆",
        "sms_app_id": "1400000001",
        "sms_templates": SMS_TEMPLATES,
        "wechat_templates": {"received": "TPL-received", "in_review": "TPL-review"},
        "quiet_from_hour": None,
        "quiet_until_hour": None,
        **notifications,
    }
    return base.model_copy(
        update={"id": campaign_id, "notifications": base.notifications.model_copy(update=rules)}
    )


async def holds(value: bool) -> bool:
    """``eventually(lambda: holds(<condition on what a stand-in received>))``."""
    return value


@dataclass
class Person:
    api: httpx.AsyncClient
    id: str

    async def agree(self, english: bool = False, **contacts: str) -> None:
        await agree(str(self.api.base_url), self.api.headers, contacts, english)

    async def inbox(self) -> dict[str, Any]:
        answer = await self.api.get("/api/notifier/inbox", params={"limit": 100})
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@contextlib.asynccontextmanager
async def person(
    admin: httpx.AsyncClient, username: str, role: str, unit: str = "222401001"
) -> AsyncIterator[Person]:
    async with client_as(admin, username, role, unit) as api:
        me = (await api.get("/api/auth/me")).json()
        yield Person(api, str(me["id"]))


class Feeder:
    """Sends events onto the broker as intake, the validator and the transcoder would."""

    def __init__(self, bootstrap: str) -> None:
        self.producer = AIOKafkaProducer(bootstrap_servers=bootstrap)

    async def send(self, *events: BaseEvent) -> None:
        for event in events:
            topic = (
                CAMPAIGN_TOPIC
                if isinstance(event, CampaignDefined)
                else TOPICS[event.event_type.split(".")[1]]
            )
            await self.producer.send_and_wait(
                topic, event.model_dump_json().encode(), key=event.partition_key().encode()
            )

    async def define(self, spec: Campaign) -> None:
        await self.send(CampaignDefined(campaign_id=spec.id, producer="intake", spec=spec))


@pytest.fixture
async def feeder(settings: Settings) -> AsyncIterator[Feeder]:
    feeder = Feeder(settings.kafka_bootstrap_servers)
    await feeder.producer.start()
    yield feeder
    await feeder.producer.stop()


@contextlib.asynccontextmanager
async def notified(settings: Settings) -> AsyncIterator[httpx.AsyncClient]:
    """Intake and the notifier served, and the campaign admin's client."""
    async with admin_client(settings, ["intake", "notifier"]) as admin:
        yield admin


@dataclass
class Entry:
    """One entry's events, as its services would send them."""

    sid: str
    campaign_id: str
    entrant_id: str
    title: str = "红色故事"

    def _common(self) -> dict[str, Any]:
        entry = EntryInfo(title=self.title, group="小学组")
        return {
            "submission_id": self.sid,
            "campaign_id": self.campaign_id,
            "correlation_id": f"{self.sid}:v1",
            "entry": entry,
            "attribution": SCHOOL,
        }

    def submitted(self) -> SubmissionSubmitted:
        return SubmissionSubmitted(
            **self._common(), producer="intake", media=MEDIA, entrant_id=self.entrant_id
        )

    def failed_check(self) -> SubmissionValidated:
        finding = Finding(
            rule_id="video.frame_rate",
            severity=Severity.ERROR,
            expected="25",
            measured="30",
            message_zh="帧率应为25帧/秒，实测30帧/秒",
            message_en="frame rate must be 25 fps, measured 30",
        )
        return SubmissionValidated(
            **self._common(), producer="validator", media=MEDIA, passed=False, findings=[finding]
        )

    def transcoded(self) -> SubmissionTranscoded:
        return SubmissionTranscoded(**self._common(), producer="transcoder", succeeded=True)

    def approved(self) -> SubmissionApproved:
        return SubmissionApproved(**self._common(), producer="intake", approver_unit="222401001")

    def reviewed(self, level: str, outcome: str, tier: str | None = None) -> SubmissionReviewed:
        """A level's final result, as review sends it once the round is finalised."""
        return SubmissionReviewed(
            **self._common(),
            producer="review",
            level=level,
            outcome=outcome,
            award_tier=tier,
            rank=1,
            score=95.0,
        )
