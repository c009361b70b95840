"""The providers' request signing, against the worked examples in their documentation, and
unsubscribe tokens."""

import base64
import hashlib
import hmac

from services.notifier.channels.aliyun_sms import signature
from services.notifier.channels.tencent_sms import authorization, e164
from services.notifier.unsubscribe import UnsubscribeLinks


def test_aliyun_rpc_signature_matches_the_documented_example() -> None:
    # Alibaba Cloud, "RPC request signature": DescribeRegions signed with AccessKey secret "testsecret".
    params = {
        "AccessKeyId": "testid",
        "Action": "DescribeRegions",
        "Format": "XML",
        "SignatureMethod": "HMAC-SHA1",
        "SignatureNonce": "3ee8c1b8-83d3-44af-a94f-4e0ad82fd6cf",
        "SignatureVersion": "1.0",
        "Timestamp": "2016-02-23T12:46:24Z",
        "Version": "2014-05-26",
    }
    assert signature(params, "testsecret", "GET") == "OLeaidS1JvxuMvnyHOwuJ+uX5qY="


def test_tencent_tc3_signature_matches_the_documented_example() -> None:
    # Tencent Cloud, "Signature v3": CVM DescribeInstances at 1551113065 (2019-02-25).
    body = b'{"Limit": 1, "Filters": [{"Values": ["\\u672a\\u547d\\u540d"], "Name": "instance-name"}]}'
    header = authorization(
        "AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE",
        "Gu5t9xGARNpq86cd98joQYCN3EXAMPLE",
        "cvm.tencentcloudapi.com",
        body,
        1551113065,
        service="cvm",
    )
    assert header == (
        "TC3-HMAC-SHA256 Credential=AKIDz8krbsJ5yKBZQpn74WFkmLPx3EXAMPLE/2019-02-25/cvm/tc3_request, "
        "SignedHeaders=content-type;host, "
        "Signature=72e494ea809ad7a8c8f7a4507b9bddcbaa8e581f516e8da2f66e2c5a96525168"
    )


def test_phone_numbers_go_to_tencent_in_e164() -> None:
    assert e164("138 0013 8000") == "+8613800138000"
    assert e164("+85291234567") == "+85291234567"


def test_unsubscribe_tokens_name_their_person_and_channel_and_cannot_be_forged() -> None:
    links = UnsubscribeLinks(b"k" * 32, "https://zhengji.example.cn/")
    token = links.token("user-1", "sms")
    assert links.read(token) == ("user-1", "sms")
    assert links.url("user-1", "sms").startswith(
        "https://zhengji.example.cn/notifications/unsubscribe?token="
    )
    mac = token.partition(".")[2]
    other = UnsubscribeLinks(b"x" * 32, "https://zhengji.example.cn").token("user-2", "sms")
    assert links.read(f"{other.partition('.')[0]}.{mac}") is None  # someone else, our signature
    assert links.read(other) is None  # signed with another key
    assert links.read("garbage") is None and links.read("") is None


def test_any_text_as_a_token_is_refused_not_an_error() -> None:
    links = UnsubscribeLinks(b"k" * 32, "https://zhengji.example.cn")
    for text in ("[Filtered]", "退订.退订", "a.b.c", "=.=", "\x00.\x00"):
        assert links.read(text) is None


def first_format(key: bytes, person: str, channel: str) -> str:
    """A token as the notifier wrote it before itsdangerous (its first release), computed here."""
    what = base64.urlsafe_b64encode(f"{person}\n{channel}".encode()).decode().rstrip("=")
    mac = hmac.new(key, what.encode(), hashlib.sha256).digest()
    return f"{what}.{base64.urlsafe_b64encode(mac).decode().rstrip('=')}"


def test_an_unsubscribe_link_of_the_first_format_still_works_and_only_with_our_key() -> None:
    links = UnsubscribeLinks(b"k" * 32, "https://zhengji.example.cn")
    assert links.read(first_format(b"k" * 32, "user-1", "email")) == ("user-1", "email")
    assert links.read(first_format(b"x" * 32, "user-1", "email")) is None
    mac = first_format(b"k" * 32, "user-1", "email").partition(".")[2]
    assert links.read(f"{first_format(b'x' * 32, 'user-2', 'email').partition('.')[0]}.{mac}") is None
