"""Every Kafka topic zhengji uses, declared once, and the plan that brings a cluster to it (pure).

``zhengji admin topics plan|apply`` compares this declaration with what the brokers report;
``zhengji admin topics strimzi`` renders the same declaration as Strimzi ``KafkaTopic``
resources (k8s/components/kafka-topics/). Services create topics only in the embedded mode.

Why these settings:
- submission topics are keyed by submission id and carry work in flight: a retention well past
  any stage's retries (``kafka_retention_days``), deleted after;
- the campaign topic is keyed by campaign id and read from the start by every new consumer
  group to learn the campaigns: it is compacted, so each campaign's latest definition stays
  for ever while superseded ones go;
- dead-letter topics hold what an operator must still look at and replay: kept much longer
  (``kafka_dlq_retention_days``);
- ``min.insync.replicas`` is 2 on a replicated cluster, so a write acknowledged with
  ``acks=all`` survives the loss of one broker, and 1 on a single broker (the embedded one),
  where 2 would refuse every write."""

from dataclasses import dataclass, field
from typing import Any

from contracts import CAMPAIGN_TOPIC, EVENT_TOPICS, dlq_topic

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    partitions: int
    replication_factor: int
    configs: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Observed:
    """A topic as the brokers report it (configs: only those the request asked about)."""

    partitions: int
    replication_factor: int
    configs: dict[str, str]


@dataclass(frozen=True)
class Change:
    topic: str
    action: str  # "create", "add_partitions", "set_configs", "refused"
    detail: dict[str, Any]

    def describe(self) -> str:
        return f"{self.action:15} {self.topic} {self.detail}"


def declared_topics(
    partitions: int, replication_factor: int, retention_days: float, dlq_retention_days: float
) -> list[TopicSpec]:
    min_isr = "2" if replication_factor >= 3 else "1"
    common = {"min.insync.replicas": min_isr}
    events = {**common, "cleanup.policy": "delete", "retention.ms": str(int(retention_days * DAY_MS))}
    dead = {**common, "cleanup.policy": "delete", "retention.ms": str(int(dlq_retention_days * DAY_MS))}
    campaign = {**common, "cleanup.policy": "compact"}
    specs = [
        TopicSpec(t, partitions, replication_factor, campaign if t == CAMPAIGN_TOPIC else events)
        for t in EVENT_TOPICS
    ]
    specs += [TopicSpec(dlq_topic(s.name), s.partitions, replication_factor, dead) for s in list(specs)]
    return specs


def plan(declared: list[TopicSpec], observed: dict[str, Observed]) -> list[Change]:
    """What must change so the cluster matches the declaration; empty when it does."""
    changes: list[Change] = []
    for spec in declared:
        have = observed.get(spec.name)
        if have is None:
            detail = {"partitions": spec.partitions, "replication_factor": spec.replication_factor}
            changes.append(Change(spec.name, "create", {**detail, "configs": spec.configs}))
            continue
        if have.partitions < spec.partitions:
            changes.append(
                Change(spec.name, "add_partitions", {"from": have.partitions, "to": spec.partitions})
            )
        elif have.partitions > spec.partitions:
            # Kafka cannot take partitions away; fewer would also move keys between partitions.
            changes.append(
                Change(
                    spec.name,
                    "refused",
                    {"reason": "fewer partitions than the topic has", "has": have.partitions},
                )
            )
        if have.replication_factor != spec.replication_factor:
            changes.append(
                Change(
                    spec.name,
                    "refused",
                    {
                        "reason": "replication factor differs: use kafka-reassign-partitions",
                        "has": have.replication_factor,
                        "wanted": spec.replication_factor,
                    },
                )
            )
        differing = {k: v for k, v in spec.configs.items() if have.configs.get(k) != v}
        if differing:
            was = {k: have.configs.get(k) for k in differing}
            changes.append(Change(spec.name, "set_configs", {"set": differing, "was": was}))
    return changes


def strimzi_topics(
    declared: list[TopicSpec], cluster: str, namespace: str | None = None
) -> list[dict[str, Any]]:
    """The declaration as Strimzi ``KafkaTopic`` resources (kafka.strimzi.io/v1beta2)."""
    docs = []
    for spec in declared:
        metadata: dict[str, Any] = {
            # Kubernetes names allow no dots or underscores; spec.topicName keeps the real one.
            "name": spec.name.replace(".", "-").replace("_", "-"),
            "labels": {"strimzi.io/cluster": cluster, "app.kubernetes.io/part-of": "zhengji"},
        }
        if namespace:
            metadata["namespace"] = namespace
        docs.append(
            {
                "apiVersion": "kafka.strimzi.io/v1beta2",
                "kind": "KafkaTopic",
                "metadata": metadata,
                "spec": {
                    "topicName": spec.name,
                    "partitions": spec.partitions,
                    "replicas": spec.replication_factor,
                    "config": dict(spec.configs),
                },
            }
        )
    return docs
