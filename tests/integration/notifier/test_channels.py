"""Each channel against its provider's stand-in: signing, failures retried or parked, quiet hours,
unsubscribing. Events are fed onto the real broker; the store is the real one."""

from datetime import UTC, datetime, timedelta
from typing import Any
from urllib.parse import urlsplit

from pymongo import AsyncMongoClient

from contracts.calendar import zone_named
from services.common.settings import Settings
from tests.conftest import eventually
from tests.integration.notifier.conftest import (
    Entry,
    Feeder,
    Providers,
    campaign,
    holds,
    notified,
    notifier_settings,
    person,
)


async def test_each_channel_carries_each_message_once_signed_as_its_provider_wants(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    p.aliyun.script = ["throttled", "throttled", "ok"]  # the provider's rate limit, twice: retried
    p.wechat.script = ["stale", "ok"]  # a token refreshed elsewhere: a new one is fetched, then sent
    s = notifier_settings(settings, p)
    async with (
        notified(s) as admin,
        person(admin, "teacher1", "entrant") as teacher,
        person(admin, "school1", "unit_admin") as school,
    ):
        await teacher.agree(email="teacher1@example.cn", sms="13800138000", wechat="openid-teacher1")
        await school.agree(email="head@example.cn")
        await feeder.define(campaign())
        entry = Entry("SN1", "notify", teacher.id)
        first = (entry.submitted(), entry.transcoded())
        await feeder.send(*first)

        async def all_sent() -> bool:
            return bool(p.mail.to("teacher1@example.cn") and p.mail.to("head@example.cn"))

        await eventually(all_sent, 60, "the entrant's and the unit admin's e-mails")
        await eventually(lambda: holds(bool(p.aliyun.received and p.wechat.received)), 60, "SMS and WeChat")

        (mail,) = p.mail.to("teacher1@example.cn")
        assert mail["Subject"] == "已收到作品《红色故事》"
        assert "/notifications/unsubscribe?token=" in mail["List-Unsubscribe"]
        assert f"{s.base_url()}/submissions/SN1" in mail.get_content()
        assert mail["From"] == s.notifier_mail_from and mail["Message-ID"]
        (head,) = p.mail.to("head@example.cn")
        assert head["Subject"] == "新作品待审核：《红色故事》"
        assert "延吉市第一小学" in head.get_content()

        (sms,) = p.aliyun.received
        assert p.aliyun.refused == ["isv.BUSINESS_LIMIT_CONTROL"] * 2
        assert (sms["PhoneNumbers"], sms["TemplateCode"], sms["SignName"]) == (
            "13800138000",
            "SMS_1001",
            "延边州电教馆",
        )
        assert sms["TemplateParam"]["title"] == "红色故事" and sms["OutId"]
        (wechat,) = p.wechat.received
        assert p.wechat.refused == ["42001"] and p.wechat.tokens == 3  # ours, one elsewhere, ours again
        assert (wechat["touser"], wechat["template_id"]) == ("openid-teacher1", "TPL-received")
        assert wechat["url"] == f"{s.base_url()}/submissions/SN1"

        assert (await teacher.inbox())["unread"] == 1 and (await school.inbox())["unread"] == 1

        # The same events again (a redelivery), then the next step: only the next step is told.
        await feeder.send(*first)
        await feeder.send(entry.approved())
        await eventually(lambda: holds(len(p.mail.to("teacher1@example.cn")) == 2), 60, "in-review e-mail")
        sent = lambda: holds(len(p.aliyun.received) == 2 and len(p.wechat.received) == 2)  # noqa: E731
        await eventually(sent, 60, "the in-review SMS and WeChat message")
        inbox = await teacher.inbox()
        assert [m["kind"] for m in inbox["messages"]] == ["in_review", "received"]
        assert len(p.mail.to("head@example.cn")) == 1


async def test_a_provider_that_refuses_for_good_or_keeps_throttling_parks_the_send_for_admins(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    p.tencent.script = ["unapproved"]  # a template the provider has not approved: no use trying again
    p.aliyun.script = ["throttled"]  # throttled on every try: tried notifier_max_tries times
    async with (
        notified(notifier_settings(settings, p)) as admin,
        person(admin, "teacher2", "entrant") as teacher,
    ):
        await teacher.agree(sms="13900139000")
        await feeder.define(campaign("on-tencent", sms_provider="tencent"))
        await feeder.define(campaign("on-aliyun"))
        await feeder.send(
            Entry("ST1", "on-tencent", teacher.id).submitted(),
            Entry("SA1", "on-aliyun", teacher.id).submitted(),
        )

        async def parked() -> list[dict[str, Any]] | None:
            answer = await admin.get("/api/notifier/parked")
            assert answer.status_code == 200, answer.text
            found: list[dict[str, Any]] = answer.json()
            return found if len(found) == 2 else None

        by_campaign = {p["campaign_id"]: p for p in await eventually(parked, 60, "two parked sends")}
        tencent, aliyun = by_campaign["on-tencent"], by_campaign["on-aliyun"]
        assert (
            tencent["tries"] == 1 and "FailedOperation.TemplateIncorrectOrUnapproved" in tencent["last_error"]
        )
        assert aliyun["tries"] == 3 and "isv.BUSINESS_LIMIT_CONTROL" in aliyun["last_error"]
        assert p.aliyun.answers == 3 and p.tencent.refused == [
            "FailedOperation.TemplateIncorrectOrUnapproved"
        ]
        assert tencent["person_id"] == teacher.id and "13900139000" not in str(
            by_campaign
        )  # no address shown
        assert (await teacher.api.get("/api/notifier/parked")).status_code == 403

        p.aliyun.script, p.aliyun.answers = ["ok"], 0  # the provider's limit lifted: the admin retries
        assert (await admin.post(f"/api/notifier/parked/{aliyun['id']}/retry")).status_code == 200
        await eventually(lambda: holds(len(p.aliyun.received) == 1), 60, "the retried SMS")
        assert p.aliyun.received[0]["PhoneNumbers"] == "13900139000"


async def test_quiet_hours_hold_a_message_until_they_end(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p, s = providers, notifier_settings(settings, providers)
    hour = datetime.now(UTC).astimezone(zone_named("Asia/Shanghai")).hour
    quiet = campaign(quiet_from_hour=hour, quiet_until_hour=(hour + 2) % 24)  # quiet now, for two hours
    async with notified(s) as admin, person(admin, "teacher3", "entrant") as teacher:
        await teacher.agree(email="teacher3@example.cn")
        await feeder.define(quiet)
        await feeder.send(Entry("SQ1", "notify", teacher.id).submitted())
        sends = AsyncMongoClient[dict[str, Any]](s.mongodb_uri)[f"{s.db_prefix}_notifier"]["sends"]

        async def held() -> dict[str, Any] | None:
            return await sends.find_one({"held": "quiet_hours", "state": "queued"})

        job = await eventually(held, 60, "the e-mail held for the quiet hours")
        until = job["not_before"].replace(tzinfo=UTC)
        local_end = until.astimezone(zone_named("Asia/Shanghai"))
        assert (local_end.hour, local_end.minute) == ((hour + 2) % 24, 0)
        assert timedelta(hours=1) <= until - datetime.now(UTC) <= timedelta(hours=2)
        assert p.mail.to("teacher3@example.cn") == []
        assert (await teacher.inbox())["unread"] == 1  # the inbox is silent, so never held

        # The hours end (the campaign drops them, and the clock reaches the hold): it goes, once.
        await feeder.define(campaign())

        async def redefined() -> bool:
            spec = await sends.database["campaigns"].find_one({"_id": "notify"})
            return spec is not None and spec["spec"]["notifications"]["quiet_from_hour"] is None

        await eventually(redefined, 60, "the campaign without quiet hours")
        await sends.update_one({"_id": job["_id"]}, {"$set": {"not_before": datetime.now(UTC)}})
        await eventually(lambda: holds(len(p.mail.to("teacher3@example.cn")) == 1), 60, "the held e-mail")


async def test_an_unsubscribe_link_stops_its_channel_and_only_that(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    async with (
        notified(notifier_settings(settings, p)) as admin,
        person(admin, "teacher4", "entrant") as teacher,
    ):
        await teacher.agree(email="teacher4@example.cn", sms="13700137000")
        await feeder.define(campaign())
        entry = Entry("SU1", "notify", teacher.id)
        await feeder.send(entry.submitted())
        await eventually(lambda: holds(len(p.mail.to("teacher4@example.cn")) == 1), 60, "the first e-mail")
        (mail,) = p.mail.to("teacher4@example.cn")
        link = urlsplit(mail["List-Unsubscribe"].strip("<>"))
        page = await admin.get(f"{link.path}?{link.query}")  # anyone holding the link, no login needed
        assert page.status_code == 200 and "确认退订" in page.text
        me = (await teacher.api.get("/api/notifier/me")).json()
        assert me["preferences"]["contacts"]["email"]["agreed"] is True  # opening the page changes nothing
        token = link.query.removeprefix("token=")
        forged = await admin.post("/notifications/unsubscribe", data={"token": token[:-2] + "xx"})
        assert "无效" in forged.text
        done = await admin.post("/notifications/unsubscribe", data={"token": token})
        assert done.status_code == 200 and "已退订" in done.text
        me = (await teacher.api.get("/api/notifier/me")).json()
        assert me["preferences"]["contacts"]["email"]["agreed"] is False
        assert me["preferences"]["contacts"]["sms"]["agreed"] is True

        await feeder.send(entry.approved())
        await eventually(lambda: holds(len(p.aliyun.received) == 2), 60, "the second SMS")
        inbox = await teacher.inbox()
        assert [m["kind"] for m in inbox["messages"]] == ["in_review", "received"]
        assert len(p.mail.to("teacher4@example.cn")) == 1  # no e-mail after the unsubscribe


async def test_a_persons_hourly_limit_holds_the_next_message_for_later(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p, s = providers, notifier_settings(settings, providers)
    async with notified(s) as admin, person(admin, "teacher6", "entrant") as teacher:
        await teacher.agree(email="teacher6@example.cn")
        await feeder.define(campaign(max_per_hour=1))
        entry = Entry("SL1", "notify", teacher.id)
        await feeder.send(entry.submitted())
        await eventually(lambda: holds(len(p.mail.to("teacher6@example.cn")) == 1), 60, "the first e-mail")
        await feeder.send(entry.approved())
        sends = AsyncMongoClient[dict[str, Any]](s.mongodb_uri)[f"{s.db_prefix}_notifier"]["sends"]

        async def held() -> dict[str, Any] | None:
            return await sends.find_one({"held": "rate_limit", "state": "queued"})

        job = await eventually(held, 60, "the second e-mail held by the hourly limit")
        first = await sends.find_one({"payload.kind": "received"})
        assert first is not None
        assert job["not_before"] == first["sent_at"] + timedelta(hours=1)  # when the first leaves the hour
        assert len(p.mail.to("teacher6@example.cn")) == 1
        assert (await teacher.inbox())["unread"] == 2
