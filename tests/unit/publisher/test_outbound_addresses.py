"""Which addresses the publisher's outbound calls may reach: public ones, and what the operator allows."""

import ipaddress

import pytest

from services.common.outbound import AddressRefused, AllowList, OutboundPolicy, refusal

REFUSED = {
    "127.0.0.1": "loopback",
    "127.255.0.9": "loopback",
    "::1": "loopback",
    "10.1.2.3": "private",
    "172.16.0.1": "private",
    "172.31.255.254": "private",
    "192.168.1.1": "private",
    "100.64.0.1": "carrier-grade NAT",
    "100.127.255.254": "carrier-grade NAT",
    "fc00::1": "private",
    "fd00:ec2::254": "private",  # AWS's metadata service over IPv6
    "169.254.169.254": "link-local",  # the cloud metadata service
    "169.254.0.1": "link-local",
    "fe80::1": "link-local",
    "224.0.0.1": "multicast",
    "239.255.255.250": "multicast",
    "ff02::1": "multicast",
    "0.0.0.0": "unspecified",
    "::": "unspecified",
    "240.0.0.1": "reserved",
    "192.0.2.7": "reserved",  # documentation
    "::ffff:127.0.0.1": "loopback",  # IPv4-mapped IPv6
    "::ffff:169.254.169.254": "link-local",
    "::ffff:10.0.0.1": "private",
    "2002:7f00:1::": "loopback",  # 6to4 around 127.0.0.1
    "64:ff9b::a9fe:a9fe": "link-local",  # NAT64 around 169.254.169.254
    "::7f00:1": "reserved",  # the deprecated IPv4-compatible form of 127.0.0.1
}


@pytest.mark.parametrize(("address", "kind"), REFUSED.items())
def test_non_public_addresses_are_refused_with_what_they_are(address: str, kind: str) -> None:
    reason = refusal(ipaddress.ip_address(address))
    assert reason is not None and kind in reason


@pytest.mark.parametrize("address", ["8.8.8.8", "1.1.1.1", "2606:4700:4700::1111", "::ffff:8.8.8.8"])
def test_public_addresses_pass(address: str) -> None:
    assert refusal(ipaddress.ip_address(address)) is None


@pytest.mark.parametrize(
    "host", ["127.0.0.1", "2130706433", "0x7f000001", "0177.0.0.1", "localhost", "[::1]"]
)
async def test_every_spelling_of_loopback_is_refused_after_resolving(host: str) -> None:
    with pytest.raises(AddressRefused, match="loopback") as refused:
        await OutboundPolicy().addresses(host.strip("[]"), 80)
    assert "ZHENGJI_OUTBOUND_ALLOW" in str(refused.value)


async def test_the_operator_allow_list_opens_networks_and_names() -> None:
    policy = OutboundPolicy(AllowList.parse("10.0.0.0/8, 127.0.0.1 ,localhost., *.corp.example"))
    assert await policy.addresses("10.9.8.7", 443) == [ipaddress.ip_address("10.9.8.7")]
    assert await policy.addresses("::ffff:127.0.0.1", 80) == [ipaddress.ip_address("::ffff:127.0.0.1")]
    assert ipaddress.ip_address("127.0.0.1") in await policy.addresses("LOCALHOST", 80)
    assert policy.allow.allows_host("api.corp.example") and not policy.allow.allows_host("corp.example.evil")
    with pytest.raises(AddressRefused, match="link-local"):
        await policy.addresses("169.254.169.254", 80)  # allowing one network opens no other
    with pytest.raises(AddressRefused, match="private"):
        await policy.addresses("192.168.0.1", 80)


def test_an_allow_list_entry_that_is_neither_is_refused_at_start() -> None:
    with pytest.raises(ValueError, match="neither a CIDR nor a host name"):
        AllowList.parse("10.0.0.0/8, http://platform/")
