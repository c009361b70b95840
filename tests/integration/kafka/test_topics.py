"""Topics as code on the real (embedded) broker: apply makes every declared topic with its
settings, plan then finds nothing to do, and drift is reported; what Tansu cannot change is
refused with a message an operator can act on."""

import pytest
from aiokafka.admin import NewTopic

from contracts import CAMPAIGN_TOPIC, TOPICS
from services.common.settings import Settings
from services.common.topic_admin import TopicsNotApplied, admin_client, apply, observe, topics_of, topics_plan


async def test_apply_makes_the_declared_topics_and_plan_then_has_nothing_to_do(settings: Settings) -> None:
    bootstrap, declared = settings.kafka_bootstrap_servers, topics_of(settings)
    assert {c.action for c in await topics_plan(bootstrap, declared)} == {"create"}
    made = await apply(bootstrap, declared)
    assert len(made) == len(declared)
    assert await topics_plan(bootstrap, declared) == []
    async with admin_client(bootstrap) as admin:
        seen = await observe(admin, [CAMPAIGN_TOPIC])
    assert seen[CAMPAIGN_TOPIC].configs["cleanup.policy"] == "compact"
    assert seen[CAMPAIGN_TOPIC].partitions == settings.kafka_partitions


async def test_drift_is_reported_and_a_broker_that_cannot_alter_says_so(settings: Settings) -> None:
    bootstrap, declared = settings.kafka_bootstrap_servers, topics_of(settings)
    topic = TOPICS["validated"]
    async with admin_client(bootstrap) as admin:
        await admin.create_topics(
            [NewTopic(topic, settings.kafka_partitions, 1, topic_configs={"retention.ms": "1000"})]
        )
    drift = [c for c in await topics_plan(bootstrap, declared) if c.topic == topic]
    assert [c.action for c in drift] == ["set_configs"]
    assert drift[0].detail["was"]["retention.ms"] == "1000"
    with pytest.raises(TopicsNotApplied, match="AlterConfigs"):
        await apply(bootstrap, declared)
    # Start-up only adds what is missing and leaves the drifted topic to the operator.
    await apply(bootstrap, declared, create_only=True)
    assert [c.topic for c in await topics_plan(bootstrap, declared)] == [topic]
