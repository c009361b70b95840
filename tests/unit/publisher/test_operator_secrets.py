"""A campaign names only secrets the operator allows; nothing else is ever read."""

from pathlib import Path

import pytest

from contracts.campaign import PublicationTarget
from services.common.errors import ServiceError
from services.common.operator_secrets import OperatorSecrets, SecretNotAllowed
from services.intake.presets import load_preset


def pushing(secret: str) -> PublicationTarget:
    return PublicationTarget(
        key="push", name="推送", adapter="webhook", url="https://p.example/", secret_env=secret
    )


def test_a_campaign_naming_the_store_uri_is_refused_when_defined() -> None:
    campaign = load_preset("yanbian-2024")
    campaign = campaign.model_copy(update={"publication_targets": [pushing("MONGODB_URI")]})
    with pytest.raises(ServiceError) as refused:
        OperatorSecrets.parse("XUEXI_TOKEN").check(campaign)
    assert refused.value.status == 422
    assert (
        "MONGODB_URI" in refused.value.extra["problems"] and "XUEXI_TOKEN" in refused.value.extra["problems"]
    )
    OperatorSecrets.parse("XUEXI_TOKEN").check(campaign.model_copy(update={"publication_targets": []}))


def test_a_name_not_allowed_is_never_read(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MONGODB_URI", "mongodb://root:hunter2@db/")
    with pytest.raises(SecretNotAllowed, match="MONGODB_URI") as refused:
        OperatorSecrets.parse("").value(pushing("MONGODB_URI"))
    assert "hunter2" not in str(refused.value)


def test_an_allowed_name_is_read_from_the_mounted_secret_before_the_environment(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("XUEXI_TOKEN", "from-env")
    monkeypatch.setenv("WECHAT_KEY", "env-only")
    (tmp_path / "XUEXI_TOKEN").write_text("from-file\n")
    secrets = OperatorSecrets.parse("XUEXI_TOKEN, WECHAT_KEY", tmp_path)
    assert secrets.value(pushing("XUEXI_TOKEN")) == "from-file"
    assert secrets.value(pushing("WECHAT_KEY")) == "env-only"
    monkeypatch.delenv("WECHAT_KEY")
    assert secrets.value(pushing("WECHAT_KEY")) is None


@pytest.mark.parametrize(
    "listed", ["MONGODB_URI", "ZHENGJI_SESSION_SECRET", "KAFKA_BOOTSTRAP_SERVERS", "bad name"]
)
def test_the_operator_cannot_list_the_services_own_settings(listed: str) -> None:
    with pytest.raises(ValueError, match="ZHENGJI_PUBLISHER_SECRETS"):
        OperatorSecrets.parse(f"XUEXI_TOKEN,{listed}")
