"""A round's chairs hear what they act on: when its last score is in (once per round, though a
sheet sent back to draft and completed again makes the round complete twice), and of each appeal
filed during its 公示, without the appellant's name or contact. The level's 组长 hears by the
address they gave with their token; the campaign admins chair a campaign-wide round too."""

from collections import Counter
from typing import Any

from services.common.settings import Settings
from tests.conftest import admin_client, client_as, eventually
from tests.integration.notifier.conftest import Providers, agree, campaign, holds, notifier_settings
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

WORKS = [Work(f"CM{i}", f"红色故事{i}", YANJI, i) for i in range(1, 4)]
MARKS = {"CM1": 95, "CM2": 90, "CM3": 85}
JIN, ADMIN = "jin@example.cn", "bureau@example.cn"
APPELLANT_PHONE = "13800000000"


async def test_chairs_hear_once_when_every_score_is_in_and_of_each_appeal(
    settings: Settings, providers: Providers
) -> None:
    p = providers
    base = campaign("chair-messages")
    level = base.review_levels[1].model_copy(update={"public_notice_days": 5})
    spec = base.model_copy(update={"review_levels": [level]})

    def told(address: str, subject: str) -> bool:
        return any(subject in str(m["Subject"]) for m in p.mail.to(address))

    async with admin_client(notifier_settings(settings, p), ["intake", "review", "notifier"]) as admin:
        await feed(settings.kafka_bootstrap_servers, spec, WORKS)
        await until_ready(admin, spec.id, len(WORKS))
        tokens = await import_experts(admin, spec.id, "prefecture", PANEL)
        chair = bearer(tokens["金老师"])
        await agree(settings.base_url(), chair, {"email": JIN})
        await agree(settings.base_url(), admin.headers, {"email": ADMIN})
        opened = await admin.post(f"/api/review/campaigns/{spec.id}/rounds", json={"level": "prefecture"})
        assert opened.status_code == 201, opened.text
        rid = opened.json()["round_id"]

        await score_everything(admin, rid, tokens, MARKS)
        await eventually(
            lambda: holds(told(JIN, "评分已全部完成") and told(ADMIN, "评分已全部完成")), 90, "all in"
        )
        # One sheet back to draft and complete again: the round is complete a second time.
        rubric = [
            c["key"] for c in (await admin.get(f"/api/review/campaigns/{spec.id}/plan")).json()["rubric"]
        ]
        name, token = next((n, t) for n, t in tokens.items() if n != "金老师")
        sid = (await admin.get("/api/review/me/assignments", headers=bearer(token))).json()[0]["entry"][
            "submission_id"
        ]
        sheet = f"/api/review/rounds/{rid}/entries/{sid}/sheet"
        for values in ({rubric[0]: "80"}, dict.fromkeys(rubric, "80")):
            saved = await admin.put(sheet, json={"sheet": values}, headers=bearer(token))
            assert saved.status_code == 200, saved.text
        assert saved.json()["status"] == "complete", f"{name}'s sheet"

        started = await admin.post(f"/api/review/rounds/{rid}/notice", headers=chair, json={})
        assert started.status_code == 200, started.text
        async with client_as(admin, "parent", "entrant") as parent:
            body: dict[str, Any] = {
                "submission_id": "CM3",
                "reason": "评分有误，请复核",
                "contact": APPELLANT_PHONE,
            }
            filed = await parent.post(f"/api/review/rounds/{rid}/appeals", json=body)
            assert filed.status_code == 201, filed.text
        # The appeal's message comes after the second "complete" on the round's partition.
        await eventually(lambda: holds(told(JIN, "异议") and told(ADMIN, "异议")), 90, "the appeal's message")

    for address in (JIN, ADMIN):  # 金老师 reviews too: his assignment is not a chair's message
        mails = [m for m in p.mail.to(address) if not str(m["Subject"]).startswith("评审任务")]
        assert Counter(str(m["Subject"]) for m in mails) == {
            "评分已全部完成：州级评审": 1,
            "公示期收到异议：《红色故事3》": 1,
        }, address
        scored = next(m for m in mails if "评分已全部完成" in str(m["Subject"])).get_content()
        assert "3件作品已全部评分完成" in scored and "/review/chair/rounds/" in scored, scored
        appealed = next(m for m in mails if "异议" in str(m["Subject"])).get_content()
        assert "州级评审公示期间" in appealed and APPELLANT_PHONE not in appealed and "parent" not in appealed
