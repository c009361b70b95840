"""An award's final result tells its entrant twice, once each: the result, and that the
certificate can be downloaded from the entry's page; a result without an award tells no
certificate, and a result delivered again tells nothing again."""

from collections import Counter

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

TEACHER = "teacher-cert@example.cn"


async def test_an_award_tells_its_result_and_its_certificate_once_each(
    settings: Settings, providers: Providers, feeder: Feeder
) -> None:
    p = providers
    async with (
        notified(notifier_settings(settings, p)) as admin,
        person(admin, "teacher-cert", "entrant") as teacher,
    ):
        await teacher.agree(email=TEACHER)
        await feeder.define(campaign("certs"))
        won, passed_on = (
            Entry("CR1", "certs", teacher.id, "获奖作品"),
            Entry("CR2", "certs", teacher.id, "未获奖作品"),
        )
        award = won.reviewed("prefecture", "awarded", "优秀资源奖")
        await feeder.send(
            won.submitted(), passed_on.submitted(), award, passed_on.reviewed("county", "not_recommended")
        )
        await feeder.send(award)  # delivered again, as at-least-once delivery may

        await eventually(lambda: holds(len(p.mail.to(TEACHER)) >= 5), 60, "the entrant's e-mails")
        inbox = await teacher.inbox()

    subjects = Counter(str(m["Subject"]) for m in p.mail.to(TEACHER))
    assert subjects == {
        "已收到作品《获奖作品》": 1,
        "已收到作品《未获奖作品》": 1,
        "作品《获奖作品》评审结果": 1,
        "作品《未获奖作品》评审结果": 1,
        "获奖证书可以下载：《获奖作品》": 1,
    }
    (ready,) = [m for m in p.mail.to(TEACHER) if "获奖证书" in str(m["Subject"])]
    assert "获州级评审优秀资源奖" in ready.get_content() and "/submissions/CR1" in ready.get_content()
    kinds = Counter(m["kind"] for m in inbox["messages"])
    assert kinds["certificate_ready"] == 1 and kinds["result"] == 2
