"""Certificates: the chair downloads a finalised round's 获奖证书 (one PDF to print, or a ZIP of one
PDF per award), an entrant their entry's own; anyone checks a certificate's number, as JSON or on
the page its QR code opens."""

from typing import Any

from fastapi import APIRouter, Response
from fastapi.responses import HTMLResponse
from pydantic import BaseModel, Field

from services.common.callers import SeenSubmission
from services.common.downloads import attachment
from services.common.errors import ServiceError, responses
from services.review.certificates import batch, issued, lookup, of_entry, pdf
from services.review.dependencies import ChairRound, Review
from services.review.pages import REFUSED, render

CHAIR = (401, 403, 404, 409, 503)
PDF, ZIP = "application/pdf", "application/zip"
MAX_CODE = 64

router = APIRouter()


class CertificateView(BaseModel):
    """What a certificate says, as issued (the public verification answer)."""

    code: str = Field(description="证书编号 as printed")
    campaign_title: str
    issuer: str
    level_name: str
    award: str
    title: str
    author: str | None = Field(description="Only where the campaign makes authors public")
    unit_name: str
    issued_on: str = Field(description="Date printed on it (the campaign's calendar), YYYY-MM-DD")


def _file(kind: str) -> dict[int | str, dict[str, Any]]:
    return {200: {"content": {kind: {"schema": {"type": "string", "format": "binary"}}}}, **responses(*CHAIR)}


def _named(round_id: str, suffix: str) -> str:
    """The download's name from the round's id (campaign:level), as the exports are named."""
    return f"{round_id.replace(':', '-')}-获奖证书.{suffix}"


def _attachment(data: bytes, media_type: str, ascii_name: str, name: str) -> Response:
    return Response(data, media_type=media_type, headers=attachment(name, ascii_name))


@router.get("/api/review/rounds/{round_id}/certificates.pdf", response_class=Response, responses=_file(PDF))
async def certificates_pdf(svc: Review, chaired: ChairRound, round_id: str) -> Response:
    """Every award of the finalised round, one page each, in one PDF (to print)."""
    data = await pdf(svc, await issued(svc, chaired.round))
    return _attachment(data, PDF, "certificates.pdf", _named(round_id, "pdf"))


@router.get("/api/review/rounds/{round_id}/certificates.zip", response_class=Response, responses=_file(ZIP))
async def certificates_zip(svc: Review, chaired: ChairRound, round_id: str) -> Response:
    """One PDF per award (to send each school its own)."""
    data = await batch(svc, chaired.round)
    return _attachment(data, ZIP, "certificates.zip", _named(round_id, "zip"))


@router.get(
    "/api/review/submissions/{submission_id}/certificates/{level}.pdf",
    response_class=Response,
    responses=_file(PDF),
)
async def entry_certificate(svc: Review, submission_id: SeenSubmission, level: str) -> Response:
    """An entry's 获奖证书 of a level, for those who may see the entry (its entrant, the admins of
    its unit and above, campaign admins), once the level's result is final."""
    found = await of_entry(svc, submission_id, level)
    data = await pdf(svc, [found])
    name = f"{found['title'][:40]}-{found['award']}-获奖证书.pdf".replace("/", "_")
    return _attachment(data, PDF, "certificate.pdf", name)


@router.get("/api/review/certificates/{code}", response_model=CertificateView, responses=responses(404))
async def certificate(svc: Review, code: str) -> dict[str, Any]:
    """A certificate's number, as printed (dashes and case do not matter): what it was issued for."""
    return await lookup(svc, code[:MAX_CODE])


@router.get("/review/verify/{code}", response_class=HTMLResponse, response_model=None, responses=REFUSED)
async def verify_page(svc: Review, code: str) -> Response:
    """The page a certificate's QR code opens: genuine and what for, or not found."""
    try:
        found = await lookup(svc, code[:MAX_CODE])
    except ServiceError as exc:
        return render("verify.html", exc.status, found=None, code=code[:MAX_CODE], who=None)
    return render("verify.html", found=found, code=found["code"], who=None)
