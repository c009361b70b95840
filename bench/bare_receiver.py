"""The least an HTTP server can do to keep an upload as a tus PATCH promises: a baseline.

One thread on a loopback socket reads a request's head, then its ``Content-Length`` bytes with
``recv_into`` into one reused 1 MiB buffer, hashes them (sha256), writes them to a file and
``fdatasync``s it before answering 204: what intake must do for every byte, with no framework,
no event loop and no store. Like intake (``block_writer.flush_behind``), it starts an
``fdatasync`` in a thread every 32 MiB, so the last one has only the tail to write. The bench's
client sends to it exactly as it sends a PATCH, so the ratio of a tus upload to this one is the
cost of the product's HTTP stack, not of the client or of the disk."""

from __future__ import annotations

import hashlib
import os
import socket
import threading
from pathlib import Path

BUFFER = 1 << 20
FLUSH_EVERY = 32 << 20  # intake's tus_checkpoint_bytes
HEAD_LIMIT = 64 * 1024
TIMEOUT_S = 600.0  # as the bench's client


class BareReceiver(threading.Thread):
    """Receives one request into ``target``; ``port`` to send it to, ``sha256`` once answered."""

    def __init__(self, target: Path) -> None:
        super().__init__(daemon=True)
        self.target = target
        self.sock = socket.create_server(("127.0.0.1", 0))
        self.port: int = self.sock.getsockname()[1]
        self.sha256 = ""

    def run(self) -> None:
        self.sock.settimeout(TIMEOUT_S)
        conn, _ = self.sock.accept()
        conn.settimeout(TIMEOUT_S)  # a client that stops sending ends the bench, not hangs it
        with conn, self.sock, self.target.open("wb") as f:
            head = b""
            while b"\r\n\r\n" not in head and len(head) < HEAD_LIMIT:
                if not (got := conn.recv(65536)):
                    raise ConnectionError("the client closed before the request's head ended")
                head += got
            lines, _, early = head.partition(b"\r\n\r\n")
            length = next(
                int(line.split(b":", 1)[1])
                for line in lines.split(b"\r\n")
                if line.lower().startswith(b"content-length:")
            )
            digest, view = hashlib.sha256(early), memoryview(bytearray(BUFFER))
            f.write(early)
            left, unflushed = length - len(early), 0
            flusher: threading.Thread | None = None
            while left > 0 and (n := conn.recv_into(view, min(BUFFER, left))):
                digest.update(view[:n])
                f.write(view[:n])
                left, unflushed = left - n, unflushed + n
                if unflushed >= FLUSH_EVERY:
                    if flusher is not None:
                        flusher.join()
                    f.flush()
                    flusher, unflushed = threading.Thread(target=os.fdatasync, args=(f.fileno(),)), 0
                    flusher.start()
            if flusher is not None:
                flusher.join()
            f.flush()
            os.fdatasync(f.fileno())
            self.sha256 = digest.hexdigest()
            conn.sendall(b"HTTP/1.1 204 No Content\r\nconnection: close\r\n\r\n")
