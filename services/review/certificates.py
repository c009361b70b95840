"""Certificates (获奖证书) for a finalised round's awards, and their public verification.

A certificate is issued once per awarded entry of a round: its number is drawn at random the first
time the round's certificates are asked for and kept in ``certificates`` (unique per round and
entry), so downloading again prints the same numbers, and anyone holding a printed certificate
can check it at ``/review/verify/<number>``, which shows what the certificate says, from the
store, not from the paper. Only finalised rounds have certificates: a result in 公示 may still
change on appeal. The chair downloads a round's; an entrant downloads their entry's own (the
notifier tells them it is ready when the level's result arrives)."""

import asyncio
import io
import secrets
import zipfile
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pymongo import ASCENDING
from pymongo.errors import BulkWriteError

from contracts.calendar import campaign_today
from services.common.errors import ServiceError
from services.review.certificate_pdf import Certificate, FontMissing, render
from services.review.report_rows import rows_of
from services.review.round_store import FINAL
from services.review.rounds import RoundContext, context

if TYPE_CHECKING:
    from services.review.app import ReviewService

DUPLICATE_KEY = 11000
FIELDS = ("campaign_title", "issuer", "level_name", "award", "title", "author", "unit_name")


async def setup(svc: "ReviewService") -> None:
    await svc.certificates.create_index([("round_id", ASCENDING), ("submission_id", ASCENDING)], unique=True)


def normalised(code: str) -> str:
    """A number as typed from paper: dashes, spaces and case do not matter."""
    return "".join(ch for ch in code.upper() if ch.isalnum())


def printed(code: str) -> str:
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def verify_url(svc: "ReviewService", code: str) -> str:
    return f"{svc.settings.base_url().rstrip('/')}/review/verify/{printed(code)}"


async def issued(svc: "ReviewService", at: RoundContext) -> list[dict[str, Any]]:
    """The round's certificates, one per awarded entry, numbered (issuing the missing ones)."""
    rnd, round_id = at.rnd, at.round_id
    if rnd["state"] != FINAL:
        raise ServiceError(
            409,
            "本轮评审尚未定稿（或仍在公示中），不能生成获奖证书",
            "the round is not finalised (or still in public notice): no certificates yet",
        )
    awarded = [sid for sid, d in rnd["frozen"]["decisions"].items() if d.get("tier")]
    if not awarded:
        raise ServiceError(404, "本轮评审没有获奖作品", "the round awarded no entry")
    stored = await _stored(svc, round_id)
    if missing := [sid for sid in awarded if sid not in stored]:
        await _issue(svc, at, missing)
        stored = await _stored(svc, round_id)
    return [stored[sid] for sid in awarded]


async def of_entry(svc: "ReviewService", submission_id: str, level_key: str) -> dict[str, Any]:
    """An entry's certificate of a level, for its entrant (who may see the entry is the caller's
    check): the level's result as finalised, issued with the rest of its round's if it is the first."""
    entry = await svc.entries.find_one({"_id": submission_id}, {f"levels.{level_key}": 1})
    result = ((entry or {}).get("levels") or {}).get(level_key) or {}
    if not result.get("tier") or not result.get("round_id"):
        raise ServiceError(
            404,
            "该作品在此级评审未获奖，或评审尚未定稿",
            "no award at this level for the entry, or its round is not finalised",
        )
    round_id = result["round_id"]
    # Issued already (every download but the round's first): one lookup on the unique index.
    if mine := await svc.certificates.find_one({"round_id": round_id, "submission_id": submission_id}):
        return mine
    awarded = await issued(svc, await context(svc, round_id))
    return next(d for d in awarded if d["submission_id"] == submission_id)


async def _stored(svc: "ReviewService", round_id: str) -> dict[str, dict[str, Any]]:
    return {d["submission_id"]: d async for d in svc.certificates.find({"round_id": round_id})}


async def _issue(svc: "ReviewService", at: RoundContext, missing: list[str]) -> None:
    """Number the awards that have no certificate yet (the first download of the round's)."""
    campaign, now = at.campaign, datetime.now(UTC)
    fresh = [
        {
            "_id": secrets.token_hex(8).upper(),
            "round_id": at.round_id,
            "campaign_id": campaign.id,
            "submission_id": r["submission_id"],
            "campaign_title": campaign.title,
            "issuer": campaign.issuer,
            "level_name": at.level.name,
            "award": r["tier"],
            "title": r["title"] or "",
            "author": r.get("author"),  # printed for its holder; on the public check only if public
            "authors_public": campaign.authors_public,
            "unit_name": r["unit_name"],
            "issued_at": now,
            "issued_on": campaign_today(campaign, now).isoformat(),  # the date printed, campaign's clock
        }
        for r in await rows_of(svc, at)
        if r["submission_id"] in missing
    ]
    try:
        await svc.certificates.insert_many(fresh, ordered=False)
    except BulkWriteError as exc:  # a concurrent first download got there first: those keep theirs
        if any(e.get("code") != DUPLICATE_KEY for e in exc.details.get("writeErrors", [])):
            raise


def _certificate(svc: "ReviewService", doc: dict[str, Any]) -> Certificate:
    return Certificate(
        code=printed(doc["_id"]),
        verify_url=verify_url(svc, doc["_id"]),
        issued_on=date.fromisoformat(doc["issued_on"]),
        **{k: doc[k] for k in FIELDS},
    )


async def pdf(svc: "ReviewService", docs: list[dict[str, Any]]) -> bytes:
    """The certificates as one PDF, one page each (rendered off the event loop)."""
    certificates = [_certificate(svc, d) for d in docs]
    return await _rendering(svc, lambda font: render(certificates, font))


async def batch(svc: "ReviewService", at: RoundContext) -> bytes:
    """A ZIP with one PDF per award, named by unit and title, for printing or sending on. Stored,
    not deflated: the PDFs are compressed already. Built in one thread, off the event loop."""
    certificates = [_certificate(svc, d) for d in await issued(svc, at)]

    def zipped(font: Path | None) -> bytes:
        out = io.BytesIO()
        with zipfile.ZipFile(out, "w", zipfile.ZIP_STORED) as z:
            for c in certificates:
                name = f"{c.code}-{c.unit_name}-{c.title}"[:80].replace("/", "_")
                z.writestr(f"{name}.pdf", render([c], font))
        return out.getvalue()

    return await _rendering(svc, zipped)


async def _rendering(svc: "ReviewService", make: Callable[[Path | None], bytes]) -> bytes:
    try:
        return await asyncio.to_thread(make, svc.settings.certificate_font)
    except FontMissing as exc:
        raise ServiceError(
            503,
            "服务器缺少中文字体，无法生成证书：请安装 fonts-wqy-microhei 或设置 ZHENGJI_CERTIFICATE_FONT",
            "no Chinese TrueType font on the server: install fonts-wqy-microhei or set "
            "ZHENGJI_CERTIFICATE_FONT",
            font=str(exc),
        ) from exc


async def lookup(svc: "ReviewService", code: str) -> dict[str, Any]:
    doc = await svc.certificates.find_one({"_id": normalised(code)[:32]})
    if doc is None:
        raise ServiceError(
            404,
            "未找到该编号的证书：请核对证书编号，或向颁发单位查询",
            "no certificate has this number: check it, or ask the issuing body",
        )
    shown = {"code": printed(doc["_id"]), **{k: doc[k] for k in FIELDS}, "issued_on": doc["issued_on"]}
    return shown if doc.get("authors_public") else {**shown, "author": None}
