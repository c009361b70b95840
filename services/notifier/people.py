"""The people the notifier tells, and how they agreed to be told.

A person is an intake account (its id, role and unit, as intake says when they call). Their
contact details are given to the notifier by themselves, for this and nothing else, and a
channel carries messages only while they agree to it: ``agreed`` is set by them and cleared by
an unsubscribe link. The in-app inbox needs no contact details and is always on. A person is
known here from their first call (the inbox badge on every page), so a unit admin who never
opened a page is not told by e-mail yet: knowingly thin, see the decision record."""

from datetime import UTC, datetime
from typing import Any, Literal

from pydantic import BaseModel, Field
from pymongo.asynchronous.client_session import AsyncClientSession
from pymongo.asynchronous.collection import AsyncCollection

from services.common.callers import Caller
from services.notifier.audience import Audience

ChannelName = Literal["email", "sms", "wechat"]
INAPP = "inapp"


class Contact(BaseModel):
    address: str = Field(max_length=254, description="E-mail address, mobile number or WeChat openid")
    agreed: bool = Field(default=False, description="The person agreed to be told on this channel")


class Preferences(BaseModel):
    english: bool = Field(default=False, description="English beside the Chinese")
    contacts: dict[ChannelName, Contact] = Field(default_factory=dict)


class People:
    def __init__(self, people: AsyncCollection[dict[str, Any]]) -> None:
        self.people = people

    async def setup(self) -> None:
        await self.people.create_index([("role", 1), ("unit_code", 1)])

    async def seen(self, caller: Caller) -> None:
        """Remember who the caller is (their role and unit may change in intake)."""
        await self.people.update_one(
            {"_id": caller.id},
            {
                "$set": {"role": caller.role, "unit_code": caller.unit_code, "seen_at": datetime.now(UTC)},
                "$setOnInsert": {"preferences": Preferences().model_dump()},
            },
            upsert=True,
        )

    async def preferences(self, person_id: str, session: AsyncClientSession | None = None) -> Preferences:
        doc = await self.people.find_one({"_id": person_id}, {"preferences": 1}, session=session)
        return Preferences.model_validate((doc or {}).get("preferences") or {})

    async def save(self, person_id: str, preferences: Preferences) -> None:
        await self.people.update_one(
            {"_id": person_id}, {"$set": {"preferences": preferences.model_dump()}}, upsert=True
        )

    async def withdraw(self, person_id: str, channel: str) -> bool:
        """An unsubscribe: the channel carries nothing more until the person agrees again."""
        done = await self.people.update_one(
            {"_id": person_id, f"preferences.contacts.{channel}": {"$exists": True}},
            {"$set": {f"preferences.contacts.{channel}.agreed": False}},
        )
        return done.matched_count == 1

    async def members(self, audience: Audience, session: AsyncClientSession | None = None) -> list[str]:
        if audience.person:
            return [audience.person]
        query: dict[str, Any] = {"role": audience.role}
        if audience.units:
            query["unit_code"] = {"$in": list(audience.units)}
        return [doc["_id"] async for doc in self.people.find(query, {"_id": 1}, session=session)]


def agreed_channels(preferences: Preferences) -> list[str]:
    return [name for name, contact in preferences.contacts.items() if contact.agreed and contact.address]
