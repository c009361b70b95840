"""Outbound HTTP to addresses that campaign data chooses: public addresses only, bounded in time and size.

A campaign's targets, a webhook subscription and a platform's ``poll_url`` name
hosts that nobody on the operator's side checked. Every such call goes through
the client :func:`outbound_client` makes:

- the host is resolved once, each address is checked (loopback, private,
  carrier-grade NAT, link-local with the cloud metadata addresses, multicast,
  unspecified and reserved ranges are refused, also when wrapped in IPv6), and
  the connection goes to an address that was checked: no second lookup that a
  rebinding DNS server could answer differently. TLS still verifies the name.
- redirects are not followed; were a caller to follow them, each new
  connection is checked the same way.
- every call has a total deadline (a platform that drips its answer a byte at
  a time cannot hold a worker) and its answer is read in pieces and cut past a
  size cap; compressed answers are refused, so the cap is the size in memory.

``ZHENGJI_OUTBOUND_ALLOW`` (CIDRs and host names, ``*.suffix`` for a domain)
lets an operator reach platforms on their own network, and the demo and tests
their loopback stand-ins. See docs/operations.md, "Outbound calls"."""

import asyncio
import ipaddress
import socket
from collections.abc import AsyncIterator, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import httpcore
import httpx

if TYPE_CHECKING:
    from services.common.settings import Settings

Address = ipaddress.IPv4Address | ipaddress.IPv6Address
Network = ipaddress.IPv4Network | ipaddress.IPv6Network

CARRIER_NAT = ipaddress.IPv4Network("100.64.0.0/10")
NAT64 = ipaddress.IPv6Network("64:ff9b::/96")
PRIVATE = [ipaddress.ip_network(n) for n in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7")]


class Refused(httpx.TransportError):
    """The outbound policy stopped this call; trying again will not help."""


class AddressRefused(Refused):
    """The host is, or resolves to, an address the policy does not reach."""


class ResponseTooLarge(Refused):
    """The answer went past the size cap; what was read is dropped."""


class DeadlineExceeded(httpx.TimeoutException):
    """The whole call (connect, send, answer) took longer than the deadline."""


def refusal(address: Address) -> str | None:
    """Why ``address`` is not a public one to call, or None when it is."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = address.ipv4_mapped or address.sixtofour
        if embedded is None and address in NAT64:
            embedded = ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
        if embedded is not None:
            inner = refusal(embedded)
            return inner and f"{inner}（{address} 内含 {embedded} / wraps {embedded}）"
    if address.is_unspecified:
        return "未指定地址 / unspecified address"
    if address.is_loopback:
        return "回环地址 / loopback address"
    if address.is_link_local:
        return "链路本地地址（含云元数据服务）/ link-local address (where cloud metadata lives)"
    if address.is_multicast:
        return "组播地址 / multicast address"
    if address in CARRIER_NAT:
        return "运营商级 NAT 地址 / carrier-grade NAT address (100.64.0.0/10)"
    if any(address in n for n in PRIVATE if n.version == address.version):
        return "内网地址 / private address"
    if address.is_reserved or not address.is_global:
        return "保留地址，非公网 / reserved address, not public"
    return None


@dataclass(frozen=True)
class AllowList:
    """What the operator lets outbound calls reach although it is not public."""

    networks: tuple[Network, ...] = ()
    hosts: frozenset[str] = frozenset()

    @classmethod
    def parse(cls, text: str) -> "AllowList":
        """``"10.0.0.0/8, 127.0.0.1, platform.internal, *.corp.example"``."""
        networks: list[Network] = []
        hosts: set[str] = set()
        for entry in (part.strip() for part in text.split(",")):
            if not entry:
                continue
            try:
                networks.append(ipaddress.ip_network(entry, strict=False))
            except ValueError:
                name = entry.lower().rstrip(".")
                if not name.removeprefix("*.").replace("-", "").replace(".", "").isalnum():
                    raise ValueError(
                        f"ZHENGJI_OUTBOUND_ALLOW 中的 {entry!r} 既不是网段也不是主机名"
                        f" / {entry!r} in ZHENGJI_OUTBOUND_ALLOW is neither a CIDR nor a host name"
                    ) from None
                hosts.add(name)
        return cls(tuple(networks), frozenset(hosts))

    def allows_host(self, host: str) -> bool:
        name = host.lower().rstrip(".")
        return name in self.hosts or any(h.startswith("*.") and name.endswith(h[1:]) for h in self.hosts)

    def allows_address(self, address: Address) -> bool:
        forms = [address]
        if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
            forms.append(address.ipv4_mapped)
        return any(a in n for a in forms for n in self.networks if a.version == n.version)


@dataclass(frozen=True)
class OutboundPolicy:
    allow: AllowList = field(default_factory=AllowList)
    deadline_s: float = 300.0
    max_response_bytes: int = 1024 * 1024

    @classmethod
    def from_settings(cls, settings: "Settings") -> "OutboundPolicy":
        return cls(
            AllowList.parse(settings.outbound_allow),
            settings.outbound_deadline_s,
            settings.outbound_max_response_bytes,
        )

    async def addresses(self, host: str, port: int) -> list[Address]:
        """The addresses of ``host`` that may be called, all checked; AddressRefused otherwise."""
        try:
            found = [ipaddress.ip_address(host)]
        except ValueError:
            try:
                infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
            except OSError as exc:
                raise httpx.ConnectError(f"无法解析主机 {host} / cannot resolve {host}: {exc}") from exc
            # Resolvers accept odd spellings (2130706433 is 127.0.0.1): what counts is the answer.
            found = list(dict.fromkeys(ipaddress.ip_address(str(info[4][0])) for info in infos))
        if self.allow.allows_host(host):
            return found
        for address in found:
            reason = None if self.allow.allows_address(address) else refusal(address)
            if reason:
                raise AddressRefused(
                    f"不向 {host}（{address}）发送：{reason}；如确需访问，请运维加入 ZHENGJI_OUTBOUND_ALLOW"
                    f" / refused to call {host} ({address}): {reason}; an operator may allow it"
                    " in ZHENGJI_OUTBOUND_ALLOW"
                )
        return found


class _CheckedBackend(httpcore.AsyncNetworkBackend):
    """Connects only to addresses the policy checked, from the one lookup it made."""

    def __init__(self, policy: OutboundPolicy) -> None:
        self.policy = policy
        self.inner = httpcore.AnyIOBackend()

    async def connect_tcp(
        self,
        host: str,
        port: int,
        timeout: float | None = None,  # noqa: ASYNC109 (httpcore's signature)
        local_address: str | None = None,
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        failure: Exception | None = None
        for address in await self.policy.addresses(host, port):
            try:
                return await self.inner.connect_tcp(
                    str(address), port, timeout, local_address, socket_options
                )
            except (httpcore.ConnectError, httpcore.ConnectTimeout) as exc:
                failure = exc  # another address of the name may answer
        assert failure is not None
        raise failure

    async def connect_unix_socket(
        self,
        path: str,
        timeout: float | None = None,  # noqa: ASYNC109
        socket_options: Iterable[httpcore.SOCKET_OPTION] | None = None,
    ) -> httpcore.AsyncNetworkStream:
        raise AddressRefused("不连接本机套接字 / no unix sockets")

    async def sleep(self, seconds: float) -> None:
        await self.inner.sleep(seconds)


class _Bounded(httpx.AsyncByteStream):
    """An answer's body, read in pieces until the cap or the deadline."""

    def __init__(self, stream: httpx.AsyncByteStream, policy: OutboundPolicy, deadline: float) -> None:
        self.stream, self.policy, self.deadline = stream, policy, deadline

    async def __aiter__(self) -> AsyncIterator[bytes]:
        pieces, seen = aiter(self.stream), 0
        while True:
            try:
                # Only the wait for the next piece is timed: the reader's own awaits are its own.
                async with asyncio.timeout_at(self.deadline):
                    piece = await anext(pieces)
            except StopAsyncIteration:
                return
            except TimeoutError as exc:
                raise DeadlineExceeded(_late(self.policy)) from exc
            seen += len(piece)
            if seen > self.policy.max_response_bytes:
                raise ResponseTooLarge(_too_large(self.policy))
            yield piece

    async def aclose(self) -> None:
        await self.stream.aclose()


class OutboundTransport(httpx.AsyncHTTPTransport):
    def __init__(self, policy: OutboundPolicy) -> None:
        super().__init__()
        self.policy = policy
        # httpx takes no network backend: the pool it built is replaced by one like it that uses ours.
        self._pool = httpcore.AsyncConnectionPool(
            ssl_context=httpx.create_ssl_context(),  # SSL_CERT_FILE / SSL_CERT_DIR still apply
            max_connections=100,
            max_keepalive_connections=20,
            keepalive_expiry=5.0,
            network_backend=_CheckedBackend(policy),
        )

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.scheme not in ("http", "https"):
            raise AddressRefused(f"只访问 http(s) 地址 / only http(s) URLs, not {request.url.scheme!r}")
        request.headers["Accept-Encoding"] = "identity"
        deadline = asyncio.get_running_loop().time() + self.policy.deadline_s
        try:
            async with asyncio.timeout_at(deadline):
                response = await super().handle_async_request(request)
        except TimeoutError as exc:
            raise DeadlineExceeded(_late(self.policy)) from exc
        encoding = response.headers.get("content-encoding", "identity").strip().lower()
        length = response.headers.get("content-length", "")
        refused: Refused | None = None
        if encoding not in ("", "identity"):
            refused = Refused(f"回应经过压缩（{encoding}），已拒收 / compressed answer ({encoding}) refused")
        elif length.isdigit() and int(length) > self.policy.max_response_bytes:
            refused = ResponseTooLarge(_too_large(self.policy))
        if refused is not None:
            await response.aclose()
            raise refused
        assert isinstance(response.stream, httpx.AsyncByteStream)
        return httpx.Response(
            status_code=response.status_code,
            headers=response.headers,
            stream=_Bounded(response.stream, self.policy, deadline),
            extensions=response.extensions,
        )


def outbound_client(policy: OutboundPolicy) -> httpx.AsyncClient:
    """The client for every call to a campaign's platforms and subscribers. Per-request time-outs
    come from each target; these are the fallback, inside the policy's total deadline."""
    return httpx.AsyncClient(
        transport=OutboundTransport(policy),
        timeout=httpx.Timeout(30.0, connect=10.0),
        follow_redirects=False,
    )


def _too_large(policy: OutboundPolicy) -> str:
    return (
        f"对方回应超过 {policy.max_response_bytes} 字节，已截断 / the answer exceeds"
        f" {policy.max_response_bytes} bytes (ZHENGJI_OUTBOUND_MAX_RESPONSE_BYTES) and was cut"
    )


def _late(policy: OutboundPolicy) -> str:
    return (
        f"请求总时长超过 {policy.deadline_s:g} 秒 / the call took longer than"
        f" {policy.deadline_s:g} s in all (ZHENGJI_OUTBOUND_DEADLINE_S)"
    )
