"""A target asks only for fields a payload can carry: public metadata or public form fields. An
author is told at once; a definition already stored still loads (consumers must not dead-letter it)."""

import pytest
import yaml

from contracts.campaign import Campaign
from services.intake.presets import PRESET_DIR, InvalidCampaign, load_campaign_yaml, load_preset


def hunan_asking_for(*fields: str) -> str:
    spec = yaml.safe_load((PRESET_DIR / "hunan-smart-edu-2022.yaml").read_text(encoding="utf-8"))
    spec["publication_targets"][0]["fields"] = ["title", *fields]
    return str(yaml.safe_dump(spec, allow_unicode=True))


def test_hunan_target_names_its_form_fields() -> None:
    target = load_preset("hunan-smart-edu-2022").publication_targets[0]
    assert {"producer", "copyright_holder", "format", "remarks"} <= set(target.fields)


@pytest.mark.parametrize("field", ["phone", "resource_maker"])
def test_a_personal_or_unknown_field_is_refused_to_authors(field: str) -> None:
    with pytest.raises(InvalidCampaign) as refused:
        load_campaign_yaml(hunan_asking_for(field))
    assert any(f"“{field}”不是公开字段" in p for p in refused.value.problems)


def test_a_stored_definition_asking_for_one_still_loads() -> None:
    spec = yaml.safe_load(hunan_asking_for("phone"))
    assert Campaign.model_validate(spec).publication_targets[0].fields == ["title", "phone"]
