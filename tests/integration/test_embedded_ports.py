"""Embedded servers whose ports another process took before they bound them start on other ports,
or say so; they never carry on against the other process's broker and store (seen in CI: two
test workers chose the same store port, and one test found the other's campaign in its store)."""

from pathlib import Path

import pytest
from pymongo import AsyncMongoClient

from zhengji.embedded import EmbeddedServers


async def test_chosen_ports_taken_meanwhile_are_chosen_again(
    servers: EmbeddedServers, tmp_path: Path
) -> None:
    theirs: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(servers.mongodb_uri)
    await theirs.zhengji_intake.campaigns.insert_one({"_id": "yanbian-2024"})
    ours = EmbeddedServers(tmp_path / "ours")
    # What another process's choice does between ours and our children's bind.
    ours.kafka_port, ours.mongo_port = servers.kafka_port, servers.mongo_port
    await ours.astart()
    try:
        assert (ours.kafka_port, ours.mongo_port) != (servers.kafka_port, servers.mongo_port)
        mine: AsyncMongoClient[dict[str, object]] = AsyncMongoClient(ours.mongodb_uri)
        assert await mine.zhengji_intake.campaigns.find_one({"_id": "yanbian-2024"}) is None
        await mine.close()
    finally:
        await ours.astop()
        await theirs.close()


async def test_ports_given_and_taken_are_a_clear_error(servers: EmbeddedServers, tmp_path: Path) -> None:
    ours = EmbeddedServers(tmp_path / "ours", kafka_port=servers.kafka_port, mongo_port=servers.mongo_port)
    with pytest.raises(RuntimeError, match="未能启动"):
        await ours.astart()
    assert not ours.procs
