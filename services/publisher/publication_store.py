"""Publication records as a typed model, and the repository a ``reviewed`` event queues through.

``DeliveryStore`` is what queueing a reviewed work's deliveries needs: read a publication,
add one, enqueue a delivery job. Mongo implements it inside the consumer's transaction
(``MongoDeliveryStore``); the unit tier fakes it (``tests/unit/fakes.py``). What a reviewed
event delivers is decided by a pure function, ``publications.deliveries_for``.

The delivery workers (``publishing.py``) still read records as documents (``Publication``);
the model keeps every field it does not name, so either reading sees the same record."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.common.jobs import JobTable


class PublicationRecord(BaseModel):
    """One (submission, target): what was published there, and how far it got."""

    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: str = Field(alias="_id")  # <submission>:<target>, also the publish job's id
    submission_id: str
    campaign_id: str
    target: str
    target_name: str | None = None
    platform: str
    correlation_id: str
    entry: dict[str, Any]  # the public facts as of review_event_id (publications.public_facts)
    attribution: dict[str, Any]
    award_tier: str | None = None
    level: str
    renditions: dict[str, str] = Field(default_factory=dict)
    master_type: str | None = None
    review_event_id: str
    status: str
    not_before: datetime | None = None
    created_at: datetime

    def document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True)


@dataclass(frozen=True)
class Delivery:
    """A delivery job to queue: publish a work, or update the platform's copy."""

    job_id: str
    payload: dict[str, Any]
    not_before: datetime | None = None


@dataclass(frozen=True)
class DeliveryPlan:
    publications: list[PublicationRecord] = field(default_factory=list)
    deliveries: list[Delivery] = field(default_factory=list)


class DeliveryStore(Protocol):
    async def publication(self, publication_id: str) -> PublicationRecord | None: ...

    async def add(self, publication: PublicationRecord) -> None: ...

    async def enqueue(self, delivery: Delivery) -> None:
        """Queue it unless a job with its id exists (a redelivered event queues nothing twice)."""
        ...


class MongoDeliveryStore:
    """The publisher's ``publications`` and ``deliveries`` within one transaction (``session``)."""

    def __init__(
        self,
        publications: AsyncCollection[dict[str, Any]],
        deliveries: JobTable,
        session: AsyncClientSession,
    ) -> None:
        self._publications, self._deliveries, self._session = publications, deliveries, session

    async def publication(self, publication_id: str) -> PublicationRecord | None:
        doc = await self._publications.find_one({"_id": publication_id}, session=self._session)
        return None if doc is None else PublicationRecord.model_validate(doc)

    async def add(self, publication: PublicationRecord) -> None:
        await self._publications.insert_one(publication.document(), session=self._session)

    async def enqueue(self, delivery: Delivery) -> None:
        await self._deliveries.enqueue(
            delivery.job_id, delivery.payload, 0.0, self._session, not_before=delivery.not_before
        )
