"""A server started on ``free_port()`` a few seconds later must find the port still free: the
port is never one the kernel hands to outgoing connections, and one process never hands it out
twice (two transcoders on one host once got the same port and one failed to start), nor does
another process while it is reserved."""

import socket
import subprocess
import sys
from pathlib import Path

from zhengji.ports import free_port


def test_ports_are_distinct_bindable_and_outside_the_ephemeral_range() -> None:
    low = int(Path("/proc/sys/net/ipv4/ip_local_port_range").read_text().split()[0])
    ports = [free_port() for _ in range(50)]
    assert len(set(ports)) == len(ports)
    assert all(p < low for p in ports)
    for port in ports[:5]:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
            s.bind(("127.0.0.1", port))


def test_a_port_handed_out_by_one_process_is_not_handed_out_by_another() -> None:
    """Two test workers choosing at once once got the same store port and shared one store."""
    port = free_port()
    elsewhere = subprocess.run(
        [sys.executable, "-c", f"from zhengji.ports import _reserve; print(_reserve({port}))"],
        capture_output=True,
        text=True,
        check=True,
    )
    assert elsewhere.stdout.strip() == "False"
