"""What a platform receives: the standard body, a declared field mapping, nothing personal."""

import json

import pytest
from pydantic import ValidationError

from contracts import Attribution, BlobRef, EntryInfo, Rendition, SubmissionReviewed
from contracts.campaign import PUBLIC_FIELDS, PUBLIC_METADATA, Campaign, PublicationTarget
from services.intake.presets import load_preset
from services.publisher.payload import chosen_rendition, public_payload, public_values

BASE = "https://zhengji.example.cn"
# The links the publisher made for the renditions (payload.media_links): signed, with an expiry.
MEDIA = {
    name: f"{BASE}/blobs/{seed * 64}?expires=1&sig=s{seed}"
    for name, seed in [("master", "a"), ("mezzanine", "c"), ("poster", "b")]
}


@pytest.fixture
def yanbian() -> Campaign:
    return load_preset("yanbian-2024")


def event(summary: str = "红色资源微视频", author: str | None = "金英姬") -> SubmissionReviewed:
    def ref(seed: str, media_type: str) -> BlobRef:
        return BlobRef(uri=f"blob://sha256/{seed * 64}", sha256=seed * 64, size=10, media_type=media_type)

    return SubmissionReviewed(
        submission_id="S1",
        campaign_id="yanbian-2024",
        correlation_id="S1:v1",
        producer="review",
        entry=EntryInfo(title="杨靖宇将军的故事", group="小学组", category="英雄故事", summary=summary),
        attribution=Attribution(unit_code="222401001", unit_name="延吉市第一小学", author=author),
        level="prefecture",
        outcome="awarded",
        award_tier="优秀资源奖",
        renditions=[
            Rendition(name="master", blob=ref("a", "video/mp4"), height=1080),
            Rendition(name="mezzanine", blob=ref("c", "video/mp4"), height=1080),
            Rendition(name="poster", blob=ref("b", "image/jpeg"), height=720),
        ],
    )


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
