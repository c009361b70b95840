"""A reviewer hears of their share of a round: review says who has how many entries
(``review.assigned``, an id and a count), and the notifier tells each reviewer in their inbox,
and by e-mail at the address they gave it themselves, signed in with their reviewer token; the
day before the scoring window closes those with entries still to score are reminded, once, and
one who has scored everything is not (review sends their progress, which nobody is told of)."""

from collections import Counter
from datetime import timedelta
from typing import Any

import httpx
from pymongo import AsyncMongoClient

from contracts.calendar import campaign_today
from contracts.campaign import Window
from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.notifier.conftest import Providers, campaign, holds, notifier_settings
from tests.integration.review.feed import (
    PANEL,
    YANJI,
    Work,
    bearer,
    feed,
    import_experts,
    score_everything,
    until_ready,
)

WORKS = [Work(f"RM{i}", f"作品{i}", YANJI, i) for i in range(1, 5)]
PIAO = "piao@example.cn"
MARKS = {w.sid: 80 for w in WORKS}


async def inbox(api: httpx.AsyncClient, token: str) -> dict[str, Any]:
    answer = await api.get("/api/notifier/inbox", headers=bearer(token))
    assert answer.status_code == 200, answer.text
    return dict(answer.json())


async def test_each_reviewer_is_told_their_assignment_once_by_inbox_and_by_the_email_they_gave(
    settings: Settings, providers: Providers
) -> None:
    p = providers
    spec = campaign("reviewer-messages")
    today = campaign_today(spec)
    closing = Window(starts=today - timedelta(days=3), ends=today + timedelta(days=1))  # tomorrow
    levels = [lv.model_copy(update={"window": closing}) for lv in spec.review_levels]
    spec = spec.model_copy(update={"review_levels": levels})
    quiet = spec.notifications.model_copy(update={"review_reminder_days": None})  # turned on below
    served = notifier_settings(settings, p, notifier_reminder_every_s=0.2)
    async with admin_client(served, ["intake", "review", "notifier"]) as admin:
        await feed(settings.kafka_bootstrap_servers, spec.model_copy(update={"notifications": quiet}), WORKS)
        await until_ready(admin, spec.id, len(WORKS))
        tokens = await import_experts(admin, spec.id, "county", PANEL)
        # 朴老师 signs in with the token the organisers sent and gives the notifier an address.
        choice = {"contacts": {"email": {"address": PIAO, "agreed": True}}}
        chosen = await admin.put("/api/notifier/me", json=choice, headers=bearer(tokens["朴老师"]))
        assert chosen.status_code == 200, chosen.text
        assert chosen.json()["preferences"]["contacts"]["email"]["address"] == PIAO
        assert (await admin.get("/api/notifier/inbox")).json()["unread"] == 0  # the admin is told nothing

        opened = await admin.post(f"/api/review/campaigns/{spec.id}/rounds", json={"level": "county"})
        assert opened.status_code == 201, opened.text
        assert opened.json()["assignment"]["complete"], opened.text

        await eventually(lambda: holds(bool(p.mail.to(PIAO))), 90, "朴老师's e-mail")
        for name in ("金老师", "朴老师", "李老师", "崔老师"):
            mine = await admin.get("/api/review/me/assignments", headers=bearer(tokens[name]))

            async def told(token: str = tokens[name]) -> bool:  # the assignment
                return bool((await inbox(admin, token))["unread"] == 1)

            if mine.json():  # nobody is told of a round they have nothing to do in
                await eventually(told, 60, f"{name}'s inbox")
        # One more change of the round (a new automatic assignment, before anyone scored) is one
        # more message each; the first is not told again when its event is read again.
        rid = opened.json()["round_id"]
        again = await admin.post(f"/api/review/rounds/{rid}/assign")
        assert again.status_code == 200, again.text
        await eventually(lambda: holds(len(p.mail.to(PIAO)) == 2), 90, "the second assignment's e-mail")
        shares = {}
        for name in ("金老师", "朴老师", "李老师", "崔老师"):
            mine = await admin.get("/api/review/me/assignments", headers=bearer(tokens[name]))
            shares[name] = len(mine.json())

        # 崔老师 scores all his entries; once the notifier knows, the reminders are turned on.
        assert shares["崔老师"] and await score_everything(admin, rid, {"崔老师": tokens["崔老师"]}, MARKS)
        kept = AsyncMongoClient[dict[str, Any]](served.mongodb_uri)[f"{served.db_prefix}_notifier"]

        async def finished_known() -> bool:
            return any([0 < d["entries"] == d.get("scored") async for d in kept["review_shares"].find()])

        await eventually(finished_known, 60, "崔老师's progress read")
        await feed(settings.kafka_bootstrap_servers, spec, [])  # reminders one day ahead
        for name in ("金老师", "朴老师", "李老师"):

            async def reminded(token: str = tokens[name]) -> bool:
                return any(m["kind"] == "review_due" for m in (await inbox(admin, token))["messages"])

            if shares[name]:
                await eventually(reminded, 60, f"{name}'s reminder")
        # One sweep reminds every reviewer due in a campaign: the others' reminders are here, his is not.
        assert {m["kind"] for m in (await inbox(admin, tokens["崔老师"]))["messages"]} == {"review_assigned"}
        await eventually(lambda: holds(len(p.mail.to(PIAO)) == 3), 90, "朴老师's reminder by e-mail")

    mails = p.mail.to(PIAO)
    subjects = Counter(str(m["Subject"]) for m in mails)
    assert subjects == {"评审任务：县区评审": 2, "评分即将截止：县区评审": 1}  # reminded once, not per change
    body = next(m for m in mails if "评审任务" in str(m["Subject"])).get_content()
    assert f"{shares['朴老师']}件作品待评" in body and "/review/" in body, body
    assert sum(shares.values()) == len(WORKS) * 3  # three reviewers an entry: each told their own share
    assert "金老师" not in body and "作品1" not in body  # no names, no titles: the inbox is not the list
    tomorrow = today + timedelta(days=1)
    reminder = next(m for m in mails if "评分即将截止" in str(m["Subject"])).get_content()
    assert (
        f"您尚有{shares['朴老师']}件作品未评，{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日截止"
        in reminder
    )
    assert f"请于{tomorrow.year}年{tomorrow.month}月{tomorrow.day}日前完成评分" in body
