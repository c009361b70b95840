"""The showcase's cards: one per work across platforms, filters, award order."""

from typing import Any

from services.intake.presets import load_preset
from services.publisher.pages import award_names, filtered, showcase_works


def pub(
    sid: str, target: str, title: str, group: str, award: str | None, url: str | None = None
) -> dict[str, Any]:
    return {
        "submission_id": sid,
        "target": target,
        "target_name": {"a": "延边教育资源公共服务平台", "b": "延边州思政教育资源库"}[target],
        "url": url,
        "entry": {"title": title, "group": group, "category": "英雄故事", "summary": None},
        "attribution": {"unit_name": "延吉市第一小学", "author": None},
        "award_tier": award,
        "renditions": {  # links, as the page makes them from the stored paths (BlobLinks.path)
            "poster": "http://z/blobs/" + "b" * 64,
            "master": "http://z/blobs/" + "a" * 64,
            "hls": "http://z/api/transcoder/packages/" + "c" * 64 + "/master.m3u8",
        },
    }


def test_a_work_on_two_platforms_is_one_card_with_both() -> None:
    works = showcase_works(
        [
            pub("S1", "b", "杨靖宇", "小学组", "优秀资源奖"),  # published there first
            pub("S1", "a", "杨靖宇", "小学组", "优秀资源奖", "http://a/1"),
        ],
        ["a", "b"],
    )
    assert len(works) == 1
    # In the campaign's order of targets, whichever published first.
    assert [p["name"] for p in works[0]["platforms"]] == ["延边教育资源公共服务平台", "延边州思政教育资源库"]
    assert works[0]["video_url"] == "http://z/blobs/" + "a" * 64
    assert works[0]["poster_url"] == "http://z/blobs/" + "b" * 64
    assert works[0]["hls_url"] == "http://z/api/transcoder/packages/" + "c" * 64 + "/master.m3u8"


def test_filters_and_order() -> None:
    works = showcase_works(
        [pub("S2", "a", "乙", "中学组", None), pub("S1", "a", "甲", "小学组", "优秀资源奖")]
    )
    assert [w["title"] for w in works] == ["甲", "乙"]  # awarded first
    assert [w["title"] for w in filtered(works, "中学组", None, None)] == ["乙"]
    assert [w["title"] for w in filtered(works, None, "英雄故事", "优秀资源奖")] == ["甲"]
    assert filtered(works, "教师组", None, None) == []


def test_award_choices_follow_the_campaign() -> None:
    yanbian = load_preset("yanbian-2024")
    assert award_names(yanbian, []) == ["优秀资源奖"]
    assert award_names(yanbian, [{"award_tier": "特别奖"}]) == ["优秀资源奖", "特别奖"]


def test_each_kind_of_work_is_shown_as_it_can_be() -> None:
    audio = {**pub("S1", "a", "桑干河畔的歌声", "", None), "master_type": "audio/mp4"}
    quiz = {**pub("S2", "a", "党史知识问答", "", None), "master_type": "text/csv"}
    video = {**pub("S3", "a", "马邑古城", "", None), "master_type": "video/mp4"}
    picture = {**pub("S4", "a", "亲子共读", "", None), "master_type": "image/png"}
    cards = {w["title"]: w for w in showcase_works([audio, quiz, video, picture])}
    m = "http://z/blobs/" + "a" * 64
    shown = {t: (w["video_url"], w["audio_url"], w["image_url"], w["file_url"]) for t, w in cards.items()}
    assert shown == {
        "桑干河畔的歌声": (None, m, None, None),
        "党史知识问答": (None, None, None, m),
        "马邑古城": (m, None, None, None),
        "亲子共读": (None, None, m, None),
    }


def test_a_stored_address_that_is_not_http_is_no_link() -> None:
    """Records stored before the publisher checked its platforms' answers show the name, no link."""
    hostile = [
        "javascript:alert(1)",
        " JavaScript:alert(1)",
        "data:text/html,<script>alert(1)</script>",
        "//x/1",
    ]
    works = showcase_works(
        [
            pub(f"S{i}", "a", f"作品{i}", "小学组", None, url)
            for i, url in enumerate([*hostile, "HTTPS://a/1"])
        ]
    )
    links = {w["title"]: w["platforms"][0]["url"] for w in works}
    assert links == {"作品0": None, "作品1": None, "作品2": None, "作品3": None, "作品4": "HTTPS://a/1"}
