"""Each preset in campaigns/ checked against the facts of its seed notice (/work/shared/seeds/00*.txt)."""

from datetime import date
from pathlib import Path

import pytest

from contracts.campaign import Campaign, DurationRange, FieldKind, FormField, Material, WorkKind
from services.intake.presets import (
    PRESET_DIR,
    InvalidCampaign,
    UnknownPreset,
    list_presets,
    load_campaign_yaml,
    load_preset,
)

FIVE = [
    "yanbian-2024",
    "shanxi-xuexi-2019",
    "ganzhou-party-courseware",
    "hunan-smart-edu-2022",
    "liaoning-micro-party-lesson-2023",
]
MB = 1024 * 1024


def _labels(c: Campaign) -> list[str]:
    return [f.label for f in c.form]


def _field(c: Campaign, key: str) -> FormField:
    return next(f for f in c.form if f.key == key)


def test_preset_dir_is_the_repos_campaigns_folder():
    assert Path(__file__).resolve().parents[3] / "campaigns" == PRESET_DIR
    assert set(FIVE) <= set(list_presets())


@pytest.mark.parametrize("campaign_id", FIVE)
def test_every_preset_loads_and_keeps_phones_and_ids_personal(campaign_id):
    c = load_preset(campaign_id)
    assert c.id == campaign_id
    for f in c.form:
        if f.kind in (FieldKind.PHONE, FieldKind.ID_NUMBER):
            assert f.personal, f"{campaign_id}: {f.key} must be personal"
    assert any(f.kind == FieldKind.PHONE for f in c.form)


def test_yanbian_000():
    c = load_preset("yanbian-2024")
    assert c.groups == ["小学组", "中学组", "教师组"]
    assert [k.name for k in c.categories] == ["革命遗址", "历史文物", "英雄故事"]
    assert c.per_person_limit == 1
    assert c.naming_rule == "{title}—{school}{name}"
    v = c.video_spec()
    assert v is not None
    assert (v.width, v.height, v.aspect_ratio) == (1920, 1080, "16:9")
    assert v.frame_rate == 25 and v.bit_rate_kbps == 8000
    assert v.containers == ["mp4"] and v.video_codecs == ["h264"]
    assert v.max_size_bytes == 500 * MB
    assert v.duration is not None and v.duration.max_s == 8 * 60
    assert v.preferred_duration is not None
    assert (v.preferred_duration.min_s, v.preferred_duration.max_s) == (4 * 60, 6 * 60)
    assert v.intro_slate_max_s == 5
    assert v.av_sync and v.no_dropped_frames and v.no_flashes
    assert {m.kind for m in c.materials} == {WorkKind.VIDEO, WorkKind.COURSEWARE, WorkKind.REGISTRATION_FORM}
    reg = next(m for m in c.materials if m.kind == WorkKind.REGISTRATION_FORM)
    assert reg.document is not None and reg.document.stamped
    assert _labels(c) == [
        "姓名", "性别", "职业", "联系电话", "学校", "作品名称", "作品类别", "作品简要说明", "推荐单位",
    ]  # fmt: skip
    assert c.upload_window is not None
    assert (c.upload_window.starts, c.upload_window.ends) == (date(2024, 3, 1), date(2024, 11, 20))
    county, prefecture = c.review_levels
    assert county.window is not None and prefecture.window is not None
    assert (county.window.starts, county.window.ends) == (date(2024, 11, 20), date(2024, 11, 25))
    assert (prefecture.window.starts, prefecture.window.ends) == (date(2024, 11, 25), date(2024, 12, 10))
    assert c.showcase_from == date(2024, 12, 15)
    assert "延边教育资源公共服务平台" in [t.name for t in c.publication_targets]
    assert c.organising_awards


SHANXI_SERIES = [
    "优质慕课", "大家讲堂", "我和我的祖国", "来自脱贫攻坚一线的报告", "强国问答",
    "百灵短视频音频", "展示山西优美风光的主题作品", "优质音频作品", "国歌主题演唱", "11首歌曲快闪",
]  # fmt: skip
SONGS = [
    "我和我的祖国", "歌唱祖国", "我爱你，中国", "红旗飘飘", "今天是你的生日", "我的祖国",
    "天耀中华", "站在草原望北京", "中国", "新的天地", "不忘初心",
]  # fmt: skip


def test_shanxi_001():
    c = load_preset("shanxi-xuexi-2019")
    s = {x.key: x for x in c.series}
    assert [x.name for x in c.series] == SHANXI_SERIES
    assert _field(c, "series").choices == SHANXI_SERIES
    # 征集数量: 市 50, 县 10 (慕课) or 20; 强国问答 1000/100 题
    assert s["mooc"].quotas == {"city": 50, "county": 10}
    assert s["quiz"].quotas == {"city": 1000, "county": 100}
    for key in [
        "lecture",
        "motherland",
        "poverty_report",
        "bailing",
        "landscape",
        "audio",
        "anthem",
        "flashmob",
    ]:
        assert s[key].quotas == {"city": 50, "county": 20}, key

    def primary(key: str) -> Material:
        return next(m for m in s[key].materials if m.primary)

    assert primary("mooc").kind == WorkKind.VIDEO
    lecture = primary("lecture").video
    assert lecture is not None and lecture.preferred_duration is not None
    assert lecture.preferred_duration.min_s == 30 * 60
    assert {m.kind for m in s["motherland"].materials} == {WorkKind.TEXT, WorkKind.IMAGES}
    assert "第一人称" in primary("motherland").label
    poverty = {m.kind: m for m in s["poverty_report"].materials}
    poverty_text = poverty[WorkKind.TEXT].text
    assert poverty_text is not None and poverty_text.max_chars == 2000
    pv = poverty[WorkKind.VIDEO].video
    assert pv is not None and pv.preferred_duration is not None
    assert pv.preferred_duration.min_s is not None and pv.preferred_duration.max_s is not None
    assert pv.preferred_duration.min_s < 10 * 60 < pv.preferred_duration.max_s  # “10分钟左右”
    assert WorkKind.AUDIO in poverty
    quiz = primary("quiz")
    assert quiz.kind == WorkKind.QUIZ and quiz.quiz is not None
    assert quiz.quiz.fields == ["题目", "题干", "选项", "标准答案", "出题单位", "推荐单位"]
    bailing = {m.key: m for m in s["bailing"].materials}
    assert bailing["video"].video is not None and bailing["video"].video.duration is not None
    assert bailing["video"].video.duration.max_s == 15 * 60
    assert bailing["audio"].audio is not None and bailing["audio"].audio.duration is not None
    assert bailing["audio"].audio.duration.max_s == 15 * 60
    assert bailing["synopsis"].required and bailing["synopsis"].label == "内容简介"
    assert {m.kind for m in s["landscape"].materials} == {WorkKind.IMAGES, WorkKind.VIDEO}
    assert primary("audio").kind == WorkKind.AUDIO
    for key in ("anthem", "flashmob"):
        v = primary(key).video
        assert v is not None and v.duration is not None and v.duration.max_s == 5 * 60
    assert s["flashmob"].notes is not None and all(song in s["flashmob"].notes for song in SONGS)
    assert "Logo" in s["flashmob"].notes
    assert _field(c, "song").choices == SONGS
    # 作者姓名、职业、工作单位、联系电话; 版权和著作权
    for label in ("作者姓名", "职业", "工作单位", "联系电话"):
        assert label in _labels(c)
    assert _field(c, "phone").personal and _field(c, "phone").kind == FieldKind.PHONE
    assert "版权" in _field(c, "copyright_holder").label
    assert [lvl.unit_level for lvl in c.review_levels] == ["city", "province"]
    city_level = c.review_levels[0].outcome
    assert city_level.quota_from_series and city_level.pool_by == ["unit", "series"]
    tiers = c.review_levels[-1].outcome.tiers
    assert [(t.name, t.count) for t in tiers] == [
        ("特等奖", 5), ("一等奖", 10), ("二等奖", 15), ("三等奖", 20), ("优秀奖", 30),
    ]  # fmt: skip
    assert all("学习强国" in t.name for t in c.publication_targets)
    assert {t.level for t in c.publication_targets} == {"city", "province"}
    # 推荐报送到山西学习平台 (the city's recommendation); 精品力作 to the national one (the province awards)
    assert {t.key: t.qualifies for t in c.publication_targets} == {
        "xuexi_shanxi": ["recommended"],
        "xuexi_national": ["awarded"],
    }
    assert c.upload_window is not None and c.upload_window.ends == date(2019, 7, 30)


def test_an_entrys_work_is_its_series_primary_material():
    shanxi, yanbian = load_preset("shanxi-xuexi-2019"), load_preset("yanbian-2024")
    by_key, by_name = shanxi.work_material("quiz"), shanxi.work_material("强国问答")  # the form's name
    assert by_key is not None and by_key.kind == WorkKind.QUIZ and by_name == by_key
    lecture = shanxi.video_spec("lecture")
    assert lecture is not None and lecture.preferred_duration == DurationRange(min_s=1800)
    assert shanxi.work_material(None) is None and shanxi.video_spec(None) is None
    assert yanbian.work_material(None) == yanbian.primary_material() == yanbian.work_material("x")


def test_at_least_one_of_several_kinds_of_work():
    shanxi, hunan = load_preset("shanxi-xuexi-2019"), load_preset("hunan-smart-edu-2022")
    keys = {s.key: [m.key for m in shanxi.alternatives(s.key)] for s in shanxi.series}
    # 脱贫攻坚: text and photos, or audio or video; 百灵: video or audio (its synopsis goes with
    # either); 风光: photos or video. A series with a required work has no alternatives.
    assert {k: v for k, v in keys.items() if v} == {
        "poverty_report": ["photos", "video", "audio"],
        "bailing": ["audio"],
        "landscape": ["video"],
    }
    # 湖南: 资源可为视频、音频、图片等格式，至少提交其一
    assert [m.key for m in hunan.alternatives()] == ["audio", "images"]
    bailing_audio = shanxi.work_material("bailing", "audio")
    assert bailing_audio is not None and bailing_audio.kind == WorkKind.AUDIO


def test_ganzhou_002():
    c = load_preset("ganzhou-party-courseware")
    primary = c.primary_material()
    assert primary is not None and primary.kind == WorkKind.VIDEO
    assert c.video_spec() is None  # the report states no media rules
    (expert,) = c.review_levels
    assert [t.name for t in expert.outcome.tiers] == ["优秀等次"]
    assert expert.outcome.unit_quotas == {}  # no per-county numbers in the report
    (excellent,) = expert.outcome.tiers  # no share or count: the panel chooses (and pays 100 yuan/min)
    assert (excellent.ratio, excellent.count, excellent.min_score) == (None, None, None)
    assert c.review_settings.pay_per_minute_yuan == 100
    notes = "\n".join(c.notes)
    assert "每分钟100元" in notes
    for step in ("征集作品", "资格审查", "观摩交流", "业务培训", "成果运用"):
        assert step in notes
    for panel in ("党建", "影视", "文艺", "涉农"):
        assert panel in notes
    assert "150部" in notes
    assert {t.name for t in c.publication_targets} == {"中央远程教育教学平台", "江西省远程教育教学平台"}


HUNAN_SECTIONS = {
    "德育": [
        "党史学习",
        "爱国主义",
        "宪法法治",
        "品德教育",
        "思政课程",
        "优秀传统文化",
        "生命与安全",
        "心理健康",
        "生态文明",
    ],
    "劳动教育": ["劳动光荣", "劳动导航", "劳动智慧"],
    "课后服务": ["科普教育", "体育锻炼", "文化艺术", "经典阅读", "研学实践", "影视教育"],
    "教师研修": [
        "师德师风",
        "通识研修",
        "学科研修",
        "作业命题",
        "幼教研修",
        "特教研修",
        "国培示范",
        "院士讲堂",
        "名师名校长",
    ],
    "家庭教育": ["家庭教育观念", "家庭教育方法", "家庭教育指导"],
    "教改经验": [
        "党建德育",
        "落实“双减”",
        "学前教育",
        "义务教育",
        "普通高中",
        "特殊教育",
        "教学成果",
        "教育信息化",
        "综合改革",
    ],
}
HUNAN_COUNTIES = {
    "平江县": 5, "岳阳县": 5, "华容县": 5, "湘阴县": 5, "临湘市": 5, "汨罗市": 5, "岳阳楼区": 5,
    "云溪区": 3, "君山区": 3, "屈原管理区": 2, "岳阳经济技术开发区": 3, "南湖新区": 2, "市直学校": 1,
}  # fmt: skip


def test_hunan_003():
    c = load_preset("hunan-smart-edu-2022")
    assert {k.name: k.subcolumns for k in c.categories} == HUNAN_SECTIONS
    assert [len(k.subcolumns) for k in c.categories] == [9, 3, 6, 9, 3, 9]
    assert sum(len(k.subcolumns) for k in c.categories) == 39
    assert _field(c, "category").choices == list(HUNAN_SECTIONS)
    assert _field(c, "subcolumn").choices == [s for subs in HUNAN_SECTIONS.values() for s in subs]
    for label in [
        "序号",
        "资源标题",
        "资源制作方",
        "拟上线版块",
        "拟上线栏目",
        "资源版权方",
        "资源格式",
        "资源内容简介",
        "备注",
    ]:
        assert label in _labels(c)
    assert _field(c, "phone").personal
    county, city = c.review_levels
    assert county.unit_level == "county" and county.outcome.unit_quotas == HUNAN_COUNTIES
    assert sum(county.outcome.unit_quotas.values()) == 49
    # 每类资源不少于: floors per county x section; names resolve to GB/T 2260 codes where one exists
    assert county.outcome.quota_kind == "minimum" and county.outcome.pool_by == ["unit", "category"]
    codes = county.outcome.unit_codes
    assert codes["平江县"] == "430626" and codes["岳阳楼区"] == "430602"
    assert set(county.outcome.unit_codes) < set(HUNAN_COUNTIES)
    assert [(t.name, t.ratio) for t in city.outcome.tiers] == [("一等奖", 3), ("二等奖", 3), ("三等奖", 4)]
    assert city.outcome.award_cap == 0.8
    assert city.outcome.recommend_total == 60
    assert city.outcome.min_per_group == 10
    assert city.outcome.pool_by == ["category"]
    assert c.naming_rule == "{title}"
    v = c.video_spec()
    assert v is not None and v.no_qr_codes is True
    assert v.duration is None and v.width is None and v.containers is None  # not stated, not applied
    notes = "\n".join(c.notes)
    assert "商业广告" in notes and "联系方式" in notes and "公益" in notes
    assert c.upload_window is not None and c.upload_window.ends == date(2022, 7, 4)
    assert c.publication_targets[0].qualifies == ["recommended"]


def test_liaoning_004():
    c = load_preset("liaoning-micro-party-lesson-2023")
    v = c.video_spec()
    assert v is not None
    assert v.containers == ["mp4"]
    assert (v.width, v.height, v.orientation) == (1920, 1080, "landscape")
    assert v.duration is not None and v.duration.max_s == 8 * 60
    assert v.frame_rate is None and v.video_codecs is None and v.max_size_bytes is None
    for label in ("微党课题目", "主讲人姓名", "主讲人单位", "主讲人职务"):
        assert label in _labels(c)
    assert "原创" in _field(c, "originality").label
    college, province = c.review_levels
    assert college.window is not None and college.window.starts == date(2023, 6, 13)
    assert province.unit_level == "province"
    assert college.outcome.recommend_top is None and not college.outcome.tiers  # 择优推荐: the panel chooses
    (lesson,) = province.outcome.tiers
    assert (lesson.ratio, lesson.count, lesson.min_score) == (None, None, None)
    names = [t.name for t in c.publication_targets]
    assert len(names) == 5
    for wanted in ("学习强国", "北斗融媒", "北国", "教育厅微信公众号", "辽宁高校党建"):
        assert sum(wanted in n for n in names) == 1, wanted
    assert all(t.level == "province" and t.qualifies == ["awarded"] for t in c.publication_targets)
    assert any("6月12日" in n for n in c.notes)


MINIMAL = """\
id: minimal
title: 测试征集
issuer: 测试单位
form:
  - {key: phone, label: 联系电话, kind: phone, personal: true}
materials:
  - key: video
    label: 视频
    kind: video
    primary: true
    video: {frame_rate: 25}
upload_window: {starts: 2024-03-01, ends: 2024-11-20}
review_levels:
  - key: county
    name: 县区评审
    unit_level: county
    outcome: {recommend_top: 3}
  - key: city
    name: 市级评审
    unit_level: city
    outcome: {award_cap: 0.3}
"""


def test_minimal_yaml_loads():
    assert load_campaign_yaml(MINIMAL).id == "minimal"


def test_invalid_yaml_names_the_bad_field_path():
    text = MINIMAL.replace("award_cap: 0.3", "award_cap: 1.5").replace("frame_rate: 25", "frame_rate: x")
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(text)
    paths = [p.split(":")[0] for p in info.value.problems]
    assert paths == ["materials[0].video.frame_rate", "review_levels[1].outcome.award_cap"]
    assert "review_levels[1].outcome.award_cap" in str(info.value)


def test_invalid_yaml_missing_and_unknown_fields():
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(MINIMAL.replace("title: ", "titel: "))
    problems = info.value.problems
    assert any(p.startswith("title: 缺少必填项 / ") for p in problems)
    assert any(p.startswith("titel: 未知字段 / ") for p in problems)


def test_invalid_yaml_window_order_and_syntax():
    text = MINIMAL.replace("ends: 2024-11-20", "ends: 2024-01-20")
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(text)
    assert info.value.problems[0].startswith("upload_window: ")
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(MINIMAL.replace("primary: true", "primary: false"))
    assert info.value.problems[0].startswith("(campaign): ")
    with pytest.raises(InvalidCampaign):
        load_campaign_yaml("id: [unclosed")
    with pytest.raises(InvalidCampaign):
        load_campaign_yaml("- just a list")


@pytest.mark.parametrize(
    ("target", "said"),
    [
        ("{key: t, name: 展示平台, level: province, qualifies: [awarded]}", "没有评审级别“province”"),
        # the last level has no tiers: it never awards
        ("{key: t, name: 展示平台, qualifies: [awarded]}", "市级评审不评奖"),
        ("{key: t, name: 展示平台, level: county, qualifies: [recommended]}", None),
    ],
)
def test_a_target_no_work_could_ever_qualify_for_is_refused(target, said):
    text = (
        MINIMAL.replace("outcome: {award_cap: 0.3}", "outcome: {}") + f"publication_targets:\n  - {target}\n"
    )
    if said is None:
        assert load_campaign_yaml(text).publication_targets[0].level == "county"
        return
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(text)
    assert said in info.value.problems[0] and "publication_targets[0]（展示平台）" in info.value.problems[0]


def test_a_last_level_that_only_awards_never_recommends():
    tiers = "outcome: {tiers: [{key: first, name: 一等奖, count: 1}]}"
    text = MINIMAL.replace("outcome: {award_cap: 0.3}", tiers)
    target = "publication_targets:\n  - {key: t, name: 展示平台, qualifies: [recommended]}\n"
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(text + target)
    assert "市级评审不推荐" in info.value.problems[0]
    assert load_campaign_yaml(text + target.replace("recommended", "awarded")).publication_targets


@pytest.mark.parametrize("bad_id", ["no-such-campaign", "../campaigns/yanbian-2024", "Yanbian-2024", ""])
def test_unknown_preset_lists_the_available_ids(bad_id):
    with pytest.raises(UnknownPreset) as info:
        load_preset(bad_id)
    assert set(FIVE) <= set(info.value.available)
    for campaign_id in FIVE:
        assert campaign_id in str(info.value)


def test_an_unknown_field_deep_in_a_valid_definition_is_named_by_its_path():
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(MINIMAL.replace("primary: true", "primary: true\n    colour: red"))
    assert info.value.problems == ["materials[0].colour: 未知字段 / unknown field"]


def test_a_notification_template_with_an_unknown_placeholder_is_refused_to_its_author():
    notifications = "notifications:\n  templates:\n    received:\n      body_zh: 收到{secret}\n"
    with pytest.raises(InvalidCampaign) as info:
        load_campaign_yaml(MINIMAL + notifications)
    [problem] = info.value.problems
    assert problem.startswith("notifications.templates.received: 模板只能使用")
