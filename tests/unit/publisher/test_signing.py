"""Webhook signatures: HMAC-SHA256 over "{t}.{body}", and the verification docs/webhooks.md teaches."""

import re
import time
from pathlib import Path
from typing import Any

from services.publisher.signing import sign, signature, verify
from zhengji.standin import signature_ok

DOC = Path(__file__).resolve().parents[3] / "docs" / "webhooks.md"
BODY = '{"event_id":"e1","status":"published","entry":{"title":"杨靖宇将军的故事"}}'.encode()
SECRET = "whsec_test_0123456789abcdef"


def test_a_signature_verifies_and_names_its_timestamp() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    assert re.fullmatch(r"t=1700000000,v1=[0-9a-f]{64}", header)
    assert verify(header, BODY, SECRET, now=1_700_000_010)


def test_a_changed_body_a_wrong_secret_or_an_old_timestamp_fail() -> None:
    header = sign(SECRET, BODY, timestamp=1_700_000_000)
    assert not verify(header, BODY.replace("杨".encode(), "李".encode()), SECRET, now=1_700_000_000)
    assert not verify(header, BODY, SECRET + "x", now=1_700_000_000)
    assert not verify(header, BODY, SECRET, now=1_700_000_000 + 301)  # a replay of a captured request
    assert not verify("v1=" + signature(SECRET, 1_700_000_000, BODY), BODY, SECRET, now=1_700_000_000)
    assert not verify("garbage", BODY, SECRET)


def test_during_a_secret_rotation_either_v1_may_match() -> None:
    t = 1_700_000_000
    header = f"t={t},v1={signature('old-secret-000000', t, BODY)},v1={signature(SECRET, t, BODY)}"
    assert verify(header, BODY, SECRET, now=t)


def test_the_stand_in_subscriber_verifies_independently() -> None:
    assert signature_ok(sign(SECRET, BODY), BODY, SECRET)
    assert not signature_ok(sign(SECRET, BODY), BODY + b" ", SECRET)


def test_the_python_snippet_in_the_webhook_docs_verifies_our_signatures() -> None:
    snippet = re.search(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    assert snippet, "docs/webhooks.md has a python verification snippet"
    scope: dict[str, Any] = {}
    exec(snippet.group(1), scope)  # the documentation's own code, as a subscriber would paste it
    verify_doc = scope["verify_signature"]
    header = sign(SECRET, BODY)
    assert verify_doc(BODY, header, SECRET) is True
    assert verify_doc(BODY + b"x", header, SECRET) is False
    stale = sign(SECRET, BODY, timestamp=int(time.time()) - 3600)
    assert verify_doc(BODY, stale, SECRET) is False
