"""How every Kafka client of zhengji connects: plaintext, TLS, SASL (PLAIN, SCRAM-SHA-256/512)
or SASL over TLS, from the settings ``ZHENGJI_KAFKA_SECURITY_PROTOCOL`` and friends.

One FastStream security object is built here; the broker takes it as is, and the raw aiokafka
clients (the topic admin, the lag reader) take FastStream's own translation of it
(``parse_security``), so the two can never disagree about how to connect."""

import ssl
from typing import Any

from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from services.common.settings import Settings

SASL = {"PLAIN": SASLPlaintext, "SCRAM-SHA-256": SASLScram256, "SCRAM-SHA-512": SASLScram512}


class KafkaSecurityInvalid(ValueError):
    pass


def tls_context(settings: Settings) -> ssl.SSLContext:
    """The system's trust store, or the CA file given; a client certificate for mutual TLS."""
    context = ssl.create_default_context(
        cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
    )
    if settings.kafka_ssl_certfile:
        keyfile = str(settings.kafka_ssl_keyfile) if settings.kafka_ssl_keyfile else None
        context.load_cert_chain(str(settings.kafka_ssl_certfile), keyfile)
    return context


def broker_security(settings: Settings) -> BaseSecurity | None:
    protocol = settings.kafka_security_protocol
    use_tls = protocol in ("SSL", "SASL_SSL")
    context = tls_context(settings) if use_tls else None
    if protocol == "PLAINTEXT":
        return None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    username = settings.kafka_sasl_username
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    if not username or not password:
        raise KafkaSecurityInvalid(
            f"{protocol} 需要 ZHENGJI_KAFKA_SASL_USERNAME 与 ZHENGJI_KAFKA_SASL_PASSWORD / "
            f"{protocol} needs ZHENGJI_KAFKA_SASL_USERNAME and ZHENGJI_KAFKA_SASL_PASSWORD"
        )
    mechanism = SASL[settings.kafka_sasl_mechanism]
    return mechanism(username, password, ssl_context=context, use_ssl=use_tls)


def client_options(settings: Settings) -> dict[str, Any]:
    """The same connection, as keyword arguments of an aiokafka client."""
    return parse_security(broker_security(settings))
