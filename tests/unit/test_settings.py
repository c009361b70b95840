"""One way to read settings: intake's knobs come from the same ``Settings`` as everyone's."""

from pathlib import Path

import pytest
from pydantic import AliasChoices

from services.common.settings import Settings


def test_intakes_variables_are_read_by_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("ZHENGJI_ADMIN_PASSWORD", "s3cret-admin")
    monkeypatch.setenv("ZHENGJI_TUS_SWEEP_S", "0.3")
    monkeypatch.setenv("ZHENGJI_TUS_MAX_SIZE", "1048576")
    monkeypatch.setenv("ZHENGJI_UPLOAD_CHUNK_BYTES", "1000000")
    settings = Settings()
    assert (
        settings.admin_password is not None and settings.admin_password.get_secret_value() == "s3cret-admin"
    )
    assert (settings.tus_sweep_s, settings.tus_max_size, settings.upload_chunk_bytes) == (
        0.3,
        1048576,
        1000000,
    )
    assert "s3cret-admin" not in repr(settings), "a password never reaches a log through the settings"


def test_an_empty_variable_means_the_default(monkeypatch: pytest.MonkeyPatch) -> None:
    # docker compose writes ${ZHENGJI_ADMIN_PASSWORD:-} as an empty string when the operator set none.
    for name in (
        "ZHENGJI_ADMIN_PASSWORD",
        "ZHENGJI_SESSION_SECRET",
        "ZHENGJI_TOKEN_TTL_S",
        "ZHENGJI_TUS_MAX_SIZE",
    ):
        monkeypatch.setenv(name, "")
    settings = Settings()
    assert settings.admin_password is None and settings.session_secret is None
    assert settings.token_ttl_s == 7 * 24 * 3600 and settings.tus_max_size == 4 * 1024**3


def test_every_setting_is_documented_in_operations() -> None:
    documented = (Path(__file__).resolve().parents[2] / "docs" / "operations.md").read_text("utf-8")
    for name, field in Settings.model_fields.items():
        alias = field.validation_alias
        names = list(alias.choices) if isinstance(alias, AliasChoices) else [f"ZHENGJI_{name.upper()}"]
        assert any(f"`{n}`" in documented for n in names), f"{names[0]} is not in docs/operations.md"
