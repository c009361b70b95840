"""Which campaign's admins hear of which dead letters, and how far a sweep has read."""

import json

from services.common.dead_letter_admin import DeadLetter
from services.notifier.dead_letters import (
    UNKNOWN_CAMPAIGN_GRACE_MS,
    held_back,
    notice_of,
    parked_by_campaign,
    read_up_to,
)

DLQ = "zhengji.submission.validated.v1.dlq"


def letter(
    partition: int, offset: int, value: bytes, group: str = "zhengji-transcoder"
) -> tuple[str, DeadLetter]:
    return DLQ, DeadLetter(partition, offset, value, {"x-consumer-group": group})


def event(campaign_id: object) -> bytes:
    return json.dumps({"event_type": "submission.validated", "campaign_id": campaign_id}).encode()


def test_dead_letters_are_grouped_by_campaign_and_service_and_poison_tells_nobody() -> None:
    read = [
        letter(0, 4, event("a")),
        letter(1, 0, b"\xff not json"),
        letter(1, 1, event(["not", "an", "id"])),
        letter(0, 5, event("b"), group="zhengji-review"),
        letter(1, 2, event("a"), group="zhengji-intake"),
        letter(0, 6, event("a")),
    ]
    a, b = parked_by_campaign(read)
    assert (a.campaign_id, a.first, a.count, a.by_service()) == (
        "a",
        f"{DLQ}:0:4",
        3,
        "intake 1条、transcoder 2条",
    )
    assert (b.campaign_id, b.count) == ("b", 1)
    assert read_up_to(read) == {(DLQ, 0): 6, (DLQ, 1): 2}  # the poison is read past, not again
    notice = notice_of(a, "https://zhengji.example.cn/")
    assert (notice.zh["title"], notice.zh["link"]) == ("3条消息", "https://zhengji.example.cn/admin")
    assert notice.en["detail"] == "intake 1, transcoder 2"


def test_a_letter_of_a_campaign_not_known_yet_waits_with_those_after_it_until_the_grace_ends() -> None:
    now = 10 * UNKNOWN_CAMPAIGN_GRACE_MS

    def parked(partition: int, offset: int, campaign_id: str, age_ms: int) -> tuple[str, DeadLetter]:
        return DLQ, DeadLetter(partition, offset, event(campaign_id), {}, now - age_ms)

    read = [
        parked(0, 0, "a", 1000),
        parked(0, 1, "new", 1000),  # a campaign whose definition may still be on its way
        parked(0, 2, "a", 1000),  # after it in its partition: waits with it
        parked(1, 0, "a", 1000),
        parked(1, 1, "gone", UNKNOWN_CAMPAIGN_GRACE_MS + 1),  # unknown for over the grace: passed
        parked(1, 2, "a", 1000),
    ]
    passed = held_back(read, {"new", "gone"}, now)
    assert [(d.partition, d.offset) for _, d in passed] == [(0, 0), (1, 0), (1, 1), (1, 2)]
    assert read_up_to(passed) == {(DLQ, 0): 0, (DLQ, 1): 2}
    assert held_back(read, set(), now) == read
