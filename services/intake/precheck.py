"""The pre-check: the header rules run on what the entrant's browser read, before any upload.

The page reads the chosen file where it is (``static/precheck_read.js``) and sends a few of its
headers here; the answer is the findings the validator's header check would give, each with its
fix, so a teacher on a slow line learns of a 30 fps export before twenty minutes of uploading.
One implementation of the rules (``services.media.header_rules``), fed by the browser's headers
(``services.media.browser_probe``) as the validator feeds it ffprobe's. The entrant may still
upload: the validator's check of the uploaded file is the one that counts, and the answer says so.

The body is hostile: read with a cap before it is parsed (``services.common.capped_body``), every
field bounded (``BrowserHeaders``), and each account's pre-checks counted in a window (the intake
service's ``precheck_limit``).
"""

from typing import Annotated

from fastapi import APIRouter
from pydantic import BaseModel, ConfigDict, Field

from contracts.campaign import WorkKind
from contracts.events import Finding, Severity
from services.common.capped_body import capped_body
from services.common.errors import ServiceError, responses
from services.intake.dependencies import CurrentUser, Intake, VisibleSubmission
from services.media.browser_probe import BrowserHeaders, probe_from_browser
from services.media.header_rules import header_findings, media_spec, unreadable
from services.media.probe import ProbeFailed

MAX_BODY_BYTES = 64 * 1024  # what the page sends is about 2 KB; the bounds of the model allow ~40 KB
SERVER_COUNTS_ZH = "这是上传前的预检，仅供参考；以上传后服务器的检测结果为准，您仍可上传。"
SERVER_COUNTS_EN = (
    "A pre-check before the upload, for guidance: the server's check after the upload is the one "
    "that counts; you may still upload."
)


router = APIRouter(tags=["intake: pre-check"], route_class=capped_body(MAX_BODY_BYTES))


class PrecheckRequest(BaseModel):
    model_config = ConfigDict(extra="forbid")

    # Which of the entry's materials the file is for; None: the entry's work.
    material: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$", max_length=64)] | None = None
    headers: BrowserHeaders


class PrecheckAnswer(BaseModel):
    checked: bool  # False: this material is not audio or video, so there are no header rules to run
    passed: bool  # no error among the findings (warnings do not fail an entry)
    findings: list[Finding]  # each with its fix, in the validator's report order
    note_zh: str = SERVER_COUNTS_ZH
    note_en: str = SERVER_COUNTS_EN


@router.post(
    "/api/submissions/{submission_id}/precheck",
    response_model=PrecheckAnswer,
    responses=responses(400, 401, 403, 404, 413, 422, 429),
)
async def precheck(
    submission_id: str, body: PrecheckRequest, svc: Intake, user: CurrentUser, sub: VisibleSubmission
) -> PrecheckAnswer:
    """上传前预检 / Check the headers the browser read of a file, before it is uploaded."""
    limit = svc.precheck_limit
    keys = [f"account:{user.id}"]
    await limit.refuse_when_over(keys, "预检过于频繁", "too many pre-checks")
    await limit.record(keys)
    campaign = await svc.find_campaign(sub["campaign_id"])
    assert campaign is not None
    material = campaign.work_material(sub.get("series"), body.material)
    if body.material is not None and (material is None or material.key != body.material):
        raise ServiceError(404, "没有这项材料", f"no material {body.material!r} in this entry")
    if material is None or material.kind not in (WorkKind.VIDEO, WorkKind.AUDIO):
        return PrecheckAnswer(checked=False, passed=True, findings=[])
    try:
        findings = header_findings(probe_from_browser(body.headers), media_spec(material))
    except ProbeFailed as failure:
        findings = [unreadable(failure)]
    errors = [f for f in findings if f.severity is Severity.ERROR]
    return PrecheckAnswer(checked=True, passed=not errors, findings=findings)
