"""The notifier stopped and started again while messages are on their way: nothing is sent twice,
nothing is lost, and events delivered again tell nobody again."""

from collections import Counter
from typing import Any

import httpx
import pytest
from pymongo import AsyncMongoClient
from pymongo.errors import DuplicateKeyError

from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.notifier.conftest import (
    Entry,
    Feeder,
    Providers,
    campaign,
    holds,
    notifier_settings,
    person,
)
from zhengji.ports import free_port
from zhengji.server import running


async def test_a_notifier_restarted_midway_sends_nothing_twice_and_loses_nothing(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    p.aliyun.script = ["throttled"]  # every SMS is waiting on a retry when the notifier stops
    s = notifier_settings(settings, p, notifier_max_tries=50, notifier_retry_backoff_s=0.2)
    alone = s.model_copy(update={"http_port": free_port(), "intake_url": settings.base_url()})
    teacher_mail, head_mail = "teacher5@example.cn", "head5@example.cn"
    entries = [Entry(f"SR{i}", "notify", "", title=f"作品{i}") for i in range(3)]
    async with (
        admin_client(settings, ["intake"]) as admin,
        person(admin, "teacher5", "entrant") as teacher,
        person(admin, "school5", "unit_admin") as school,
    ):
        entries = [Entry(e.sid, e.campaign_id, teacher.id, e.title) for e in entries]
        submitted = [e.submitted() for e in entries]
        async with running(alone, ["notifier"]):
            for who, contacts in (
                (teacher, {"email": teacher_mail, "sms": "13600136000"}),
                (school, {"email": head_mail}),
            ):
                async with httpx.AsyncClient(base_url=alone.base_url(), headers=who.api.headers) as api:
                    body = {"contacts": {k: {"address": v, "agreed": True} for k, v in contacts.items()}}
                    assert (await api.put("/api/notifier/me", json=body)).status_code == 200
            await feeder.define(campaign(max_per_hour=100))  # seven to one person in minutes
            await feeder.send(*submitted)

            async def tried() -> bool:  # an e-mail through, and an SMS answered "throttled"
                return bool(p.mail.to(teacher_mail)) and p.aliyun.answers >= 1

            await eventually(tried, 60, "a first e-mail and a first SMS try")
            assert p.aliyun.received == []  # SMS under retry, none through
        # Stopped mid-way. Meanwhile the entries move on, and the first events come again.
        later = [e.transcoded() for e in entries] + [e.approved() for e in entries]
        await feeder.send(*later, *submitted)
        p.aliyun.script, p.aliyun.answers = ["ok"], 0  # the provider's limit lifts
        async with running(alone, ["notifier"]):
            await eventually(
                lambda: holds(len(p.mail.to(teacher_mail)) >= 6), 90, "six e-mails to the entrant"
            )
            await eventually(lambda: holds(len(p.aliyun.received) >= 6), 90, "six SMS")
            await eventually(lambda: holds(len(p.mail.to(head_mail)) >= 3), 90, "three to the unit admin")
            # Everything once more, then one new event: once it is told, the repeats were not.
            sentinel = Entry("SR9", "notify", teacher.id, "作品9")
            await feeder.send(*submitted, *later, sentinel.submitted())
            await eventually(lambda: holds(len(p.mail.to(teacher_mail)) >= 7), 90, "the new entry's e-mail")
            await eventually(lambda: holds(len(p.aliyun.received) >= 7), 90, "the new entry's SMS")

    subjects = Counter(str(m["Subject"]) for m in p.mail.to(teacher_mail))
    expected = {f"已收到作品《作品{i}》" for i in (0, 1, 2, 9)} | {
        f"作品《作品{i}》已进入评审" for i in range(3)
    }
    assert set(subjects) == expected and set(subjects.values()) == {1}
    assert Counter(str(m["Subject"]) for m in p.mail.to(head_mail)) == {
        f"新作品待审核：《作品{i}》": 1 for i in range(3)
    }
    sms = Counter((r["TemplateCode"], r["TemplateParam"]["title"]) for r in p.aliyun.received)
    assert set(sms.values()) == {1} and len(sms) == 7
    assert len({m["Message-ID"] for m in p.mail.messages}) == len(p.mail.messages) == 10

    # The rule is the store's, not only the code's: a second send for the same triple is refused.
    sends = AsyncMongoClient[dict[str, Any]](s.mongodb_uri)[f"{s.db_prefix}_notifier"]["sends"]
    one = await sends.find_one({"payload.channel": "sms"})
    assert one is not None
    with pytest.raises(DuplicateKeyError):
        await sends.insert_one({"_id": "another id", "payload": one["payload"], "state": "queued"})
