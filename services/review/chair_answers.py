"""What the chair's and the public routes of review answer (``chair_api.py``): the chair sees
units and scores; the notice shows what a 公示 shows."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from services.review.answers import Message, NoticeWindow


class ReviewerProgress(BaseModel):
    reviewer_id: str
    name: str
    unit_name: str
    role: str
    assigned: int
    complete: int
    drafts: int


class PageOf(BaseModel):
    total: int  # rows in the whole list
    offset: int
    next_offset: int | None  # None on the last page


class Progress(PageOf):
    round_id: str
    state: str
    reviewers: list[ReviewerProgress]


class MissingScore(BaseModel):
    submission_id: str
    reviewer_id: str | None  # None: a reviewer still to be assigned


class CellScore(BaseModel):
    score: str
    flagged: bool


class TableRow(BaseModel):
    submission_id: str
    title: str | None
    unit_name: str | None
    pool: str
    reviewers: list[str]
    scores: dict[str, CellScore]
    score: str | None
    earlier: dict[str, Any]  # the lower levels' results, by level


class Flag(BaseModel):
    submission_id: str
    reviewer_id: str
    score: str
    median: str
    deviation: str
    rule: str


class Agreement(BaseModel):
    pool: str
    entries: int
    alpha: float | None  # Krippendorff's alpha; None where undefined


class ScoreTable(PageOf):
    """A page of the round's entries; ``flags`` and ``missing`` are this page's, ``agreement``
    and ``missing_count`` the whole round's."""

    round_id: str
    state: str
    aggregation: str
    entries: list[TableRow]
    flags: list[Flag]
    agreement: list[Agreement]
    pool_labels: dict[str, str]
    missing: list[MissingScore]
    missing_count: int


class Reassigned(BaseModel):
    submission_id: str
    reviewers: list[str]


class ChoicesView(BaseModel):
    awards: dict[str, str]
    recommend: list[str]
    confirmed: bool


class Decision(BaseModel):
    outcome: str  # recommended | not_recommended | awarded
    tier: str | None
    rank: int
    score: str
    pool: str


class Proposal(BaseModel):
    """The proposal as it stands (open round), or as frozen (notice, finalised)."""

    round_id: str
    level: str
    state: str
    missing: list[MissingScore]
    ready: bool
    proposal_id: str | None = None
    decisions: dict[str, Decision]
    warnings: list[Message] = []
    pending: list[Message] = []
    ties: list[list[str]] = []
    notice: NoticeWindow | None = None


class NoticeStarted(NoticeWindow):
    round_id: str
    state: str
    proposal_id: str


class Finalised(BaseModel):
    round_id: str
    state: str
    proposal_id: str
    decisions: dict[str, Decision]


class AuditRecord(BaseModel):
    campaign_id: str
    round_id: str | None
    who: dict[str, str]
    action: str
    what: dict[str, Any]
    at: datetime


class AppealResolved(BaseModel):
    appeal_id: str
    state: str
    round_state: str


class NoticeRow(BaseModel):
    submission_id: str
    title: str
    unit_name: str
    author: str | None  # where the campaign makes authors public
    group: str  # the pool it was ranked in, as a chair reads it (延吉市/小学组)
    outcome: str
    tier: str | None


class PublicNotice(NoticeWindow, PageOf):
    """A page of the notice's rows (awarded and recommended entries, by group and rank)."""

    round_id: str
    campaign_id: str
    campaign_title: str
    level: str
    state: str  # notice, or finalised: the notice kept as a record
    entries: list[NoticeRow]


class AppealView(BaseModel):
    """An appeal as its round's chair sees it: who filed it, how to reach them, the answer."""

    appeal_id: str
    submission_id: str
    title: str
    reason: str
    contact: str = ""  # appeals filed before contacts were asked have none
    by: dict[str, str]
    state: str  # open | upheld | dismissed
    at: datetime
    note: str | None = None
    resolved_at: datetime | None = None
    resolved_by: dict[str, str] | None = None


class AppealFiled(BaseModel):
    appeal_id: str
    state: str
