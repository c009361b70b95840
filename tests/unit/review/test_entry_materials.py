"""What a reviewer is shown beside the work (decision 0033): the entry's other files, named by
material and never by the entrant's file, and its form fields with every name of its unit masked."""

from services.intake.presets import load_preset
from services.review.blind import MASK, blind_entry
from services.review.entry_materials import stored_files, whole_entry

HUNAN = load_preset("hunan-smart-edu-2022")
LIAONING = load_preset("liaoning-micro-party-lesson-2023")


def blob(sha: str, media_type: str) -> dict[str, object]:
    return {"uri": f"blob://sha256/{sha * 64}", "sha256": sha * 64, "size": 2048, "media_type": media_type}


DOC = {
    "_id": "S1",
    "entry": {
        "title": "百年党史",
        "details": {"unit": "长沙市雨花区第一中学", "producer": "雨花区电教馆、王芳", "remarks": "无"},
    },
    "attribution": {
        "unit_code": "430111001",
        "unit_name": "长沙市雨花区第一中学",
        "unit_path_names": ["湖南省", "长沙市", "雨花区", "长沙市雨花区第一中学"],
        "author": "王芳",
    },
    "materials": {
        "photos.10": blob("c", "image/jpeg"),
        "courseware": blob("a", "application/vnd.openxmlformats-officedocument.presentationml.presentation"),
        "photos.2": blob("b", "image/jpeg"),
    },
}


def test_files_are_listed_in_order_with_a_route_each_and_no_entrant_file_name() -> None:
    assert [name for name, _ in stored_files(DOC)] == ["courseware", "photos.2", "photos.10"]
    views = whole_entry(LIAONING, DOC, "c:county")["materials"]
    assert [v["file_name"] for v in views] == ["courseware.pptx", "photos-2.jpg", "photos-10.jpg"]
    assert views[0]["url"] == "/api/review/rounds/c:county/entries/S1/materials/courseware"


def test_form_fields_are_labelled_by_the_form_with_every_unit_name_and_the_author_masked() -> None:
    shown = {d["label"]: d["value"] for d in whole_entry(HUNAN, DOC, "h:city")["details"]}
    labels = {f.key: f.label for f in HUNAN.form}
    assert labels["unit"] not in shown  # it held only the school's name
    assert shown[labels["producer"]] == f"{MASK}电教馆、{MASK}"
    view = blind_entry(DOC, whole=whole_entry(HUNAN, DOC, "h:city"))
    for name in ("长沙市", "雨花区", "王芳", "第一中学"):
        assert name not in str(view["details"]), name
