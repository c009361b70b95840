"""Score sheets against a campaign rubric (drafts, totals, ranges) and the reviewer's blind view."""

from decimal import Decimal

import pytest

from services.intake.presets import load_preset
from services.review.blind import MASK, blind_entry
from services.review.rubric import ScoreSheetError
from services.review.scoring import campaign_rubric, holistic, read_sheet, rubric_view

YANBIAN = campaign_rubric(load_preset("yanbian-2024"))  # 思想性 .3 / 科学性 .25 / 艺术性 .25 / 技术性 .2


def test_rubric_view_shows_shares_of_100() -> None:
    assert [(c["name"], c["share"], c["max"]) for c in rubric_view(YANBIAN)] == [
        ("思想性", 30.0, 100.0),
        ("科学性", 25.0, 100.0),
        ("艺术性", 25.0, 100.0),
        ("技术性", 20.0, 100.0),
    ]


def test_a_partial_sheet_is_a_draft_and_a_complete_one_has_its_weighted_total() -> None:
    draft = read_sheet(YANBIAN, {"ideology": "90", "science": ""})
    assert not draft.complete and draft.values == {"ideology": "90"}
    full = read_sheet(YANBIAN, {"ideology": "90", "science": 80, "artistry": 70.5, "technique": "60"})
    # 0.3*90 + 0.25*80 + 0.25*70.5 + 0.2*60 = 76.625 -> 76.63 (half-up)
    assert full.total == Decimal("76.63")
    assert full.values["artistry"] == "70.5"  # a JSON float is read as the literal typed


def test_out_of_range_and_unknown_criteria_are_all_listed() -> None:
    with pytest.raises(ScoreSheetError) as info:
        read_sheet(YANBIAN, {"ideology": "101", "science": "-1", "beauty": "5"})
    zh = info.value.zh
    assert "未知评分项“beauty”" in zh and "思想性" in zh and "科学性" in zh and "超出范围" in zh


def test_holistic_score_only_without_a_rubric() -> None:
    plain = campaign_rubric(load_preset("ganzhou-party-courseware"))
    assert read_sheet(plain, holistic(plain, 88)).total == Decimal("88.00")
    with pytest.raises(ScoreSheetError):
        holistic(YANBIAN, 88)


DOC = {
    "_id": "S1",
    "entry": {
        "title": "延吉市第一小学的红色故事",
        "group": "小学组",
        "category": "英雄故事",
        "summary": "金老师（222401001）讲述",
    },
    "attribution": {
        "unit_code": "222401001",
        "unit_name": "延吉市第一小学",
        "unit_path": ["22", "2224"],
        "author": "金老师",
    },
    "renditions": [
        {"name": "master", "blob": {"sha256": "a" * 64}},
        {"name": "poster", "blob": {"sha256": "b" * 64}},
    ],
    "duration_s": 300.0,
    "levels": {"county": {"score": 90.0}},
}


def test_the_blind_view_names_no_unit_or_author_even_inside_free_text() -> None:
    media = {"master": "https://z/blobs/a?expires=9&sig=x", "poster": "https://z/blobs/b?expires=9&sig=y"}
    view = blind_entry(DOC, slate_s=5, media=media)
    text = str(view)
    for value in ("延吉市第一小学", "金老师", "222401001"):
        assert value not in text
    assert view["title"] == f"{MASK}的红色故事"
    assert view["preview_url"] == media["master"] + "#t=5" and view["poster_url"] == media["poster"]
    assert set(view) == {
        "submission_id",
        "title",
        "group",
        "category",
        "subcolumn",
        "summary",
        "duration_s",
        "preview_url",
        "poster_url",
        "materials",
        "details",
    }
