"""Noticing a new broker, so that what it lost moves again within seconds.

The embedded Tansu keeps messages in memory only: after it restarts, every event that sat in it
unconsumed is gone, and the reconciler alone would re-drive those submissions only after their
stage deadline (minutes). A Kafka cluster rebuilt without its data is the same case.

Intake leaves a marker in the broker: a topic of its own. A broker that lacks it has not kept
what intake gave it (a restarted memory broker, a new cluster, a first start). Intake then
creates the topics, announces every campaign again and re-drives every submission in flight,
and only then creates the marker, so a crash halfway through does it all again on the next look.
Re-driving is idempotent (consumers deduplicate by event id), so two intake replicas noticing
the same new broker cost duplicates on the topics, never a second effect."""

import contextlib
from collections.abc import Awaitable, Callable

from aiokafka.admin import NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError

from services.common.log import get_logger
from services.common.topic_admin import Options, admin_client

MARKER_TOPIC = "zhengji.broker.marker"
log = get_logger("broker_watch")


class BrokerWatch:
    def __init__(
        self,
        bootstrap: str,
        on_new_broker: Callable[[], Awaitable[object]],
        options: Options = None,
        replication_factor: int = 1,
    ) -> None:
        self.bootstrap = bootstrap
        self.on_new_broker = on_new_broker
        self.options = options
        self.replication_factor = replication_factor

    async def look_once(self) -> bool:
        """Whether the broker was new (and has been dealt with). A broker that does not answer
        is not an error of this loop (``/readyz`` reports it): the next look is a period away,
        not a growing backoff, so a restarted broker is noticed within that period."""
        try:
            async with admin_client(self.bootstrap, self.options) as admin:
                if MARKER_TOPIC in await admin.list_topics():
                    return False
                await self.on_new_broker()
                with contextlib.suppress(TopicAlreadyExistsError):
                    await admin.create_topics([NewTopic(MARKER_TOPIC, 1, self.replication_factor)])
                return True
        except KafkaError as exc:
            log.info("broker_unanswered", error=f"{type(exc).__name__}: {exc}")
            return False
