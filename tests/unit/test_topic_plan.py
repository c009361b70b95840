"""The topic declaration and the plan that brings a cluster to it."""

from pathlib import Path

import yaml

from contracts import CAMPAIGN_TOPIC, TOPICS, dlq_topic
from services.common.topic_plan import Observed, TopicSpec, declared_topics, plan, strimzi_topics

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = declared_topics(6, 3, 7, 365)


def by_name(specs: list[TopicSpec]) -> dict[str, TopicSpec]:
    return {s.name: s for s in specs}


def test_every_topic_has_a_dead_letter_topic_kept_longer() -> None:
    specs = by_name(PRODUCTION)
    for name in [*TOPICS.values(), CAMPAIGN_TOPIC]:
        main, dead = specs[name], specs[dlq_topic(name)]
        assert dead.configs["cleanup.policy"] == "delete"
        assert int(dead.configs["retention.ms"]) > int(main.configs.get("retention.ms", "0"))


def test_campaigns_are_compacted_and_replicated_writes_survive_one_broker() -> None:
    specs = by_name(PRODUCTION)
    assert specs[CAMPAIGN_TOPIC].configs["cleanup.policy"] == "compact"
    assert "retention.ms" not in specs[CAMPAIGN_TOPIC].configs  # definitions are never aged out
    assert {s.configs["min.insync.replicas"] for s in PRODUCTION} == {"2"}
    # On one broker, 2 would refuse every acks=all write.
    assert {s.configs["min.insync.replicas"] for s in declared_topics(6, 1, 7, 365)} == {"1"}


def test_a_matching_cluster_needs_nothing_and_a_missing_topic_is_created() -> None:
    observed = {s.name: Observed(s.partitions, s.replication_factor, dict(s.configs)) for s in PRODUCTION}
    assert plan(PRODUCTION, observed) == []
    del observed[CAMPAIGN_TOPIC]
    (change,) = plan(PRODUCTION, observed)
    assert (change.topic, change.action) == (CAMPAIGN_TOPIC, "create")


def test_drift_is_planned_and_what_kafka_cannot_do_is_refused() -> None:
    topic = TOPICS["validated"]
    spec = by_name(PRODUCTION)[topic]
    observed = {s.name: Observed(s.partitions, s.replication_factor, dict(s.configs)) for s in PRODUCTION}
    observed[topic] = Observed(3, 3, {**spec.configs, "retention.ms": "1000"})
    actions = {c.action: c.detail for c in plan(PRODUCTION, observed)}
    assert actions["add_partitions"] == {"from": 3, "to": 6}
    assert actions["set_configs"]["set"] == {"retention.ms": spec.configs["retention.ms"]}
    observed[topic] = Observed(12, 1, dict(spec.configs))
    refused = [c for c in plan(PRODUCTION, observed) if c.action == "refused"]
    assert len(refused) == 2  # fewer partitions, and a replication change, need an operator


def test_the_committed_strimzi_topics_are_the_declaration() -> None:
    committed = list(yaml.safe_load_all((ROOT / "k8s/components/kafka-topics/topics.yaml").read_text()))
    assert committed == strimzi_topics(PRODUCTION, "zhengji"), (
        "regenerate: ZHENGJI_KAFKA_REPLICATION_FACTOR=3 zhengji admin topics strimzi "
        "> k8s/components/kafka-topics/topics.yaml"
    )
    names = [d["metadata"]["name"] for d in committed]
    assert len(set(names)) == len(names) and all(n.replace("-", "").isalnum() for n in names)
