"""Loopback ports for the servers we start: chosen free, reserved across processes, and owned.

A port is chosen some seconds before its server binds it. Two processes choosing at once (two
test workers, a demo and the test that started it) could choose the same one: one server then
fails to bind, and a readiness probe that only connects would find the *other* server answering
and carry on against someone else's broker or store (seen in CI: a test's store already held the
campaign it was about to create). Hence a machine-wide reservation of every port handed out,
and ``listened_by`` to confirm that the process we started is the one listening."""

import fcntl
import os
import random
import socket
import tempfile
import time
from pathlib import Path

RESERVED_FOR_S = 600.0
"""How long a handed-out port is kept from other processes: far beyond any server's start-up;
after it the bind probe alone says whether the port is in use."""

_handed_out: set[int] = set()


def _ephemeral_floor() -> int:
    try:
        return int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return 32768


def _reservations() -> Path:
    return Path(tempfile.gettempdir()) / f"zhengji-ports-{os.getuid()}"


def _reserve(port: int) -> bool:
    """Reserve ``port`` machine-wide unless another process holds it; under one file lock, so
    two processes never both succeed."""
    folder = _reservations()
    try:
        folder.mkdir(mode=0o700, exist_ok=True)
        return _reserve_in(folder, port)
    except OSError:  # no writable temp dir: the bind probe and this process's own list remain
        return True


def _reserve_in(folder: Path, port: int) -> bool:
    with (folder / "lock").open("a+") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        book = folder / "reserved"
        now = time.time()
        held: dict[int, float] = {}
        if book.exists():
            for line in book.read_text().splitlines():
                try:
                    held_port, until = (float(x) for x in line.split())
                except ValueError:
                    continue  # a line cut short by a process killed while writing
                if until > now:
                    held[int(held_port)] = until
        if port in held:
            return False
        held[port] = now + RESERVED_FOR_S
        book.write_text("".join(f"{p} {until}\n" for p, until in held.items()))
        return True


def _bindable(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        try:
            s.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port() -> int:
    """A loopback port nobody listens on or has been handed, for a server that binds it soon.

    Chosen below the kernel's ephemeral range: a port the kernel hands out (bind to 0) is just as
    likely to be taken meanwhile by any outgoing connection on the machine, and a server that then
    fails to bind ("address already in use") is a start-up that fails at random on a busy host."""
    floor = _ephemeral_floor()
    rng = random.SystemRandom()
    for _ in range(200):
        port = rng.randrange(10000, floor) if floor > 11000 else rng.randrange(floor, 65536)
        if port in _handed_out or not _bindable(port) or not _reserve(port):
            continue
        _handed_out.add(port)
        return port
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:  # a crowded host: the kernel's pick
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def port_open(host: str, port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.2)
        return s.connect_ex((host, port)) == 0


def _listening_sockets(port: int) -> set[str] | None:
    """The inodes of the sockets listening on ``port`` (any address), or None without /proc."""
    found: set[str] = set()
    try:
        tables = [Path("/proc/net/tcp").read_text(), Path("/proc/net/tcp6").read_text()]
    except OSError:
        return None
    for table in tables:
        for row in table.splitlines()[1:]:
            fields = row.split()
            listening = fields[3] == "0A"
            if listening and int(fields[1].rsplit(":", 1)[1], 16) == port:
                found.add(fields[9])
    return found


def listened_by(pid: int, port: int) -> bool:
    """Whether process ``pid`` itself listens on ``port`` (not merely: someone does). True where
    /proc cannot say (not Linux): the connect probe is then all there is."""
    inodes = _listening_sockets(port)
    if inodes is None:
        return True
    try:
        fds = os.listdir(f"/proc/{pid}/fd")
    except FileNotFoundError:
        return False  # exited
    except PermissionError:
        return True
    for fd in fds:
        try:
            target = os.readlink(f"/proc/{pid}/fd/{fd}")
        except OSError:
            continue  # closed meanwhile
        if target.startswith("socket:[") and target[8:-1] in inodes:
            return True
    return False
