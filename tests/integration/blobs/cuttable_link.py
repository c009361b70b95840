"""A TCP relay on loopback whose link can be cut and restored: the object store going away for a
while (a network fault), without losing what the store holds (moto keeps it in memory)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from zhengji.ports import free_port


class CuttableLink:
    def __init__(self, target_host: str, target_port: int) -> None:
        self.target = (target_host, target_port)
        self.port = free_port()
        self.up = True
        self._writers: set[asyncio.StreamWriter] = set()

    def cut(self) -> None:
        """Refuse new connections and drop the open ones (pooled ones included)."""
        self.up = False
        for writer in list(self._writers):
            writer.close()

    def restore(self) -> None:
        self.up = True

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        if not self.up:
            writer.close()
            return
        try:
            upstream_reader, upstream_writer = await asyncio.open_connection(*self.target)
        except OSError:
            writer.close()
            return
        self._writers |= {writer, upstream_writer}
        try:
            await asyncio.gather(self._pipe(reader, upstream_writer), self._pipe(upstream_reader, writer))
        finally:
            self._writers -= {writer, upstream_writer}
            writer.close()
            upstream_writer.close()

    @staticmethod
    async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(OSError, asyncio.IncompleteReadError):
            while data := await reader.read(1 << 16):
                writer.write(data)
                await writer.drain()
        writer.close()


@asynccontextmanager
async def cuttable_link(endpoint: str) -> AsyncIterator[CuttableLink]:
    """A relay to ``http://host:port`` on a free loopback port, while the block runs."""
    host, port = endpoint.removeprefix("http://").split(":")
    link = CuttableLink(host, int(port))
    server = await asyncio.start_server(link._serve, "127.0.0.1", link.port)
    try:
        yield link
    finally:
        link.cut()
        server.close()
        await server.wait_closed()
