"""The record of each (submission, target): its state, and the platform's id for the work.

The publisher keeps what it published (and the public facts it published) so
that a work can later be updated or retracted, the showcase page can list it,
and every ``published`` event can be built without the review event at hand.
What a ``reviewed`` event delivers is decided here too (``deliveries_for``, pure)."""

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from contracts import Attribution, EntryInfo, SubmissionPublished, SubmissionReviewed
from contracts.campaign import Campaign, PublicationTarget
from services.publisher.payload import blob_url
from services.publisher.privacy import private_names, public_attribution, public_entry
from services.publisher.publication_store import Delivery, DeliveryPlan, DeliveryStore, PublicationRecord
from services.publisher.targets import not_before, platform_of, qualifying_targets

PENDING, PUBLISHED, FAILED, RETRACTED = "pending", "published", "failed", "retracted"
Publication = dict[str, Any]


def publication_id(submission_id: str, target: str) -> str:
    """Also the publish job's id and the idempotency key the platform sees."""
    return f"{submission_id}:{target}"


def public_facts(campaign: Campaign, event: SubmissionReviewed) -> dict[str, Any]:
    """What may be shown of the work, as of this review event."""
    return {
        "entry": public_entry(event.entry, private_names(campaign, event.attribution)).model_dump(
            mode="json"
        ),
        "attribution": public_attribution(campaign, event.attribution).model_dump(mode="json"),
        "award_tier": event.award_tier,
        "level": event.level,
        # Each rendition's path on zhengji's own web address (a blob, or a file of an HLS package).
        "renditions": {r.name: blob_url("", r) for r in event.renditions},
        # What the master is (a video, or an audio work, a quiz set, a text sent as it is), so the
        # showcase plays it, or links to it, accordingly.
        "master_type": next((r.blob.media_type for r in event.renditions if r.name == "master"), None),
        "review_event_id": str(event.event_id),
    }


def new_publication(
    campaign: Campaign, target: PublicationTarget, event: SubmissionReviewed, not_before: datetime | None
) -> PublicationRecord:
    return PublicationRecord.model_validate(
        {
            "_id": publication_id(event.submission_id, target.key),
            "submission_id": event.submission_id,
            "campaign_id": campaign.id,
            "target": target.key,
            "target_name": target.name,
            "platform": platform_of(target.url),
            "correlation_id": event.correlation_id,
            **public_facts(campaign, event),
            "status": PENDING,
            "not_before": not_before,
            "created_at": datetime.now(UTC),
        }
    )


def deliveries_for(
    campaign: Campaign, event: SubmissionReviewed, existing: dict[str, PublicationRecord | None]
) -> DeliveryPlan:
    """What a ``reviewed`` event delivers, given the records of its qualifying targets.

    A target without a record gets one and a publish job (from its ``publish_at``); a work already
    published there, qualifying again from another review event (e.g. a changed award), gets an
    update of the platform's copy; anything else (pending, failed, retracted) is left as it is."""
    plan = DeliveryPlan()
    for target in qualifying_targets(campaign, event):
        pid = publication_id(event.submission_id, target.key)
        common = {"campaign_id": campaign.id, "event": event.model_dump_json()}
        snapshot = target.model_dump(mode="json")
        pub = existing.get(pid)
        if pub is not None:
            if pub.status == PUBLISHED and pub.review_event_id != str(event.event_id):
                update = {"action": "update", "publication_id": pid, **common, "target_snapshot": snapshot}
                plan.deliveries.append(Delivery(f"{pid}:update:{event.event_id}", update))
            continue
        when = not_before(campaign, target)
        plan.publications.append(new_publication(campaign, target, event, when))
        publish = {
            "action": "publish",
            "submission_id": event.submission_id,
            "target": target.key,
            **common,
            "target_snapshot": snapshot,
        }
        plan.deliveries.append(Delivery(pid, publish, when))
    return plan


async def queue_deliveries(store: DeliveryStore, campaign: Campaign, event: SubmissionReviewed) -> None:
    """Store what ``deliveries_for`` decides (in the consumer's transaction, in production)."""
    pids = [publication_id(event.submission_id, t.key) for t in qualifying_targets(campaign, event)]
    plan = deliveries_for(campaign, event, {pid: await store.publication(pid) for pid in pids})
    for publication in plan.publications:
        await store.add(publication)
    for delivery in plan.deliveries:
        await store.enqueue(delivery)


def published_event(
    pub: Publication,
    status: str,
    *,
    causation_id: str | None = None,
    remote_id: str | None = None,
    url: str | None = None,
    reason: str | None = None,
    attempts: int | None = None,
) -> SubmissionPublished:
    return SubmissionPublished(
        submission_id=pub["submission_id"],
        campaign_id=pub["campaign_id"],
        correlation_id=pub["correlation_id"],
        causation_id=UUID(causation_id) if causation_id else None,
        producer="publisher",
        entry=EntryInfo.model_validate(pub["entry"]),
        attribution=Attribution.model_validate(pub["attribution"]),
        target=pub["target"],
        target_name=pub.get("target_name"),
        status=status,
        remote_id=remote_id,
        url=url,
        award_tier=pub.get("award_tier"),
        reason=reason,
        attempts=attempts,
    )
