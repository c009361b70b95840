"""The inbox in the browser: the unread badge on intake's pages, the message list, the contact
choices, marking read. Screenshots: .zhengji/screenshots/notifier-*.png."""

from playwright.async_api import Page, expect

from services.common.settings import Settings
from tests.browser import browser, page, screenshot
from tests.conftest import eventually
from tests.e2e.intake_pages_helpers import log_in_page
from tests.integration.notifier.conftest import (
    Entry,
    Feeder,
    Providers,
    campaign,
    feeder,
    notified,
    notifier_settings,
    person,
    providers,
)

__all__ = ["browser", "feeder", "page", "providers"]


async def test_the_badge_counts_unread_messages_and_the_inbox_lists_them(
    settings: Settings, providers: Providers, feeder: Feeder, page: Page
) -> None:
    base = settings.base_url()
    async with (
        notified(notifier_settings(settings, providers)) as admin,
        person(admin, "teacher7", "entrant") as me,
    ):
        await me.agree(english=True, email="teacher7@example.cn")
        await feeder.define(campaign())
        entry = Entry("SB1", "notify", me.id, title="红色故事")
        await feeder.send(entry.submitted(), entry.failed_check())

        async def two_unread() -> bool:
            return bool((await me.inbox())["unread"] == 2)

        await eventually(two_unread, 60, "two messages in the inbox")

        await log_in_page(page, base, "teacher7", "pw-teacher7-2024", "/my")
        badge = page.locator("#notifier-badge .count")
        await expect(badge).to_have_text("2")
        await screenshot(page, "notifier-badge")

        await page.click("#notifier-badge")
        await page.wait_for_url(f"{base}/notifications")
        items = page.locator("#messages li.unread")
        await expect(items).to_have_count(2)
        await expect(items.first).to_contain_text("帧率应为25帧/秒")  # the top finding, newest first
        await expect(items.first).to_contain_text("frame rate must be 25 fps")  # English beside, as chosen
        await expect(page.locator("input[name=email-address]")).to_have_value("teacher7@example.cn")
        await expect(page.locator("#notifier-badge .count")).to_have_text("2")
        await screenshot(page, "notifier-inbox")

        await page.click("#read-all")
        await expect(page.locator("#messages li.read")).to_have_count(2)
        await page.reload()
        await expect(page.locator("#notifier-badge .count")).to_have_text("0")
        assert (await me.inbox())["unread"] == 0
