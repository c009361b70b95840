"""The micro-lesson call built in the browser (test_builder_page.py), its notifications typed in
too (Tencent Cloud SMS, its signature and templates), runs on the whole system with one entry: a
1280x720, 30 fps clip registered, checked against the spec typed into the builder (the same
picture at 25 fps fails), approved by its unit, recommended by the county panel, and scored by the
city panel through a 公示; the 60 % cap leaves no award in a pool of one (floor(1 x 0.6) = 0).

Its people hear of each step once: the entrant by e-mail (aiosmtpd) and SMS (the Tencent stand-in
checks the request's signature), each reviewer with a share by e-mail at the address they gave
(and each 组长 when the round's scores are all in),
though the notifier, served on its own as ``zhengji serve notifier`` would, is stopped while the
county round is opened, scored and finalised, and started again afterwards."""

import contextlib
from collections import Counter
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import httpx
from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page
from tests.conftest import client_as, eventually
from tests.e2e.builder_form import build_micro_lesson, notify_by_sms, put
from tests.e2e.campaign_play import CSV, approve_when_checked, bearer, clip, enter, outcomes, run_level
from tests.e2e.intake_pages_helpers import (
    ADMIN_PASSWORD,
    log_in_page,
    login,
    prepare,
    serving_with_pages,
    site_settings,
)
from tests.integration.notifier.conftest import Providers, agree, holds, providers, served_apart
from zhengji.runtime import SERVICES
from zhengji.server import running

__all__ = ["browser", "page", "providers"]

CID = "micro-lesson-2025"
COUNTY_PANEL = """姓名,单位编码,单位名称,职称,角色
金组长,222401,延吉市教师进修学校,高级教师,组长
朴老师,222401,延吉市第一小学,高级教师,评审
崔老师,222401,延吉市第二小学,一级教师,评审
"""
CITY_PANEL = """姓名,单位编码,单位名称,职称,角色
李组长,2224,延边州电化教育馆,研究员,组长
王老师,2224,延边大学,教授,评审
张老师,2224,延边州教育学院,副教授,评审
"""
PINYIN = {
    "金组长": "jin",
    "朴老师": "piao",
    "崔老师": "cui",
    "李组长": "li",
    "王老师": "wang",
    "张老师": "zhang",
}
ADDRESSES = {name: f"{pinyin}@example.cn" for name, pinyin in PINYIN.items()}
SMS = {"received": "SMS_2001", "check_failed": "SMS_2002", "in_review": "SMS_2003", "result": "SMS_2004"}
TEACHER_MAIL, TEACHER_PHONE = "lesson-teacher@example.cn", "13700137000"


class Notifier:
    """The notifier served on its own, stopped and started again by the test."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.serving: contextlib.AsyncExitStack | None = None

    async def start(self) -> None:
        self.serving = contextlib.AsyncExitStack()
        await self.serving.enter_async_context(running(self.settings, ["notifier"]))

    async def stop(self) -> None:
        if self.serving:
            await self.serving.aclose()
            self.serving = None

    async def agree(self, headers: Mapping[str, str], **contacts: str) -> None:
        await agree(self.settings.base_url(), headers, contacts)


@contextlib.asynccontextmanager
async def notifier_apart(settings: Settings, p: Providers) -> AsyncIterator[Notifier]:
    """Every service but the notifier on settings' port; the notifier on a port of its own."""
    notifier = Notifier(served_apart(settings, p))
    others = [name for name in SERVICES if name != "notifier"]
    async with serving_with_pages(site_settings(settings), others):
        await notifier.start()
        try:
            yield notifier
        finally:
            await notifier.stop()


async def test_the_built_call_runs_through_both_levels_and_tells_each_person_each_step_once(
    page: Page, settings: Settings, providers: Providers, tmp_path: Path
) -> None:
    p = providers
    async with (
        notifier_apart(settings, p) as notifier,
        httpx.AsyncClient(base_url=settings.base_url(), timeout=60) as site,
    ):
        await prepare(site)
        await log_in_page(page, settings.base_url(), "admin", ADMIN_PASSWORD, "/admin/builder")
        await build_micro_lesson(page)
        await put(page, "review_levels[1].outcome.award_cap", "0.6")
        await notify_by_sms(page, SMS)
        await expect(page.locator("#status")).to_contain_text("可以保存")
        await page.click("#save")
        await expect(page.locator("#builder-banner")).to_contain_text("已创建活动")

        admin = await login(site, "admin", ADMIN_PASSWORD)
        async with (
            httpx.AsyncClient(base_url=settings.base_url(), headers=admin, timeout=60) as api,
            client_as(api, "lesson-teacher", "entrant") as teacher,
        ):
            made = (await api.get(f"/api/campaigns/{CID}")).json()["notifications"]
            assert (made["sms_provider"], made["sms_templates"]) == ("tencent", SMS)
            await notifier.agree(teacher.headers, email=TEACHER_MAIL, sms=TEACHER_PHONE)
            work = (await clip(tmp_path / "lesson.mp4", 440, size="1280x720", rate=30)).read_bytes()
            form = {"title": "分数的初步认识", "name": "李老师", "subject": "数学"}
            sid = await enter(teacher, CID, form, "222401001", work, group="小学")
            # The rules typed into the builder are the ones applied: the same picture at 25 fps fails.
            at_25 = (await clip(tmp_path / "at25.mp4", 440, size="1280x720", rate=25)).read_bytes()
            wrong = await enter(
                teacher, CID, {**form, "title": "帧率不对的微课"}, "222401001", at_25, group="小学"
            )

            async def reported() -> bool:
                versions = (await api.get(f"/api/submissions/{wrong}")).json()["versions"]
                return bool(versions and versions[-1]["report"])

            await eventually(reported, 180, "the 25 fps entry checked")
            (version,) = (await api.get(f"/api/submissions/{wrong}")).json()["versions"]
            assert version["report"]["passed"] is False
            assert "video.frame_rate" in {f["rule_id"] for f in version["report"]["findings"]}
            await approve_when_checked(api, CID, [sid])
            (passed,) = (await api.get(f"/api/submissions/{sid}")).json()["versions"]
            assert passed["report"]["passed"] is True, passed["report"]
            await eventually(lambda: holds(len(p.mail.to(TEACHER_MAIL)) == 4), 120, "four to the entrant")

            async def agree_then_stop(tokens: Mapping[str, str]) -> None:
                """The county's experts give their addresses; then the notifier goes down."""
                for name, token in tokens.items():
                    await notifier.agree(bearer(token), email=ADDRESSES[name])
                await notifier.stop()

            county = await run_level(
                api, CID, "county", COUNTY_PANEL.encode(), CSV, {sid: 92}, before_open=agree_then_stop
            )
            assert outcomes(county)[sid] == ("recommended", None)
            await notifier.start()  # what happened while it was down is told now, once

            async def agree(tokens: Mapping[str, str]) -> None:
                for name, token in tokens.items():
                    await notifier.agree(bearer(token), email=ADDRESSES[name])

            city = await run_level(
                api, CID, "city", CITY_PANEL.encode(), CSV, {sid: 95}, notice_s=3, before_open=agree
            )
            assert outcomes(city)[sid][1] is None  # under the 60 % cap, a pool of one has no award
            await eventually(lambda: holds(len(p.mail.to(TEACHER_MAIL)) >= 6), 120, "both results")
            await eventually(lambda: holds(len(p.tencent.received) >= 6), 60, "six SMS")
            # Each expert with a share hears of it; each 组长 also hears that the round's scores are in.
            expected: dict[str, list[str]] = {}
            for name, count in {**county["shares"], **city["shares"]}.items():
                level = "县级初评" if name in county["shares"] else "市级评审"
                chairing = [f"评分已全部完成：{level}"] if name.endswith("组长") else []
                expected[ADDRESSES[name]] = sorted([f"评审任务：{level}"] * bool(count) + chairing)
            await eventually(
                lambda: holds(all(len(p.mail.to(a)) >= len(e) for a, e in expected.items())),
                120,
                "every expert's e-mails",
            )

    teacher_mail = p.mail.to(TEACHER_MAIL)
    assert Counter(str(m["Subject"]) for m in teacher_mail) == {
        "已收到作品《分数的初步认识》": 1,
        "已收到作品《帧率不对的微课》": 1,
        "作品《帧率不对的微课》未通过技术检测": 1,
        "作品《分数的初步认识》已进入评审": 1,
        "作品《分数的初步认识》评审结果": 2,
    }
    results = sorted(m.get_content() for m in teacher_mail if "评审结果" in str(m["Subject"]))
    assert ["县级初评评审获推荐" in r for r in results].count(True) == 1, results
    assert ["市级评审" in r for r in results].count(True) == 1, results
    sms: Counter[tuple[str, Any]] = Counter(
        (r["TemplateId"], r["TemplateParamSet"][0]) for r in p.tencent.received
    )
    assert sms == {
        ("SMS_2001", "分数的初步认识"): 1,
        ("SMS_2001", "帧率不对的微课"): 1,
        ("SMS_2002", "帧率不对的微课"): 1,
        ("SMS_2003", "分数的初步认识"): 1,
        ("SMS_2004", "分数的初步认识"): 2,
    }
    assert {r["PhoneNumberSet"][0] for r in p.tencent.received} == {"+86" + TEACHER_PHONE}
    for address, subjects in expected.items():
        assert sorted(str(m["Subject"]) for m in p.mail.to(address)) == subjects, address
