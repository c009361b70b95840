"""Intake's submissions as a typed model, and the repository registration stores them through.

``SubmissionStore`` is what registering needs from the store: the entries already counted
against a person, and adding one. Mongo implements it here (``MongoSubmissionStore``); the unit
tier fakes it (``tests/unit/fakes.py``). The rules over these models are pure and live in
``registration.py``.

A submission document grows as the entry moves on (uploads, versions, events, approval):
the model names what registration sets and keeps the rest (``extra="allow"``)."""

from datetime import datetime
from typing import Any, Protocol

from pydantic import BaseModel, ConfigDict, Field
from pymongo.asynchronous.database import AsyncDatabase

from contracts import Attribution


class Submission(BaseModel):
    model_config = ConfigDict(populate_by_name=True, extra="allow")

    id: str = Field(alias="_id")
    campaign_id: str
    form: dict[str, Any]
    group: str | None = None
    series: str | None = None  # the series key (Shanxi's 十个系列), when the campaign has series
    details: dict[str, str] = Field(default_factory=dict)  # public form fields events carry (EntryInfo)
    attribution: Attribution
    owner: str | None = None  # the entrant's account; None when a unit admin registered it
    registered_by: str | None = None
    person_keys: list[str] = Field(default_factory=list)  # who it counts against (limits.person_keys)
    stage: str = "registered"
    version: int = 0  # 0 until the first upload
    approval: dict[str, Any] = Field(default_factory=lambda: {"state": "pending"})
    timeline: list[dict[str, Any]] = Field(default_factory=list)
    created_at: datetime

    @property
    def title(self) -> str:
        return str(self.form.get("title", ""))

    def document(self) -> dict[str, Any]:
        return self.model_dump(by_alias=True, mode="python")


class SubmissionStore(Protocol):
    async def counted_against(self, campaign_id: str, person_keys: list[str]) -> list[Submission]:
        """The campaign's entries registered by or for any of these persons."""
        ...

    async def add(self, submission: Submission) -> None: ...


class MongoSubmissionStore:
    def __init__(self, db: AsyncDatabase[dict[str, Any]]) -> None:
        self._submissions = db["submissions"]

    async def counted_against(self, campaign_id: str, person_keys: list[str]) -> list[Submission]:
        cursor = self._submissions.find({"campaign_id": campaign_id, "person_keys": {"$in": person_keys}})
        return [Submission.model_validate(d) async for d in cursor]

    async def add(self, submission: Submission) -> None:
        await self._submissions.insert_one(submission.document())
