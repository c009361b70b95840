"""Filling the campaign builder's form in a browser page: a field by its model path, a value typed
into it, an item added to a list, and the whole 2025 micro-lesson notice (no preset) typed in."""

from playwright.async_api import Page

from tests.conftest import OPEN_WINDOW


def field(page: Page, path: str) -> str:
    return f'.field[data-path="{path}"]'


async def put(page: Page, path: str, value: str) -> None:
    await page.fill(f"{field(page, path)} input", value)


async def add(page: Page, list_path: str) -> None:
    await page.click(f'button[data-add="{list_path}"]')


async def build_micro_lesson(page: Page) -> None:
    """What the notice says, typed into the builder's form as an admin would."""
    await put(page, "id", "micro-lesson-2025")
    await put(page, "title", "2025年中小学微课征集活动")
    await put(page, "issuer", "某市电化教育馆")
    await put(page, "groups", "小学, 初中, 高中")
    await put(page, "per_person_limit", "2")
    await put(page, "naming_rule", "{title}—{name}")
    await put(page, "upload_window.starts", OPEN_WINDOW["starts"])
    await put(page, "upload_window.ends", OPEN_WINDOW["ends"])
    await put(page, "form[0].max_length", "40")
    await add(page, "form")
    await put(page, "form[1].key", "name")
    await put(page, "form[1].label", "作者姓名")
    await page.check(f"{field(page, 'form[1].personal')} input")
    await add(page, "form")
    await put(page, "form[2].key", "subject")
    await put(page, "form[2].label", "学科")
    await page.select_option(f"{field(page, 'form[2].kind')} select", "choice")
    await put(page, "form[2].choices", "语文, 数学, 英语")
    await add(page, "materials")
    await put(page, "materials[0].key", "lesson")
    await put(page, "materials[0].label", "微课视频")
    await page.check(f"{field(page, 'materials[0].primary')} input")
    await put(page, "materials[0].video.containers", "mp4")
    await put(page, "materials[0].video.width", "1280")
    await put(page, "materials[0].video.height", "720")
    await put(page, "materials[0].video.frame_rate", "30")
    await put(page, "materials[0].video.duration.max_s", "300")
    for _ in range(2):
        await add(page, "review_levels")
    await put(page, "review_levels[0].key", "county")
    await put(page, "review_levels[0].name", "县级初评")
    await page.select_option(f"{field(page, 'review_levels[0].unit_level')} select", "county")
    await put(page, "review_levels[0].outcome.recommend_top", "3")
    await put(page, "review_levels[1].key", "city")
    await put(page, "review_levels[1].name", "市级评审")
    await put(page, "review_levels[1].public_notice_days", "5")
    for i, (key, name) in enumerate([("first", "一等奖"), ("second", "二等奖"), ("third", "三等奖")]):
        await add(page, "review_levels[1].outcome.tiers")
        await put(page, f"review_levels[1].outcome.tiers[{i}].key", key)
        await put(page, f"review_levels[1].outcome.tiers[{i}].name", name)
        await put(page, f"review_levels[1].outcome.tiers[{i}].ratio", str(i + 1))


async def notify_by_sms(page: Page, templates: dict[str, str]) -> None:
    """Tencent Cloud SMS with the bureau's signature and approved templates; no quiet hours (the
    same hour twice) and room for a busy hour, so the test does not depend on the time of day."""
    await page.select_option(f"{field(page, 'notifications.sms_provider')} select", "tencent")
    await put(page, "notifications.sms_sign_name", "某市电教馆")
    await put(page, "notifications.sms_app_id", "1400000001")
    await put(page, "notifications.sms_templates", ", ".join(f"{k}={v}" for k, v in templates.items()))
    await put(page, "notifications.quiet_from_hour", "0")
    await put(page, "notifications.quiet_until_hour", "0")
    await put(page, "notifications.max_per_hour", "30")
