"""The campaign builder: its page, the check it calls as the admin types, and the plan of an edit.

``POST /api/campaigns/lint`` checks a definition (an object from the page's form, or YAML from
its pane) with ``campaign_lint.py``, the model and loader intake saves with, and answers the
problems with their paths plus the definition in the other form, so form and YAML pane stay one.
``POST /api/campaigns/{id}/plan`` says what saving an edit of an existing campaign would change and
by which road (``campaign_edit.py``). Saving itself uses the routes there already are:
``POST``/``PUT /api/campaigns`` and the live changes. Decision 0035."""

import asyncio
import json
from typing import Any

import yaml
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, Response
from jinja2.utils import htmlsafe_json_dumps
from pydantic import BaseModel, Field

from contracts.campaign import Campaign
from services.common.capped_body import capped_body
from services.common.errors import ServiceError, responses
from services.intake.api import definition_fixed
from services.intake.campaign_edit import plan_edit
from services.intake.campaign_lint import lint_definition, lint_yaml
from services.intake.dependencies import CampaignAdmin, CampaignInPath, Intake, MaybeUser
from services.intake.pages import CAMPAIGN_PAGE, LOGGED_IN_PAGE, Viewer, logged_in, of_campaign, render
from services.intake.presets import (
    MAX_DEFINITION_BYTES,
    UnknownPreset,
    list_presets,
    load_preset,
)

router = APIRouter(tags=["intake: campaign builder"], route_class=capped_body(MAX_DEFINITION_BYTES))

# Where "from scratch" starts: what the model requires, with the field every form has.
BLANK: dict[str, Any] = {
    "id": "",
    "title": "",
    "issuer": "",
    "form": [{"key": "title", "label": "作品名称"}],
    "materials": [],
    "review_levels": [],
}


class Definition(BaseModel):
    """A definition as the form holds it, or as YAML (one of the two)."""

    definition: dict[str, Any] | None = None
    definition_yaml: str | None = None


class Problem(BaseModel):
    path: str = Field(description="Where, as a YAML path, e.g. review_levels[1].outcome.award_cap")
    message_zh: str
    message_en: str
    severity: str = Field(description="error (intake refuses it) or warning (allowed, probably unmeant)")


class Checked(BaseModel):
    problems: list[Problem]
    definition: dict[str, Any] | None = Field(description="The definition as an object (null: not YAML)")
    definition_yaml: str | None = Field(description="The same as YAML")


class EditPlanAnswer(BaseModel):
    road: str = Field(description="unchanged | replace (PUT) | live (POST .../changes) | refused")
    diff: list[dict[str, Any]]
    change: dict[str, Any] | None = Field(description="For road=live: the change's body, without reason")
    refused: list[dict[str, str]]


@router.post("/api/campaigns/lint", response_model=Checked, responses=responses(400, 401, 403, 413, 422))
async def lint_campaign(body: Definition, _: CampaignAdmin) -> Checked:
    """Every problem of a definition, with its path; nothing is stored."""
    if body.definition is None and body.definition_yaml is None:
        raise ServiceError(422, "请提供活动定义", "give a definition or definition_yaml")
    # Bounded (presets.MAX_YAML_NODES), yet a body near the cap takes a good part of a second of
    # pure Python to read and check: off the event loop, which serves every upload meanwhile.
    return await asyncio.to_thread(_checked, body)


def _checked(body: Definition) -> Checked:
    if body.definition is not None:
        found = lint_definition(body.definition)
        data: dict[str, Any] | None = body.definition if found.readable else None  # None: too deep
        text: str | None = _as_yaml(body.definition) if found.readable else None
    else:
        text = body.definition_yaml or ""
        found = lint_yaml(text)
        data = _as_json(found.data) if found.readable else None
    problems = [Problem.model_validate(p) for p in found.as_json()]
    return Checked(problems=problems, definition=data, definition_yaml=text)


@router.post(
    "/api/campaigns/{campaign_id}/plan",
    response_model=EditPlanAnswer,
    responses=responses(400, 401, 403, 404, 413, 422),
)
async def plan_campaign_edit(
    campaign_id: str, body: Definition, svc: Intake, _: CampaignAdmin, current: CampaignInPath
) -> EditPlanAnswer:
    """What saving this edit would change, and whether it is a replacement, a live change or refused."""
    if body.definition is not None:
        data = body.definition
    else:  # unreadable YAML is named as such, as the check names it, not as a definition missing all
        read = await asyncio.to_thread(lint_yaml, body.definition_yaml or "")
        if not read.readable:
            problems = [p.line() for p in read.errors]
            raise ServiceError(422, "活动定义有误", "invalid campaign definition", problems=problems)
        data = read.data
    found = await asyncio.to_thread(lint_definition, {**data, "id": campaign_id})
    if found.campaign is None:
        problems = [p.line() for p in found.errors]
        raise ServiceError(422, "活动定义有误", "invalid campaign definition", problems=problems)
    running = await definition_fixed(svc, current) is not None
    decided = await svc.change_log.decided(campaign_id)
    plan = plan_edit(current, found.campaign, running, decided)
    return EditPlanAnswer(road=plan.road, diff=plan.diff, change=plan.change, refused=plan.refused)


@router.get("/admin/builder", response_class=HTMLResponse, responses=LOGGED_IN_PAGE)
async def builder_page(request: Request, user: MaybeUser, preset: str | None = None) -> Response:
    """A new campaign, from scratch or from a preset (``?preset=``)."""

    async def page(viewer: Viewer) -> Response:
        start, problem = BLANK, None
        if preset:
            try:
                start = _start_of(load_preset(preset))
            except UnknownPreset as exc:
                problem = str(exc)
        chosen: dict[str, Any] = {"preset": preset, "problem": problem, "presets": list_presets()}
        return render("builder.html", viewer, start=_script(start), **chosen)

    return await logged_in(request, user, ("campaign_admin",), page)


@router.get("/campaigns/{campaign_id}/builder", response_class=HTMLResponse, responses=CAMPAIGN_PAGE)
async def edit_page(request: Request, campaign_id: str, svc: Intake, user: MaybeUser) -> Response:
    current = await svc.find_campaign(campaign_id)
    start = _start_of(current) if current else BLANK
    return await of_campaign(
        request, svc, user, campaign_id, ("campaign_admin",), "builder.html", start=_script(start), presets=[]
    )


def _start_of(campaign: Campaign) -> dict[str, Any]:
    """The definition as an admin would write it: what the notice says, no defaults, no versions."""
    spec = campaign.model_dump(mode="json", exclude_defaults=True)
    spec.pop("live", None)
    return spec


def _script(start: dict[str, Any]) -> str:
    """The definition for the page's JSON script element: in the model's order (Jinja's ``tojson``
    sorts keys), and safe inside HTML."""
    return str(htmlsafe_json_dumps(start, dumps=json.dumps, ensure_ascii=False))


def _as_json(data: Any) -> dict[str, Any] | None:
    """YAML's dates become ISO strings, as the form holds them; None for what JSON cannot hold
    (a mapping keyed by dates), which the check has named already."""
    try:
        return json.loads(json.dumps(data, default=str)) if isinstance(data, dict) else None
    except (TypeError, ValueError, RecursionError):
        return None


def _as_yaml(data: dict[str, Any]) -> str:
    # The model's order at the top (id, title, issuer... as a notice reads), whatever the form's.
    data = {**{k: data[k] for k in Campaign.model_fields if k in data}, **data}
    return yaml.safe_dump(data, allow_unicode=True, sort_keys=False, default_flow_style=None, width=100)
