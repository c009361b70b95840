"""Running the web app and services until Ctrl-C, SIGTERM or the caller says stop."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlsplit

import uvicorn

from services.common.settings import Settings
from zhengji.embedded import TANSU_PARTITIONS, EmbeddedServers
from zhengji.runtime import SERVICES, Runtime


def embedded_settings(
    data_dir: Path, servers: EmbeddedServers, host: str, port: int, **extra: object
) -> Settings:
    return Settings.model_validate(
        {
            "KAFKA_BOOTSTRAP_SERVERS": servers.kafka_bootstrap,
            "MONGODB_URI": servers.mongodb_uri,
            "data_dir": data_dir,
            "http_host": host,
            "http_port": port,
            # One process holds every consumer: a short session makes start-up quick.
            "kafka_session_timeout_ms": 4000,
            "kafka_create_topics": True,  # the embedded broker is ours to set up
            "kafka_partitions": TANSU_PARTITIONS,  # as many as Tansu makes by itself
            **extra,
        }
    )


def _server(settings: Settings, names: list[str]) -> uvicorn.Server:
    config = uvicorn.Config(
        Runtime(settings, names).web_app(),
        host=settings.http_host,
        port=settings.http_port,
        # httptools (C), not h11 (pure Python): h11's parsing of each body piece was half a
        # loopback upload's time (docs/performance.md, "tus uploads").
        http="httptools",
        log_level="warning",
        lifespan="on",
        timeout_graceful_shutdown=5,
    )
    return uvicorn.Server(config)


@contextlib.asynccontextmanager
async def running(settings: Settings, names: list[str]) -> AsyncIterator[uvicorn.Server]:
    """Serve ``names`` on settings' host and port; yields once the app has started."""
    server = _server(settings, names)
    task = asyncio.create_task(server.serve())
    while not server.started:
        if task.done():
            task.result()
            raise RuntimeError("web server stopped during start-up")
        await asyncio.sleep(0.05)
    try:
        yield server
    finally:
        server.should_exit = True
        await task


@contextlib.asynccontextmanager
async def embedded(data_dir: Path, host: str, port: int, **extra: object) -> AsyncIterator[Settings]:
    """The whole system in one process on the embedded broker and store."""
    servers = EmbeddedServers(data_dir)
    await servers.astart()
    try:
        settings = embedded_settings(data_dir, servers, host, port, **extra)
        async with servers.kept_alive(), running(settings, list(SERVICES)):
            yield settings
    finally:
        await servers.astop()


NO_PUBLIC_BASE_URL = (
    "未设置 ZHENGJI_PUBLIC_BASE_URL：分布式模式下必须设为用户访问本系统的公开地址"
    "（如 https://zhengji.example.cn，即 Ingress 或 nginx 的地址），发给平台的链接和播放器地址都由它生成。\n"
    "ZHENGJI_PUBLIC_BASE_URL is not set: in distributed mode set it to the public address users reach"
    " (e.g. https://zhengji.example.cn, your Ingress or nginx); every link sent to platforms and every"
    " player URL is built from it. See docs/operations.md, 'One public origin'."
)


def distributed_settings() -> Settings:
    """Settings for `zhengji serve`: refuses to start without the public origin, which a service
    alone cannot guess (its own address is a pod's, not what browsers and platforms reach)."""
    settings = Settings()
    url = urlsplit(settings.public_base_url or "")
    if url.scheme not in ("http", "https") or not url.netloc:
        raise SystemExit(NO_PUBLIC_BASE_URL)
    return settings


async def serve_until_stopped(settings: Settings, names: list[str]) -> None:
    await _server(settings, names).serve()
