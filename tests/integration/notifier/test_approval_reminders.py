"""Two days before the upload deadline, the admins of units whose entries still wait for approval
are reminded, once per admin and deadline: not again on the notifier's next sweeps, not again
after it restarts, and not at all for entries their unit has already approved; entries that
passed their checks while notifications were off are counted once they are turned on."""

from datetime import timedelta
from email.message import EmailMessage
from typing import Any

from pymongo import AsyncMongoClient

from contracts import Attribution, EntryInfo, SubmissionApproved, SubmissionSubmitted, SubmissionTranscoded
from contracts.calendar import campaign_today
from contracts.campaign import Window
from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.notifier.conftest import (
    MEDIA,
    Feeder,
    Providers,
    agree,
    campaign,
    holds,
    person,
    served_apart,
)
from zhengji.server import running

YANJI = ["22", "2224", "222401"], ["吉林省", "延边州", "延吉市"]
TUMEN = ["22", "2224", "222402"], ["吉林省", "延边州", "图们市"]


def entry(sid: str, where: tuple[list[str], list[str]], school: str) -> dict[str, Any]:
    path, names = where
    unit = Attribution(
        unit_code=f"{path[-1]}001",
        unit_name=school,
        unit_path=[*path, f"{path[-1]}001"],
        unit_path_names=[*names, school],
    )
    return {
        "submission_id": sid,
        "campaign_id": "remind",
        "correlation_id": f"{sid}:v1",
        "entry": EntryInfo(title=f"作品{sid}", group="小学组"),
        "attribution": unit,
    }


def reminded(p: Providers, address: str) -> list[EmailMessage]:
    """The reminders among the head's e-mails (each new entry was told of on its own as well)."""
    return [m for m in p.mail.to(address) if str(m["Subject"]).startswith("推荐单位审核")]


async def test_unit_admins_are_reminded_of_waiting_entries_once_per_deadline_across_a_restart(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    s = alone = served_apart(settings, p, notifier_reminder_every_s=0.2)
    spec = campaign("remind")
    today = campaign_today(spec)
    spec = spec.model_copy(
        update={"upload_window": Window(starts=today - timedelta(days=20), ends=today + timedelta(days=1))}
    )
    yanji_mail, tumen_mail, teacher_mail = "yanji@example.cn", "tumen@example.cn", "teacher@example.cn"
    waiting = [entry("RA1", YANJI, "延吉市第一小学"), entry("RA2", YANJI, "延吉市第一小学")]
    async with (
        admin_client(settings, ["intake"]) as admin,
        person(admin, "yanji-head", "unit_admin", "222401") as yanji,
        person(admin, "tumen-head", "unit_admin", "222402") as tumen,
        person(admin, "teacher-ra", "entrant") as teacher,
    ):
        async with running(alone, ["notifier"]):
            for who, address in ((yanji, yanji_mail), (tumen, tumen_mail), (teacher, teacher_mail)):
                await agree(alone.base_url(), who.api.headers, {"email": address})
            # Notifications off while RA1 and RA2 pass their checks and the unit approves RA2;
            # turned on once that is read, the reminder still counts RA1 (and only RA1).
            off = spec.notifications.model_copy(update={"enabled": False})
            await feeder.define(spec.model_copy(update={"notifications": off}))
            await feeder.send(
                *(
                    SubmissionSubmitted(**e, producer="intake", media=MEDIA, entrant_id=teacher.id)
                    for e in waiting
                ),
                *(SubmissionTranscoded(**e, producer="transcoder", succeeded=True) for e in waiting),
                SubmissionApproved(**waiting[1], producer="intake", approver_unit="222401"),
            )
            store = AsyncMongoClient[dict[str, Any]](s.mongodb_uri)[f"{s.db_prefix}_notifier"]

            async def approval_read() -> bool:
                return await store["waiting"].count_documents({"_id": "RA2", "decided": 1}) == 1

            await eventually(approval_read, 90, "RA2's approval read")
            assert not p.mail.to(teacher_mail)  # nobody is told anything while notifications are off
            await feeder.define(spec)  # notifications on, reminders two days ahead
            await eventually(lambda: holds(bool(reminded(p, yanji_mail))), 90, "Yanji's reminder")
        # Restarted; meanwhile a Tumen entry passed its checks. Once Tumen's admin is reminded, the
        # restarted notifier has swept Yanji's waiting entry again and must not have told it twice.
        async with running(alone, ["notifier"]):
            tumen_entry = entry("RA3", TUMEN, "图们市第一小学")
            await feeder.send(
                SubmissionSubmitted(**tumen_entry, producer="intake", media=MEDIA),
                SubmissionTranscoded(**tumen_entry, producer="transcoder", succeeded=True),
            )
            await eventually(lambda: holds(bool(reminded(p, tumen_mail))), 90, "Tumen's reminder")

    deadline = today + timedelta(days=1)
    subject = f"推荐单位审核{deadline.year}年{deadline.month}月{deadline.day}日截止"
    for address, unit in ((yanji_mail, "延吉市"), (tumen_mail, "图们市")):
        told = reminded(p, address)
        assert [str(m["Subject"]) for m in told] == [subject], address
        body = told[0].get_content()
        assert f"{unit}尚有1件作品待审核" in body, body  # Yanji's approved entry is not counted
        assert "/campaigns/remind/unit" in body
