"""Signatures on what the publisher sends: HMAC-SHA256 over "{timestamp}.{body}".

The header reads ``Zhengji-Signature: t=<unix seconds>,v1=<hex digest>``, the
scheme Stripe uses: the timestamp inside the signed text stops a captured
request being replayed later, and ``v1`` leaves room for a new scheme beside
the old one while a secret is rotated. docs/webhooks.md shows a subscriber how
to verify it."""

import hashlib
import hmac
import time

SIGNATURE_HEADER = "Zhengji-Signature"
TOLERANCE_S = 300


def signature(secret: str, timestamp: int, body: bytes) -> str:
    signed = f"{timestamp}.".encode() + body
    return hmac.new(secret.encode(), signed, hashlib.sha256).hexdigest()


def sign(secret: str, body: bytes, timestamp: int | None = None) -> str:
    """The header value for ``body``."""
    t = int(time.time()) if timestamp is None else timestamp
    return f"t={t},v1={signature(secret, t, body)}"


def verify(
    header: str, body: bytes, secret: str, now: float | None = None, tolerance_s: int = TOLERANCE_S
) -> bool:
    """True when some v1 signature in ``header`` matches and its timestamp is recent."""
    parts = [p.split("=", 1) for p in header.split(",") if "=" in p]
    stamps = [v for k, v in parts if k.strip() == "t"]
    if len(stamps) != 1 or not stamps[0].strip().isdigit():
        return False
    t = int(stamps[0])
    if abs((time.time() if now is None else now) - t) > tolerance_s:
        return False
    expected = signature(secret, t, body)
    return any(k.strip() == "v1" and hmac.compare_digest(v.strip(), expected) for k, v in parts)
