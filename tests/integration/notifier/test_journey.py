"""Entries through the whole pipeline (intake, validator, transcoder, review, publisher and the
notifier, real broker, store and ffmpeg): each step tells its people once per channel, the unit's
return of an entry (with its reason) included."""

from collections import Counter
from pathlib import Path
from typing import Any

from services.common.settings import Settings
from tests.conftest import admin_client, eventually
from tests.integration.intake.conftest import create_tiny, fake_pdf, register, tiny_video, tus_upload
from tests.integration.notifier.conftest import SMS_TEMPLATES, Providers, holds, notifier_settings, person
from zhengji.runtime import SERVICES

RULES = {
    "sms_provider": "tencent",
    "sms_sign_name": "延边州电教馆",
    "sms_app_id": "1400000001",
    "sms_templates": {**SMS_TEMPLATES, "returned": "SMS_1004"},
    "quiet_from_hour": None,
    "quiet_until_hour": None,
}


async def test_an_entrys_journey_tells_each_person_each_step_once_per_channel(
    settings: Settings, providers: Providers, tmp_path: Path
) -> None:
    p = providers
    async with (
        admin_client(notifier_settings(settings, p), list(SERVICES)) as admin,
        person(admin, "teacher8", "entrant") as teacher,
        person(admin, "yanji8", "unit_admin", "222401") as county,
    ):
        await teacher.agree(email="teacher8@example.cn", sms="13500135000")
        await county.agree(email="yanji@example.cn")
        cid = await create_tiny(admin, "journey", notifications=RULES, per_person_limit=3)
        good = await register(teacher.api, cid, 1)
        too_long = await register(teacher.api, cid, 2, title="太长的作品")
        to_fix = await register(teacher.api, cid, 3, title="待修改的作品")
        await tus_upload(
            teacher.api, await tiny_video(tmp_path / "a.mp4"), {"submission_id": good, "filename": "a.mp4"}
        )
        long_clip = await tiny_video(tmp_path / "b.mp4", seconds=12)  # the campaign allows 10 s
        await tus_upload(teacher.api, long_clip, {"submission_id": too_long, "filename": "b.mp4"})
        clip = await tiny_video(tmp_path / "c.mp4", tone=660)  # other bytes: not a copy of a.mp4
        await tus_upload(teacher.api, clip, {"submission_id": to_fix, "filename": "c.mp4"})

        await eventually(lambda: holds(len(p.mail.to("yanji@example.cn")) == 2), 180, "the approval requests")
        back = await county.api.post(f"/api/submissions/{to_fix}/return", json={"reason": "课件缺少封面页"})
        assert back.status_code == 200, back.text
        for path, material in (("课件.pdf", "courseware"), ("报名表.pdf", "registration_form")):
            meta = {"submission_id": good, "filename": path, "material": material}
            await tus_upload(teacher.api, fake_pdf(tmp_path / path), meta)
        approved = await county.api.post(f"/api/submissions/{good}/approve", json={})
        assert approved.status_code == 200, approved.text

        await eventually(lambda: holds(len(p.mail.to("teacher8@example.cn")) == 6), 180, "the entrant's six")
        await eventually(lambda: holds(len(p.tencent.received) == 6), 60, "six SMS")

    kinds = Counter(str(m["Subject"]) for m in p.mail.to("teacher8@example.cn"))
    assert kinds == {
        "已收到作品《红色故事1》": 1,
        "已收到作品《太长的作品》": 1,
        "已收到作品《待修改的作品》": 1,
        "作品《太长的作品》未通过技术检测": 1,
        "作品《红色故事1》已进入评审": 1,
        "作品《待修改的作品》被退回": 1,
    }
    (failed,) = [m for m in p.mail.to("teacher8@example.cn") if "未通过" in str(m["Subject"])]
    body = failed.get_content()
    assert "时长" in body and f"/submissions/{too_long}" in body  # the top finding, and where to fix it
    (returned,) = [m for m in p.mail.to("teacher8@example.cn") if "被退回" in str(m["Subject"])]
    assert "课件缺少封面页" in returned.get_content() and f"/submissions/{to_fix}" in returned.get_content()
    requests = sorted(str(m["Subject"]) for m in p.mail.to("yanji@example.cn"))
    assert requests == ["新作品待审核：《待修改的作品》", "新作品待审核：《红色故事1》"]
    sms: Counter[tuple[str, Any]] = Counter(
        (r["TemplateId"], r["TemplateParamSet"][0]) for r in p.tencent.received
    )
    assert sms == {
        ("SMS_1001", "红色故事1"): 1,
        ("SMS_1001", "太长的作品"): 1,
        ("SMS_1001", "待修改的作品"): 1,
        ("SMS_1002", "太长的作品"): 1,
        ("SMS_1003", "红色故事1"): 1,
        ("SMS_1004", "待修改的作品"): 1,
    }
    assert {r["PhoneNumberSet"][0] for r in p.tencent.received} == {"+8613500135000"}
