"""Which campaign's admins hear of which dead letters, and how far a sweep has read."""

import json

from services.common.dead_letter_admin import DeadLetter
from services.notifier.dead_letters import notice_of, parked_by_campaign, read_up_to

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
