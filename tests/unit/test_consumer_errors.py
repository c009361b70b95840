"""Which failures dead-letter a message and which only make it wait (consumer.is_outage)."""

from aiokafka.errors import KafkaConnectionError
from pymongo.errors import AutoReconnect, DuplicateKeyError, OperationFailure, ServerSelectionTimeoutError

from services.common.consumer import is_outage


def test_an_unreachable_store_or_broker_is_an_outage_not_a_bad_message() -> None:
    assert is_outage(ServerSelectionTimeoutError("no servers"))
    assert is_outage(AutoReconnect("connection reset"))
    assert is_outage(KafkaConnectionError("broker down"))


def test_a_transient_transaction_conflict_waits_too() -> None:
    conflict = OperationFailure(
        "write conflict", code=112, details={"errorLabels": ["TransientTransactionError"]}
    )
    assert is_outage(conflict)


def test_bugs_and_bad_data_are_not_outages_and_end_in_the_dlq() -> None:
    assert not is_outage(ValueError("bad value"))
    assert not is_outage(KeyError("missing"))
    assert not is_outage(DuplicateKeyError("dup"))
    assert not is_outage(OperationFailure("bad update", code=9))
