"""Hosts that share nothing but a network: Linux network namespaces on one switch.

The switch is a bridge inside a namespace of its own (``<tag>-lan``), so its traffic never meets
this machine's firewall (Docker's ``FORWARD`` policy is DROP, and with ``br_netfilter`` loaded a
bridge in the root namespace would be filtered by it). Each host is a namespace with one veth
cable plugged into the switch; this machine (the root namespace) is plugged in too, as the
``infra`` host where the broker, the store and the object store listen, and from where the test
drives the API. A ``Host`` without a namespace is this machine on loopback.

Cutting a host off is pulling its cable: the switch's port goes down, the host's processes keep
running and can reach nothing."""

import contextlib
import os
import random
import shutil
import subprocess
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Host:
    name: str
    address: str
    netns: str | None = None  # None: this machine's own network (loopback)

    def argv(self, command: list[str]) -> list[str]:
        """``command`` run on this host."""
        return ["ip", "netns", "exec", self.netns, *command] if self.netns else command


LOOPBACK = Host("loopback", "127.0.0.1")


def _ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, text=True)


def _unused_subnet() -> str:
    """A 10.x.y.0/24 this machine does not use (two test runs side by side pick different ones)."""
    used = subprocess.run(["ip", "-4", "-o", "addr"], capture_output=True, text=True, check=True).stdout
    while True:
        prefix = f"10.{random.randint(100, 250)}.{random.randint(0, 255)}"
        if f" {prefix}." not in used:
            return prefix


def why_not() -> str | None:
    """Why network namespaces cannot be made here (None: they can)."""
    if os.geteuid() != 0:
        return "网络命名空间需要 root（CI 以 root 运行）/ network namespaces need root, as CI runs"
    if shutil.which("ip") is None:
        return "没有 ip 命令（iproute2）/ no ip(8) from iproute2"
    probe = f"zjprobe-{uuid.uuid4().hex[:6]}"
    made = subprocess.run(["ip", "netns", "add", probe], capture_output=True, text=True)
    if made.returncode != 0:
        return f"ip netns add 失败 / failed: {made.stderr.strip()}"
    subprocess.run(["ip", "netns", "del", probe], capture_output=True)
    return None


@dataclass
class Lan:
    tag: str = field(default_factory=lambda: "zj" + uuid.uuid4().hex[:6])
    prefix: str = field(default_factory=_unused_subnet)
    hosts: dict[str, Host] = field(default_factory=dict)
    _ports: dict[str, str] = field(default_factory=dict)  # host name -> its port on the switch

    @property
    def switch(self) -> str:
        return f"{self.tag}-lan"

    def up(self) -> Host:
        """The switch, with this machine plugged in; returns this machine as the ``infra`` host."""
        _ip("netns", "add", self.switch)
        _ip("-n", self.switch, "link", "add", "br0", "type", "bridge")
        _ip("-n", self.switch, "link", "set", "br0", "up")
        infra = Host("infra", f"{self.prefix}.254")
        self._plug(infra, None, self.tag)  # interface names are at most 15 characters
        return infra

    def host(self, name: str) -> Host:
        """A new host on the switch, with its own network namespace and address."""
        host = Host(name, f"{self.prefix}.{len(self.hosts) + 1}", f"{self.tag}-{name}")
        _ip("netns", "add", host.netns or "")
        _ip("-n", host.netns or "", "link", "set", "lo", "up")
        self._plug(host, host.netns, "eth0")
        return host

    def _plug(self, host: Host, netns: str | None, nic: str) -> None:
        port = f"p{len(self._ports)}"
        on = ["-n", netns] if netns else []
        _ip(*on, "link", "add", nic, "type", "veth", "peer", "name", port, "netns", self.switch)
        _ip(*on, "addr", "add", f"{host.address}/24", "dev", nic)
        _ip(*on, "link", "set", nic, "up")
        _ip("-n", self.switch, "link", "set", port, "master", "br0", "up")
        self.hosts[host.name], self._ports[host.name] = host, port

    def cut(self, host: Host) -> None:
        """Pull the host's cable: its port on the switch goes down."""
        _ip("-n", self.switch, "link", "set", self._ports[host.name], "down")

    def down(self) -> None:
        for host in self.hosts.values():
            if host.netns:
                subprocess.run(["ip", "netns", "del", host.netns], capture_output=True)
        subprocess.run(["ip", "netns", "del", self.switch], capture_output=True)
        subprocess.run(["ip", "link", "del", self.tag], capture_output=True)  # gone with the switch


@contextlib.contextmanager
def lan() -> Iterator[tuple[Lan, Host]]:
    """A switch and the infra host on it; every namespace is removed on exit."""
    network = Lan()
    try:
        infra = network.up()
        yield network, infra
    finally:
        network.down()
