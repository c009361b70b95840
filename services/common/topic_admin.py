"""Reading topics from the brokers and applying a plan (``topic_plan``) to them.

Creating is all the embedded broker (Tansu) supports besides describing: it refuses
AlterConfigs and CreatePartitions, which Apache Kafka, Redpanda and the managed services accept.
``apply`` says so plainly instead of failing half-way. AlterConfigs replaces a topic's whole
set of overrides, so a change sends every declared setting of the topic, not only the one that
differs (an override an operator added by hand outside the declaration goes; declare it)."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Mapping
from typing import Any

from aiokafka.admin import AIOKafkaAdminClient, NewPartitions, NewTopic
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import IncompatibleBrokerVersion, TopicAlreadyExistsError

from services.common.kafka_security import client_options
from services.common.log import get_logger
from services.common.settings import Settings
from services.common.topic_plan import Change, Observed, TopicSpec, declared_topics, plan

log = get_logger("topics")
Options = Mapping[str, Any] | None


class TopicsNotApplied(Exception):
    """The brokers refused part of a plan; the message says what and what to do."""


def topics_of(settings: Settings) -> list[TopicSpec]:
    return declared_topics(
        settings.kafka_partitions,
        settings.kafka_replication_factor,
        settings.kafka_retention_days,
        settings.kafka_dlq_retention_days,
    )


@contextlib.asynccontextmanager
async def admin_client(bootstrap: str, options: Options = None) -> AsyncIterator[AIOKafkaAdminClient]:
    """``options``: how to connect (``kafka_security.client_options``); plaintext when None."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, client_id="zhengji-admin", **(options or {}))
    await admin.start()
    try:
        yield admin
    finally:
        await admin.close()


async def observe(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, Observed]:
    existing = set(await admin.list_topics())
    present = [n for n in names if n in existing]
    if not present:
        return {}
    found: dict[str, Observed] = {}
    described = await admin.describe_topics(present)
    configs: dict[str, dict[str, str]] = {name: {} for name in present}
    resources = [ConfigResource(ConfigResourceType.TOPIC, name) for name in present]
    for response in await admin.describe_configs(resources):
        for resource in response.resources:
            name, entries = resource[3], resource[4]
            configs[name] = {entry[0]: entry[1] for entry in entries}
    for topic in described:
        partitions = topic["partitions"]
        replicas = max((len(p["replicas"]) for p in partitions), default=0)
        found[topic["topic"]] = Observed(len(partitions), replicas, configs.get(topic["topic"], {}))
    return found


async def topics_plan(bootstrap: str, declared: list[TopicSpec], options: Options = None) -> list[Change]:
    async with admin_client(bootstrap, options) as admin:
        return plan(declared, await observe(admin, [s.name for s in declared]))


async def apply(
    bootstrap: str, declared: list[TopicSpec], create_only: bool = False, options: Options = None
) -> list[Change]:
    """Bring the brokers to the declaration; the changes made. ``create_only``: only add what is
    missing (the embedded runtime's start-up), leaving existing topics as they are."""
    by_name = {s.name: s for s in declared}
    async with admin_client(bootstrap, options) as admin:
        changes = plan(declared, await observe(admin, list(by_name)))
        if create_only:
            changes = [c for c in changes if c.action == "create"]
        refused = [c for c in changes if c.action == "refused"]
        if refused:
            raise TopicsNotApplied("\n".join(c.describe() for c in refused))
        creates = [by_name[c.topic] for c in changes if c.action == "create"]
        if creates:
            with contextlib.suppress(TopicAlreadyExistsError):  # another replica was first
                await admin.create_topics(
                    [
                        NewTopic(s.name, s.partitions, s.replication_factor, topic_configs=s.configs)
                        for s in creates
                    ]
                )
        grow = {c.topic: NewPartitions(c.detail["to"]) for c in changes if c.action == "add_partitions"}
        alter = [
            ConfigResource(ConfigResourceType.TOPIC, c.topic, configs=by_name[c.topic].configs)
            for c in changes
            if c.action == "set_configs"
        ]
        try:
            if grow:
                await admin.create_partitions(grow)
            if alter:
                await admin.alter_configs(alter)
        except IncompatibleBrokerVersion as exc:
            raise TopicsNotApplied(
                "该 Kafka 不支持修改已有主题（AlterConfigs / CreatePartitions），请手工修改或重建主题 / "
                f"this broker cannot change existing topics: {exc}"
            ) from exc
    return changes


async def wait_for_topics(
    bootstrap: str, names: list[str], options: Options = None, every_s: float = 5.0
) -> None:
    """Wait until every topic exists (a distributed service starts before the topics job ends),
    saying which are missing and how to make them."""
    while True:
        async with admin_client(bootstrap, options) as admin:
            missing = sorted(set(names) - set(await admin.list_topics()))
        if not missing:
            return
        log.warning(
            "topics_missing",
            missing=missing,
            hint="主题尚未创建，请运行 zhengji admin topics apply / run `zhengji admin topics apply`",
        )
        await asyncio.sleep(every_s)


async def topics_ready(settings: Settings) -> None:
    """The declared topics exist when this returns: made here where the deployment makes its own
    (the embedded broker), else waited for (``zhengji admin topics apply`` makes them)."""
    topics, options = topics_of(settings), client_options(settings)
    if settings.kafka_create_topics:
        await apply(settings.kafka_bootstrap_servers, topics, create_only=True, options=options)
    else:
        await wait_for_topics(settings.kafka_bootstrap_servers, [t.name for t in topics], options)
