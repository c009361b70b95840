"""How Kafka clients connect, as built from the settings an operator sets (the embedded broker,
Tansu 0.6.0, cannot serve TLS: its --cert and --key flags refuse each other; so the secured
connection is proven here as the client configuration, and on the store by a real TLS test)."""

import ssl

import pytest
from faststream.security import SASLPlaintext, SASLScram512

from services.common.kafka_security import KafkaSecurityInvalid, broker_security, client_options
from services.common.settings import Settings


def settings(**values: str) -> Settings:
    return Settings.model_validate(values)


def test_plaintext_by_default() -> None:
    assert broker_security(Settings()) is None and client_options(Settings()) == {}


def test_tls_only_trusts_the_system_store_or_the_given_ca() -> None:
    options = client_options(settings(kafka_security_protocol="SSL"))
    assert options["security_protocol"] == "SSL"
    assert isinstance(options["ssl_context"], ssl.SSLContext)
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED and options["ssl_context"].check_hostname


def test_scram_over_tls_carries_the_user_and_verifies_the_server() -> None:
    s = settings(
        kafka_security_protocol="SASL_SSL",
        kafka_sasl_username="zhengji",
        kafka_sasl_password="pw",
    )
    security = broker_security(s)
    assert isinstance(security, SASLScram512)
    options = client_options(s)
    assert options["security_protocol"] == "SASL_SSL"
    assert (options["sasl_mechanism"], options["sasl_plain_username"], options["sasl_plain_password"]) == (
        "SCRAM-SHA-512",
        "zhengji",
        "pw",
    )
    assert options["ssl_context"].verify_mode == ssl.CERT_REQUIRED


def test_plain_sasl_without_tls_for_a_private_network() -> None:
    s = settings(
        kafka_security_protocol="SASL_PLAINTEXT",
        kafka_sasl_mechanism="PLAIN",
        kafka_sasl_username="u",
        kafka_sasl_password="p",
    )
    assert isinstance(broker_security(s), SASLPlaintext)
    options = client_options(s)
    assert (options["security_protocol"], options["sasl_mechanism"]) == ("SASL_PLAINTEXT", "PLAIN")
    assert options.get("ssl_context") is None


def test_sasl_without_credentials_is_refused_with_the_settings_to_set(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("ZHENGJI_KAFKA_SECURITY_PROTOCOL", "SASL_SSL")
    monkeypatch.setenv("ZHENGJI_KAFKA_SASL_PASSWORD", "")  # an empty variable is no password
    with pytest.raises(KafkaSecurityInvalid, match="ZHENGJI_KAFKA_SASL_USERNAME"):
        broker_security(Settings())


def test_an_unknown_protocol_or_mechanism_is_a_settings_error() -> None:
    with pytest.raises(ValueError, match="kafka_security_protocol"):
        settings(kafka_security_protocol="TLS")
    with pytest.raises(ValueError, match="kafka_sasl_mechanism"):
        settings(kafka_sasl_mechanism="GSSAPI")
