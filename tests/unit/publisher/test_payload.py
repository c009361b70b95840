"""What a platform receives: the standard body, a declared field mapping, nothing personal."""

import json

import pytest
from pydantic import ValidationError

from contracts.campaign import PUBLIC_FIELDS, PUBLIC_METADATA, Campaign, PublicationTarget
from services.intake.presets import load_preset
from services.publisher.payload import chosen_rendition, public_payload, public_values
from tests.unit.publisher.reviewed_work import MEDIA, event


@pytest.fixture
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


def mapped(**fields: object) -> PublicationTarget:
    return PublicationTarget.model_validate(
        {"key": "xuexi", "name": "学习强国", "url": "https://x.cn/api", **fields}
    )


def test_a_field_map_names_the_platforms_fields_with_nesting(yanbian: Campaign) -> None:
    target = mapped(
        field_map={
            "title": "resourceTitle",
            "unit_name": "producer.name",
            "award_tier": "extra.award",
            "media_url": "video.url",
            "poster_url": "video.cover",
            "submission_id": "externalId",
        }
    )
    body = public_payload(yanbian, target, event(), MEDIA)
    assert body == {
        "resourceTitle": "杨靖宇将军的故事",
        "producer": {"name": "延吉市第一小学"},
        "extra": {"award": "优秀资源奖"},
        "video": {"url": MEDIA["master"], "cover": MEDIA["poster"]},
        "externalId": "S1",
    }


def test_the_target_chooses_the_rendition(yanbian: Campaign) -> None:
    target = mapped(rendition="mezzanine", field_map={"media_url": "url", "media_sha256": "sha256"})
    assert chosen_rendition(target, event()) is not None
    assert public_payload(yanbian, target, event(), MEDIA) == {
        "url": MEDIA["mezzanine"],
        "sha256": "c" * 64,
    }


def test_a_mapped_author_stays_empty_where_names_are_private(yanbian: Campaign) -> None:
    target = mapped(field_map={"author": "authorName", "summary": "intro"})
    body = public_payload(yanbian, target, event(summary="联系电话13904330001"), MEDIA)
    assert body["authorName"] is None
    assert "13904330001" not in json.dumps(body, ensure_ascii=False)
    public = yanbian.model_copy(update={"authors_public": True})
    assert public_payload(public, target, event(), MEDIA)["authorName"] == "金英姬"


def test_personal_or_unknown_fields_cannot_be_mapped() -> None:
    with pytest.raises(ValidationError, match="field_map"):
        mapped(field_map={"phone": "tel"})
    with pytest.raises(ValidationError, match="field_map"):
        mapped(field_map={"name": "author"})


def test_auth_and_signed_webhooks_name_the_environment_variable_of_their_secret() -> None:
    with pytest.raises(ValidationError, match="secret_env"):
        mapped(auth="bearer")
    with pytest.raises(ValidationError, match="secret_env"):
        mapped(adapter="webhook")
    with pytest.raises(ValidationError):
        mapped(auth="hmac", secret_env="not an env name")
    assert mapped(auth="hmac", secret_env="XUEXI_HMAC_SECRET").secret_env == "XUEXI_HMAC_SECRET"


def test_every_public_field_has_a_value_and_the_standard_body_offers_the_metadata(yanbian: Campaign) -> None:
    target = mapped(fields=list(PUBLIC_FIELDS))
    assert list(public_values(yanbian, target, event(), MEDIA)) == list(PUBLIC_FIELDS)
    body = public_payload(yanbian, target, event(), MEDIA)
    assert list(body["metadata"]) == list(PUBLIC_METADATA), "identifiers and links sit outside metadata"
