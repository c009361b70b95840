"""How an admin command reaches the deployment's store: the settings as the services read them
(``MONGODB_URI``, ``ZHENGJI_DB_PREFIX`` ...), one client per command, closed after."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any, TypeVar

import typer

from services.common.settings import Settings

if TYPE_CHECKING:  # pymongo takes 0.3 s to import: only the commands that need it load it
    from pymongo import AsyncMongoClient

    from services.common.errors import ServiceError

    Client = AsyncMongoClient[dict[str, Any]]

T = TypeVar("T")


def on_store(work: "Callable[[Client, Settings], Awaitable[T]]") -> T:
    """Run ``work`` with a client of the deployment's store (``MONGODB_URI``), closed after."""
    from services.common.store import connect

    settings = Settings()

    async def run() -> T:
        client = connect(settings.mongodb_uri)
        try:
            return await work(client, settings)
        finally:
            await client.close()

    return asyncio.run(run())


def on_store_or_refuse(work: "Callable[[Client, Settings], Awaitable[T]]") -> T:
    """``on_store``, with a ServiceError of the work said to the operator (``refuse``)."""
    from services.common.errors import ServiceError

    try:
        return on_store(work)
    except ServiceError as exc:
        raise refuse(exc) from exc


def refuse(error: "ServiceError") -> typer.Exit:
    """Say why a command did nothing (Chinese, then English) and give the exit code: 1 for a
    refusal the operator can act on, 2 for a thing that does not exist."""
    typer.echo(f"{error.zh} / {error.en}", err=True)
    return typer.Exit(2 if error.status == 404 else 1)
