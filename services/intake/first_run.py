"""The first-run checklist: what a new installation's campaign admin does first, each step ticked
from the store as it is done.

1. import the organisation tree (intake's units), 2. create a campaign from a preset or with the
builder (intake's campaigns), 3. add unit admins (intake's accounts), 4. invite experts. Experts
live in review's store, which intake never reads: the page asks review's plan of each campaign
(``/api/review/campaigns/{id}/plan``) and ticks the fourth step there (``static/first_run.js``)."""

from typing import Any

from fastapi import APIRouter
from pydantic import BaseModel, Field

from services.common.errors import responses
from services.intake.app import IntakeService
from services.intake.dependencies import CampaignAdmin, Intake

router = APIRouter(tags=["intake: first run"])
BUILDER = "/admin/builder"  # the campaign builder's page (decision 0035)


class Step(BaseModel):
    key: str
    title_zh: str
    title_en: str
    href: str
    done: bool | None = None  # None: intake cannot tell (review's experts: the page asks review)
    count: int | None = None
    alt_href: str | None = Field(default=None, description="A second way to do it (the builder)")


class Checklist(BaseModel):
    steps: list[Step]
    campaign_ids: list[str]
    done: bool


def _step(key: str, zh: str, en: str, href: str, alt_href: str | None = None) -> dict[str, Any]:
    return {"key": key, "title_zh": zh, "title_en": en, "href": href, "alt_href": alt_href}


STEPS = [
    _step("units", "导入组织机构（省、市、县、学校）", "Import the organisation tree", "/admin#import-form"),
    _step(
        "campaign",
        "创建征集活动（从预设或用活动构建器）",
        "Create a campaign (from a preset or with the builder)",
        "/admin#create-form",
        BUILDER,
    ),
    _step("unit_admins", "添加单位管理员", "Add unit admins", "/admin#unit-admin-form"),
    _step("experts", "邀请评审专家", "Invite experts", "/admin#experts-form"),
]


async def checklist(svc: IntakeService, campaign_ids: list[str] | None = None) -> dict[str, Any]:
    """``campaign_ids``: every campaign's, newest first, where the page has read them already."""
    if campaign_ids is None:
        campaign_ids = [d["_id"] async for d in svc.campaigns.find({}, {"_id": 1}).sort("created_at", -1)]
    counts = {
        "units": await svc.units.units.count_documents({}),
        "campaign": len(campaign_ids),
        "unit_admins": await svc.accounts.users.count_documents({"role": "unit_admin"}),
    }
    ids = campaign_ids[:50]
    steps = [
        {**s, "done": counts[s["key"]] > 0 if s["key"] in counts else None, "count": counts.get(s["key"])}
        for s in STEPS
    ]
    return {"steps": steps, "campaign_ids": ids, "done": all(s["done"] for s in steps[:3])}


@router.get("/api/setup/checklist", response_model=Checklist, responses=responses(401, 403))
async def setup_checklist(svc: Intake, _: CampaignAdmin) -> dict[str, Any]:
    """The first-run steps and which are done (the experts' step: see review's plan)."""
    return await checklist(svc)
