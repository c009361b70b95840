"""Log lines written while an event is handled carry its correlation_id (captured structlog output).

An operator follows one submission version through every service by its ``correlation_id``;
a line without it is a line that search cannot find."""

from typing import Literal

import structlog
from structlog.testing import capture_logs

from contracts.events import Envelope
from services.common.consumer import Consumer, Effect
from services.common.log import get_logger
from tests.unit.fakes import FakeInbox, FakeTransaction, RecordingBus, RecordingSleep

TOPIC = "zhengji.test.noted.v1"
WHERE = {"topic": TOPIC, "partition": 0, "offset": 3, "group": "zhengji-test"}
log = get_logger("test-handler")


class Noted(Envelope):
    event_type: Literal["test.noted"] = "test.noted"


def event(n: int) -> Noted:
    return Noted(campaign_id="c1", producer="test", submission_id=f"s{n}", correlation_id=f"s{n}:v1")


async def test_every_line_of_a_handled_event_carries_its_correlation_id() -> None:
    failures = [RuntimeError("first try fails")]

    async def handler(e: Noted) -> Effect[FakeTransaction]:
        log.info("handler_working", note="from the handler")
        if failures:
            raise failures.pop()
        return Effect()

    consumer: Consumer[Noted, FakeTransaction] = Consumer(
        service="test",
        topic=TOPIC,
        model=Noted,
        handler=handler,
        store=FakeInbox(),
        dead_letters=RecordingBus(),
        sleep=RecordingSleep(),
    )
    first, second = event(1), event(2)
    with capture_logs(processors=[structlog.contextvars.merge_contextvars]) as lines:
        await consumer(first.model_dump_json().encode(), WHERE)
        await consumer(second.model_dump_json().encode(), WHERE)
        await consumer(second.model_dump_json().encode(), WHERE)  # a duplicate: the consumer's own line
        log.info("between_events")

    by_event = {(line["event"], line.get("correlation_id")) for line in lines}
    assert ("handler_working", "s1:v1") in by_event
    assert ("handler_failed", "s1:v1") in by_event, "the consumer's own lines carry it too"
    assert ("handler_working", "s2:v1") in by_event
    assert ("duplicate_event", "s2:v1") in by_event
    assert all(line["correlation_id"] == f"{line['submission_id']}:v1" for line in lines[:-1])
    # Outside the handling nothing is bound: a later line does not inherit the last event's id.
    assert lines[-1]["event"] == "between_events" and "correlation_id" not in lines[-1]
