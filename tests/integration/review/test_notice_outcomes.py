"""What two notices decide, on the real broker and store through review's API: Shanxi's province awards
each series by its own section's counts (seed 001), and Yanbian's exports name the authors and rank
the county 电教馆 as 优秀组织单位 (seed 000: 各县市电教馆统一组织实施，…根据获奖人数评选优秀组织单位)."""

import io
from collections import Counter
from dataclasses import dataclass
from typing import Any

import httpx
from openpyxl import load_workbook

from contracts import EntryInfo, SubmissionTranscoded
from services.common.settings import Settings
from services.intake.presets import load_preset
from tests.integration.review.feed import PANEL, TUMEN, YANJI, Work, bearer, round_of, score_everything


@dataclass(frozen=True)
class SeriesWork(Work):
    """A Shanxi entry: its series instead of a group and category."""

    series: str = ""
    questions: int | None = None  # a quiz set's, as the validator counted them

    def event(self, campaign_id: str) -> SubmissionTranscoded:
        event = super().event(campaign_id)
        entry = EntryInfo(title=self.title, series=self.series, questions=self.questions)
        return event.model_copy(update={"entry": entry})


def sheet_rows(data: bytes, first: int = 3) -> list[list[Any]]:
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet is not None
    return [list(r) for r in sheet.iter_rows(min_row=first, values_only=True)]


async def test_shanxi_province_awards_each_series_by_its_own_counts(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    """16 quiz sets and 16 慕课: 强国问答 gives 20 一等奖 (五), 慕课 10 (一), so the 16th of each differs."""
    preset = load_preset("shanxi-xuexi-2019")
    province = next(lv for lv in preset.review_levels if lv.key == "province")
    campaign = preset.model_copy(
        update={"id": "shanxi-series", "review_levels": [province], "publication_targets": []}
    )
    works: list[Work] = [
        SeriesWork(f"{key}{i:02d}", f"{key}作品{i}", YANJI if i % 2 else TUMEN, i, series=key)
        for key in ("quiz", "mooc")
        for i in range(1, 17)
    ]
    marks = {w.sid: 100 - int(w.sid[-2:]) for w in works}
    rid, tokens = await round_of(
        review_api, settings.kafka_bootstrap_servers, campaign, works, "province", PANEL
    )
    await score_everything(review_api, rid, tokens, marks)
    shown = await review_api.get(f"/api/review/rounds/{rid}/proposal", headers=bearer(tokens["金老师"]))
    assert shown.status_code == 200, shown.text
    tiers = {sid: d["tier"] for sid, d in shown.json()["decisions"].items()}
    counts = {key: Counter(v for s, v in tiers.items() if s.startswith(key)) for key in ("quiz", "mooc")}
    assert counts["quiz"] == {"特等奖": 5, "一等奖": 11}
    assert counts["mooc"] == {"特等奖": 5, "一等奖": 10, "二等奖": 1}
    assert (tiers["quiz16"], tiers["mooc16"]) == ("一等奖", "二等奖")


async def test_shanxi_city_sends_quiz_sets_by_their_questions(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    """强国问答: 各市委宣传部征集1000题. Sets of 600, 300 and 200 questions: the first two go up (900),
    the third would pass 1000; the 慕课 quota (50) counts entries."""
    preset = load_preset("shanxi-xuexi-2019")
    campaign = preset.model_copy(update={"id": "shanxi-questions", "publication_targets": []})
    works: list[Work] = [
        SeriesWork(f"Q{i}", f"试题{i}", YANJI, i, series="quiz", questions=n)
        for i, n in enumerate((600, 300, 200), start=1)
    ]
    works += [SeriesWork(f"M{i}", f"慕课{i}", TUMEN, i, series="mooc") for i in (1, 2)]
    marks = {"Q1": 95, "Q2": 90, "Q3": 85, "M1": 80, "M2": 75}
    rid, tokens = await round_of(review_api, settings.kafka_bootstrap_servers, campaign, works, "city", PANEL)
    await score_everything(review_api, rid, tokens, marks)
    shown = await review_api.get(f"/api/review/rounds/{rid}/proposal", headers=bearer(tokens["金老师"]))
    assert shown.status_code == 200, shown.text
    decided = shown.json()["decisions"]
    assert sorted(s for s, d in decided.items() if d["outcome"] == "recommended") == ["M1", "M2", "Q1", "Q2"]
    assert any("按题计名额1000题，已推荐900题" in w["message_zh"] for w in shown.json()["warnings"])


async def test_yanbian_exports_name_authors_and_rank_the_county_offices(
    review_api: httpx.AsyncClient, settings: Settings
) -> None:
    preset = load_preset("yanbian-2024")
    campaign = preset.model_copy(
        update={"id": "yanbian-units", "review_levels": preset.review_levels[1:], "publication_targets": []}
    )
    works = [
        Work("Y1", "杨靖宇的故事", YANJI, 1, author="金英姬"),
        Work("Y2", "龙井红色遗址", YANJI, 2, author="朴成浩"),
        Work("T1", "图们江畔的记忆", TUMEN, 1, author="李明"),
        Work("Y3", "老物件里的历史", YANJI, 3, author="崔勇"),
    ]
    marks = {"Y1": 95, "Y2": 90, "T1": 85, "Y3": 60}
    rid, tokens = await round_of(
        review_api, settings.kafka_bootstrap_servers, campaign, works, "prefecture", PANEL
    )
    await score_everything(review_api, rid, tokens, marks)
    chair = bearer(tokens["金老师"])

    awards = await review_api.get(f"/api/review/rounds/{rid}/exports/awards.xlsx", headers=chair)
    assert awards.status_code == 200, awards.text
    # 作品名称 and 作者: the organisers' named list, though Yanbian publishes no names (minors).
    assert [(r[3], r[7], r[9]) for r in sheet_rows(awards.content)] == [
        ("杨靖宇的故事", "金英姬", "优秀资源奖"),
        ("龙井红色遗址", "朴成浩", "优秀资源奖"),
        ("图们江畔的记忆", "李明", None),
        ("老物件里的历史", "崔勇", None),
    ]
    units = await review_api.get(f"/api/review/rounds/{rid}/exports/units.xlsx", headers=chair)
    assert units.status_code == 200, units.text
    # One row per county office, not per school: 延吉市 organised both awarded works (two schools).
    rows = sheet_rows(units.content)
    assert [(r[0], r[1], r[2], r[4], r[-1]) for r in rows] == [
        (YANJI, "延吉市", 3, 2, 1),
        (TUMEN, "图们市", 1, 0, "—"),
    ]
