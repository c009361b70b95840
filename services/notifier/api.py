"""The notifier's HTTP API: a person's inbox and contact choices; parked sends for admins.

Every route asks intake who is calling (``services/common/callers.py``), or review for a
reviewer (``recipients.py``), and remembers the caller's role and unit (``People.seen``): that is
how unit admins, campaign admins and reviewers become people the notifier can tell. Contact
details are never shown to anyone but their owner."""

from datetime import datetime
from typing import Annotated, Any

from bson import ObjectId
from bson.errors import InvalidId
from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from services.common.callers import CampaignAdmin
from services.common.errors import ServiceError, responses
from services.common.jobs import FAILED
from services.common.web import service
from services.notifier.app import NotifierService
from services.notifier.people import Contact, Preferences
from services.notifier.recipients import Recipient

Notifier = Annotated[NotifierService, Depends(service(NotifierService))]
router = APIRouter(prefix="/api/notifier", tags=["notifier"], responses=responses(401, 403, 503))
BODY = responses(400)  # a body that is not JSON


class InboxMessage(BaseModel):
    id: str
    kind: str
    subject: str
    body: str
    link: str | None = None
    read: bool
    created_at: datetime


class Inbox(BaseModel):
    unread: int = Field(description="Messages not read yet (the badge)")
    messages: list[InboxMessage]


class Marked(BaseModel):
    marked: int


class Choice(BaseModel):
    agreed: bool = Field(description="The person agrees to be told on this channel")


class EmailChoice(Choice):
    address: str = Field(min_length=3, max_length=254, pattern=r"^[^@\s]+@[^@\s]+$")


class PhoneChoice(Choice):
    address: str = Field(max_length=20, pattern=r"^\+?[0-9][0-9 -]{4,19}$", description="e.g. 13800138000")


class WeChatChoice(Choice):
    address: str = Field(max_length=64, pattern=r"^[A-Za-z0-9_-]+$", description="The openid for our account")


class ContactsIn(BaseModel):
    """The channels the caller gives an address for (the schema says what each address looks like)."""

    email: EmailChoice | None = None
    sms: PhoneChoice | None = None
    wechat: WeChatChoice | None = None


class PreferencesIn(BaseModel):
    english: bool = False
    contacts: ContactsIn = Field(default_factory=ContactsIn)


class ChannelsAvailable(BaseModel):
    preferences: Preferences
    available: list[str] = Field(description="Channels this deployment can send on")


class Parked(BaseModel):
    id: str
    campaign_id: str
    kind: str
    channel: str
    person_id: str
    tries: int
    last_error: str | None = None
    finished_at: datetime | None = None


def _message(doc: dict[str, Any]) -> InboxMessage:
    return InboxMessage(id=str(doc["_id"]), **{k: doc.get(k) for k in InboxMessage.model_fields if k != "id"})


@router.get("/inbox", response_model=Inbox)
async def inbox(svc: Notifier, caller: Recipient, limit: Annotated[int, Query(ge=1, le=200)] = 20) -> Inbox:
    await svc.people.seen(caller)
    mine = {"person_id": caller.id}
    unread = await svc.mailbox.count_documents({**mine, "read": False})
    cursor = svc.mailbox.find(mine).sort("created_at", -1).limit(limit)
    return Inbox(unread=unread, messages=[_message(doc) async for doc in cursor])


@router.post("/inbox/{message_id}/read", response_model=Marked, responses=responses(404))
async def mark_read(svc: Notifier, caller: Recipient, message_id: str) -> Marked:
    try:
        key = ObjectId(message_id)
    except InvalidId as exc:
        raise ServiceError(404, "消息不存在", "no such message") from exc
    done = await svc.mailbox.update_one({"_id": key, "person_id": caller.id}, {"$set": {"read": True}})
    if done.matched_count == 0:
        raise ServiceError(404, "消息不存在", "no such message")
    return Marked(marked=done.modified_count)


@router.post("/inbox/read-all", response_model=Marked)
async def mark_all_read(svc: Notifier, caller: Recipient) -> Marked:
    done = await svc.mailbox.update_many({"person_id": caller.id, "read": False}, {"$set": {"read": True}})
    return Marked(marked=done.modified_count)


@router.get("/me", response_model=ChannelsAvailable)
async def my_preferences(svc: Notifier, caller: Recipient) -> ChannelsAvailable:
    await svc.people.seen(caller)
    available = sorted({name.split(":")[0] for name in svc.channels})
    return ChannelsAvailable(preferences=await svc.people.preferences(caller.id), available=available)


@router.put("/me", response_model=ChannelsAvailable, responses=BODY)
async def choose(svc: Notifier, caller: Recipient, choice: PreferencesIn) -> ChannelsAvailable:
    """The caller's own contact details and the channels they agree to (nobody else sets them)."""
    await svc.people.seen(caller)
    given = choice.contacts
    contacts = {
        name: Contact(address=c.address.strip(), agreed=c.agreed)
        for name, c in (("email", given.email), ("sms", given.sms), ("wechat", given.wechat))
        if c is not None
    }
    await svc.people.save(
        caller.id, Preferences.model_validate({"english": choice.english, "contacts": contacts})
    )
    return await my_preferences(svc, caller)


@router.get("/parked", response_model=list[Parked])
async def parked(svc: Notifier, admin: CampaignAdmin) -> list[Parked]:
    """Sends that failed for good: what, to whom (account id, never the address) and why."""
    await svc.people.seen(admin)
    cursor = svc.sends.jobs.find({"state": FAILED, "parked": True}).sort("finished_at", -1).limit(500)
    return [
        Parked(
            id=doc["_id"],
            campaign_id=doc["payload"]["campaign_id"],
            kind=doc["payload"]["kind"],
            channel=doc["payload"]["channel"],
            person_id=doc["payload"]["person_id"],
            tries=int(doc.get("tries", 0)),
            last_error=doc.get("last_error"),
            finished_at=doc.get("finished_at"),
        )
        async for doc in cursor
    ]


@router.post("/parked/{send_id}/retry", response_model=Marked, responses=responses(404))
async def retry(svc: Notifier, admin: CampaignAdmin, send_id: str) -> Marked:
    requeued = await svc.sends.requeue(send_id, parked=False, tries=0)
    if not requeued:
        raise ServiceError(404, "没有该条已停止的发送", "no such parked send")
    return Marked(marked=1)
