"""When a campaign's works may go out, applied to queued deliveries as the campaign changes.

A publish job waits in the delivery table with a ``not_before`` (``targets.not_before``: the later
of the target's ``publish_at`` and the campaign's ``showcase_from``, in the campaign's calendar);
no worker sleeps on it, the job runner claims it when the day arrives. A live change of either date
(decision 0027) reaches the publisher as a new ``campaign.defined``: jobs not yet tried get the new
date (earlier or later), and a job claimed under an older definition checks the date again before
it sends (``hold``), so a date moved later is never missed by a job already due."""

from datetime import UTC, datetime
from typing import Any

from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from contracts.campaign import Campaign, PublicationTarget
from services.common.jobs import QUEUED, JobTable
from services.publisher.publications import PENDING
from services.publisher.targets import not_before
from services.publisher.worker import Later


def hold(campaign: Campaign, target: PublicationTarget, now: datetime | None = None) -> Later | None:
    """The release until the target's date when it has not come yet; None when the work may go."""
    when = not_before(campaign, target)
    if when is not None and when > (now or datetime.now(UTC)):
        return Later(when, {"waiting_for": "showcase_from" if campaign.showcase_from else "publish_at"})
    return None


async def reschedule(
    campaign: Campaign,
    deliveries: JobTable,
    publications: AsyncCollection[dict[str, Any]],
    session: AsyncClientSession,
) -> None:
    """Give every untried publish job of the campaign its target's date as the campaign now says."""
    for target in campaign.publication_targets:
        when = not_before(campaign, target)
        jobs = {
            "payload.campaign_id": campaign.id,
            "payload.action": "publish",
            "payload.target": target.key,
            "state": QUEUED,
            "total_tries": {"$exists": False},  # a retry's backoff stays as it is
        }
        await deliveries.jobs.update_many(jobs, {"$set": {"not_before": when}}, session=session)
        pending = {"campaign_id": campaign.id, "target": target.key, "status": PENDING}
        await publications.update_many(pending, {"$set": {"not_before": when}}, session=session)
    deliveries.wake.set()
