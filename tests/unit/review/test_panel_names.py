"""The statistics page names each panel so that two units' panels of one level are told apart."""

from services.review.panel_progress import panel_name


def test_a_units_round_names_its_unit_once() -> None:
    assert panel_name("县级评审", "延吉市", "小学组") == "县级评审 · 延吉市 · 小学组"
    assert panel_name("县级评审", "图们市", "小学组") != panel_name("县级评审", "延吉市", "小学组")
    assert panel_name("县级评审", "延吉市", "延吉市/小学组") == "县级评审 · 延吉市/小学组"  # pooled by unit


def test_a_campaign_wide_round_is_named_by_its_level_and_pool() -> None:
    assert panel_name("州级评审", "", "全部作品") == "州级评审 · 全部作品"
