"""Read side of the citizen pages: the caseload list, its completeness share, page details.

ORM expressions only: the name search is an ``ILIKE`` with the user's wildcards escaped,
never SQL text built from input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cache

import sqlalchemy as sa
from flask_sqlalchemy.pagination import Pagination
from sqlalchemy.orm import aliased, load_only, selectinload


from .. import name_order
from ..dates import add_months
from ..extensions import db
from store.index_status import is_stalled
from store.models import Citizen, CvDocument, JobGoal, OutboxEvent, Placement, User
from store.models.citizens import VK_INACTIVE, missing_items
from . import danish_order
from .service import same_external_id

PER_PAGE = 50
POLICY_GOAL = 0.85  # share of citizens with CV, jobmål and VK (DOMAIN.md, "80% then 85%")

# A missing item (``missing_items``) → the citizen page where it is put right.
FIXES = {"CV": "citizens.cv", "jobmål": "citizens.job_goals", "virksomhedskonsulent": "citizens.assign",
         VK_INACTIVE: "citizens.assign"}


@dataclass(frozen=True)
class CitizenList:
    """One page of citizens plus the completeness of the whole filtered set.

    ``missing``: citizen id → what keeps each listed citizen from matching
    (:func:`missing_items`); ``staff``: user id → name of the listed citizens' VKs and advisers.
    ``closed_found``: how many closed cases the same search and filters would find (counted for
    a list of open cases that is empty or searched, so the page can offer them; else 0).
    """

    page: Pagination
    total: int
    complete: int
    missing: dict[int, list[str]] = field(default_factory=dict)
    staff: dict[int, str] = field(default_factory=dict)
    closed_found: int = 0

    @property
    def share_complete(self) -> float | None:
        """Share (0..1) of the listed set that is matchable; None for an empty set."""
        return self.complete / self.total if self.total else None

    @property
    def meets_goal(self) -> bool:
        return self.share_complete is not None and self.share_complete >= POLICY_GOAL


@dataclass(frozen=True)
class IndexingState:
    """The citizen's place in the matching index: ``pending`` changes, the latest failure, and
    whether the indexer is not running (``stalled``, decided as ``/admin/indexer`` decides it)."""

    pending: int
    failed_error: str | None
    stalled: bool = False

    @property
    def label(self) -> str:
        if self.pending and self.stalled:
            return "Afventer indeksering, men indekseringen kører ikke lige nu"
        if self.pending:
            return "Afventer indeksering"
        if self.failed_error:
            return "Indeksering fejlede"
        return "Opdateret i matchingen"


def escape_like(text: str) -> str:
    """Escape ``\\``, ``%`` and ``_`` so user text matches literally in LIKE (escape char ``\\``)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def case_variants(text: str, max_letters: int = 4) -> list[str]:
    """``text`` with every upper/lower combination of its non-ASCII letters.

    SQLite's ILIKE folds ASCII case only, so "øster" would miss "Østergaard"; PostgreSQL
    needs just the first variant. Beyond ``max_letters`` such letters only the lower-
    and upper-case forms are tried (bounded query size).
    """
    positions = [i for i, ch in enumerate(text) if ord(ch) > 127 and ch.lower() != ch.upper()]
    if len(positions) > max_letters:
        return list(dict.fromkeys([text, text.lower(), text.upper()]))
    variants = []
    for mask in range(2 ** len(positions)):
        chars = list(text)
        for bit, i in enumerate(positions):
            chars[i] = chars[i].upper() if mask >> bit & 1 else chars[i].lower()
        variants.append("".join(chars))
    return list(dict.fromkeys(variants))


# What SQL's trim() strips besides spaces, so a CV of only line breaks or tabs counts as
# empty here as it does in Python (``str.strip``, ``Citizen.missing_for_matching``).
WHITESPACE = " \t\n\r\f\v\u00a0"


@cache
def has_active_vk() -> sa.ColumnElement[bool]:
    """SQL: the citizen's VK is set and an active user (a deactivated VK counts as none, as
    :func:`portal.admin.service.lacks_active_vk` has it for companies)."""
    vk = aliased(User)
    return sa.exists(sa.select(vk.id).where(vk.id == Citizen.vk_id, vk.active.is_(True)).correlate(Citizen))


@cache
def matchable_clause() -> sa.ColumnElement[bool]:
    """SQL twin of ``Citizen.matchable``: an active VK, a jobmål and a current CV with text.

    Built once per process: the expression has no parameters, and building it (an alias,
    three subqueries) costs about a millisecond of CPU.
    """
    return sa.and_(has_active_vk(), has_goal_and_cv())


@cache
def has_goal_and_cv() -> sa.ColumnElement[bool]:
    """SQL: ``matchable_clause`` without the VK: a jobmål and a current CV with text (the
    dashboard reads the VK as of a month, :mod:`portal.dashboard.facts`)."""
    newer = aliased(CvDocument)
    latest_cv_id = (sa.select(sa.func.max(newer.id)).where(newer.citizen_id == Citizen.id)
                    .correlate(Citizen).scalar_subquery())
    has_cv = sa.exists(
        sa.select(CvDocument.id).where(
            CvDocument.citizen_id == Citizen.id, CvDocument.id == latest_cv_id,
            sa.func.length(sa.func.trim(sa.func.coalesce(CvDocument.text, ""), WHITESPACE)) > 0)
        .correlate(Citizen))
    has_goal = sa.exists().where(JobGoal.citizen_id == Citizen.id)
    return sa.and_(has_goal, has_cv)


def default_scope(user: User) -> str:
    """The list's scope when none is asked for: "mine", but "all" for an administrator, who is
    never a citizen's VK or adviser (only consultants are), so "mine" would always be empty."""
    return "all" if user.role == "admin" else "mine"


def _filtered(user: User, filters: dict) -> sa.Select:
    # The caseload is the open cases; closed ones stay findable behind the "closed" toggle.
    closed = Citizen.case_closed.is_not(None) if filters.get("closed") else Citizen.case_closed.is_(None)
    stmt = sa.select(Citizen).where(closed, Citizen.anonymised_at.is_(None))
    if filters["scope"] == "mine":
        stmt = stmt.where(sa.or_(Citizen.vk_id == user.id, Citizen.adviser_id == user.id))
    elif filters["scope"] == "team":
        # Someone without a team has no team list (rather than silently "everyone").
        stmt = stmt.where(Citizen.team_id == user.team_id) if user.team_id else stmt.where(sa.false())
    if filters["q"]:
        # A name, or exactly a case-system id (by the one rule, service.same_external_id).
        stmt = stmt.where(sa.or_(*(Citizen.name.ilike(f"%{escape_like(v)}%", escape="\\")
                                   for v in case_variants(filters["q"])), same_external_id(filters["q"])))
    if filters["readiness"]:
        stmt = stmt.where(Citizen.readiness_group == filters["readiness"])
    if filters["benefit"]:
        stmt = stmt.where(Citizen.benefit_group == filters["benefit"])
    if filters["incomplete"]:
        stmt = stmt.where(sa.not_(matchable_clause()))
    if filters.get("uden_vk"):
        stmt = stmt.where(sa.not_(has_active_vk()))
    if filters.get("vk"):
        stmt = stmt.where(Citizen.vk_id == filters["vk"])
    if filters.get("raadgiver"):
        stmt = stmt.where(Citizen.adviser_id == filters["raadgiver"])
    if filters.get("begraenset"):
        stmt = stmt.where(Citizen.restricted.is_(filters["begraenset"] == "ja"))
    return stmt


def incomplete_caseload(user: User) -> sa.Select:
    """The rows of ``/borgere/?incomplete=y`` in the default scope, "Mine": the user's open cases
    (VK or adviser) that are not matchable, restricted ones included. The start page's »N borgere
    mangler CV, jobmål eller VK« counts and lists exactly these (review AV 2): one rule, not two."""
    return _filtered(user, {"scope": "mine", "q": "", "readiness": "", "benefit": "", "incomplete": True})


def without_active_vk(user: User) -> sa.Select:
    """The rows of ``/borgere/?scope=all&uden_vk=1``: every open case whose VK is unset or
    deactivated, restricted ones included. The administrator's start page counts exactly these
    (»N borgere med åben sag uden aktiv virksomhedskonsulent«): one rule, not two."""
    return _filtered(user, {"scope": "all", "q": "", "readiness": "", "benefit": "", "incomplete": False,
                            "uden_vk": True})


# The columns the list shows; the rest (CV, jobmål, VK and adviser) comes by :func:`_page_details`.
_LIST_COLUMNS = (Citizen.name, Citizen.case_closed, Citizen.restricted, Citizen.benefit_group,
                 Citizen.readiness_group, Citizen.vk_id, Citizen.adviser_id, Citizen.team_id)


def list_citizens(user: User, filters: dict, per_page: int = PER_PAGE) -> CitizenList:
    """The citizens ``user`` asked for (see ``ListFilterForm.cleaned``), one page of them.

    Open cases only, or closed ones only with ``filters["closed"]``; anonymised citizens are
    never listed. A page past the end is empty, not a 404. Four statements whatever the
    page size: the totals, the page, what the page's citizens miss, their consultants' names;
    a fifth counts the closed cases the same selection would find, when the open list is empty
    or searched (a closed case's external id finds nothing among the open: review, finding 1).
    """
    stmt = _filtered(user, filters)
    # Both totals in one pass over the filtered citizens (not over ``id IN (the filtered ids)``,
    # which SQLite ran as a second pass); the matchable test is per citizen (three index probes).
    total, complete = db.session.execute(
        stmt.with_only_columns(sa.func.count(Citizen.id), sa.func.count(Citizen.id).filter(matchable_clause()))
        .order_by(None)).one()
    # The total above is the count of the same filtered set, so paginate need not count again.
    # Danish alphabetical order (Æ, Ø, Å last), sorted by the database before it pages.
    page = db.paginate(stmt.options(load_only(*_LIST_COLUMNS)).order_by(*danish_order.citizen_name_order()),
                       page=filters["page"], per_page=per_page, error_out=False, count=False)
    page.total = int(total or 0)
    missing = missing_for_matching(Citizen.id.in_([c.id for c in page.items])) if page.items else {}
    staff = _names({c.vk_id for c in page.items} | {c.adviser_id for c in page.items})
    closed_found = 0
    if not filters.get("closed") and (not total or filters["q"]):
        closed_found = db.session.scalar(
            _filtered(user, {**filters, "closed": True}).with_only_columns(sa.func.count(Citizen.id))
            .order_by(None)) or 0
    return CitizenList(page=page, total=int(total or 0), complete=int(complete or 0),
                       missing=missing, staff=staff, closed_found=int(closed_found))


@cache
def matching_facts() -> tuple[sa.ColumnElement[bool], sa.ScalarSelect]:
    """Two columns for a select over :class:`Citizen`: has any jobmål, the current CV's text.

    With ``Citizen.vk_id`` and :func:`has_active_vk` they are what :func:`missing_items`
    needs (built once per process). A caller that leaves out :func:`has_active_vk` must know
    the VK is active (an adviser's caseload holds other consultants' citizens: review AV 2).
    """
    has_goal = sa.exists().where(JobGoal.citizen_id == Citizen.id)
    current_cv = (sa.select(CvDocument.text).where(CvDocument.citizen_id == Citizen.id)
                  .order_by(CvDocument.id.desc()).limit(1).scalar_subquery())
    return has_goal, current_cv


def missing_for_matching(*where: sa.ColumnElement[bool]) -> dict[int, list[str]]:
    """Citizen id → :func:`missing_items` for the citizens ``where`` selects, in one statement.

    The current CV's text is read (Python's ``strip`` decides, as in the model), no other
    CV and no citizen row.
    """
    stmt = sa.select(Citizen.id, Citizen.vk_id, has_active_vk(), *matching_facts()).where(*where)
    return {cid: missing_items(vk_id, goal, cv, vk_active=bool(active))
            for cid, vk_id, active, goal, cv in db.session.execute(stmt)}


def _names(user_ids: set[int | None]) -> dict[int, str]:
    """User id → name, marked "(deaktiveret)" for a user who has been deactivated."""
    ids = {i for i in user_ids if i is not None}
    if not ids:
        return {}
    found = db.session.execute(sa.select(User.id, User.name, User.active).where(User.id.in_(ids)))
    return {uid: name if active else f"{name} (deaktiveret)" for uid, name, active in found}


def user_name(user_id: int | None) -> str | None:
    """The name of user ``user_id`` as the list shows it (see :func:`_names`); None if unknown."""
    return _names({user_id}).get(user_id) if user_id else None


@dataclass(frozen=True)
class ToldWageHours:
    """The wage hours the case system told of for one citizen (``prior_wage_hours``), as the
    citizen page shows them: ``recent`` the sum over the focus goal's 12 calendar months up to
    ``today``'s (``window_first`` ..), beside every month told (``first``..``last``, ``total``)."""

    recent: Decimal
    window_first: date
    total: Decimal
    first: date
    last: date


def told_wage_hours(citizen: Citizen, today: date) -> ToldWageHours | None:
    """The case system's wage hours of ``citizen`` (None: none told). Pure on the loaded rows."""
    rows = citizen.prior_wage_hours  # oldest first
    if not rows:
        return None
    window_first = add_months(today.replace(day=1), -11)
    return ToldWageHours(recent=sum((r.hours for r in rows if window_first <= r.month <= today), Decimal(0)),
                         window_first=window_first, total=sum((r.hours for r in rows), Decimal(0)),
                         first=rows[0].month, last=rows[-1].month)


def placements_of(citizen_id: int) -> list[Placement]:
    """The citizen's placements, newest first, with company and logged hours loaded."""
    return list(db.session.scalars(
        sa.select(Placement).where(Placement.citizen_id == citizen_id)
        .options(selectinload(Placement.company), selectinload(Placement.hours))
        .order_by(Placement.start_date.desc(), Placement.id.desc())))


def indexing_state(citizen_id: int) -> IndexingState:
    """Whether the matching index still has to learn about this citizen's latest change."""
    where = (OutboxEvent.entity == "citizen", OutboxEvent.entity_id == citizen_id)
    pending = db.session.scalar(
        sa.select(sa.func.count(OutboxEvent.id)).where(*where, OutboxEvent.status == "pending"))
    # Only the latest row counts as "failed": a later success supersedes an old failure.
    latest = db.session.execute(
        sa.select(OutboxEvent.status, OutboxEvent.last_error).where(*where)
        .order_by(OutboxEvent.id.desc()).limit(1)).first()
    failed = None
    if latest is not None and latest.status == "failed":
        failed = latest.last_error or "ukendt fejl"
    return IndexingState(pending=int(pending or 0), failed_error=failed, stalled=bool(pending) and indexer_stalled())


def indexer_stalled() -> bool:
    """Whether no indexer is running (or it is stuck): the same test as the »Indekseringen kører
    ikke« of ``/admin/indexer`` (:func:`store.index_status.is_stalled`): some change has waited,
    never tried, longer than ``STALLED_AFTER`` (a running worker claims one in seconds), and
    neither a rebuild nor the worker has reported lately (a rebuild claims nothing for minutes)."""
    return is_stalled(db.session)


def consultants() -> list[User]:
    """Active consultants, the people a citizen can be assigned to."""
    return list(db.session.scalars(
        sa.select(User).where(User.role == "consultant", User.active.is_(True)).order_by(*name_order.order_by(User.name, User.id))))
