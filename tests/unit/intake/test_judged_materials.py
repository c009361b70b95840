"""What intake sends review with ``approved`` (decision 0033): every file reviewers judge, sets
numbered, and never the registration form (推荐表: signatures, phones, ID numbers)."""

from services.intake.approval import judged_materials
from services.intake.presets import load_preset


def held(*shas: str) -> dict[str, object]:
    return {
        "files": [
            {"blob": {"uri": f"blob://sha256/{s * 64}", "sha256": s * 64, "size": 10, "media_type": "x/y"}}
            for s in shas
        ]
    }


def test_the_registration_form_stays_in_intake_and_sets_are_numbered() -> None:
    yanbian = load_preset("yanbian-2024")
    assert any(m.key == "registration_form" for m in yanbian.materials)
    sub = {
        "form": {},
        "materials": {"courseware": held("a"), "registration_form": held("b"), "photos": held("c", "d")},
    }
    sent = judged_materials(yanbian, sub)
    assert sorted(sent) == ["courseware", "photos.1", "photos.2"]
    assert sent["courseware"].sha256 == "a" * 64
