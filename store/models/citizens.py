"""Citizens (borgere) as consultants record them: profile, jobmål and CV."""
from __future__ import annotations

import unicodedata
from datetime import date, datetime
from typing import Optional

import sqlalchemy as sa
from sqlalchemy import event, inspect
from sqlalchemy.orm import Mapped, Session, mapped_column, relationship

from ..danish_key import DanishKey
from ..db import db
from .base import UTCDateTime, enum_of, utcnow
from .vocab import BENEFIT_GROUPS, CASE_CLOSE_REASONS, READINESS_GROUPS


# The missing item of a citizen whose VK has been deactivated: someone must take the case over.
VK_INACTIVE = "ny VK (den tildelte er deaktiveret)"


def missing_items(vk_id: int | None, has_goal: bool, cv_text: str | None, vk_active: bool = True) -> list[str]:
    """What keeps a citizen from matching, from the facts, in Danish and this order: "CV"
    (no current CV, or one of only whitespace), "jobmål", "virksomhedskonsulent" (none), or
    :data:`VK_INACTIVE` (the VK is deactivated: as no VK, the case needs a new one).

    ``cv_text``: the current (newest) CV's text, None without a CV; ``vk_active``: whether the
    VK ``vk_id`` is an active user (ignored without a VK). The rule behind
    ``Citizen.missing_for_matching``, for queries that read the facts as columns.
    """
    missing = []
    if not (cv_text or "").strip():
        missing.append("CV")
    if not has_goal:
        missing.append("jobmål")
    if vk_id is None:
        missing.append("virksomhedskonsulent")
    elif not vk_active:
        missing.append(VK_INACTIVE)
    return missing


def external_id_key(external_id: str | None) -> str | None:
    """The one rule for "the same case-system id" (review AV 7): the id folded, so that ids that
    differ only in upper or lower case, in Unicode form or in spaces are one key.

    NFKC (compatibility forms: a full-width »ＡＶ-９« is »AV-9«, a composed »Å« and »A« with a
    combining ring are one letter), then full Unicode case folding (``str.casefold``: »ÆØ« is
    »æø«, »ß« is »ss«, which SQLite's ``lower()`` never did), NFKC again (folding can leave a
    decomposed form), and whitespace runs as one space, trimmed. None stays None.

    Kept in ``Citizen.external_id_key`` (indexed, migration 0035) by the hook below on every
    write of ``external_id``; :func:`portal.citizens.service.same_external_id` compares it, and
    an erased id is blocked by the hash of this key (:func:`portal.privacy.blocklist.block_hashes`).
    Callers with typed input clean it first (:func:`portal.text.clean_line`).

    Two migrations hold a copy of this fold (a migration never imports the models): 0035
    backfills ``citizen.external_id_key``, and 0043 backfills ``team.name_key`` and
    ``user.integration_name_key`` (team and integration names unique as the portal folds them).
    A change here needs a migration that recomputes all three columns (and renames what the
    new fold makes alike, as 0043 does).
    """
    if external_id is None:
        return None
    folded = unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", external_id).casefold())
    return " ".join(folded.split())


class Citizen(db.Model):
    """A citizen whose case the job centre holds.

    ``version`` is SQLAlchemy's version counter: it rises on every UPDATE and
    doubles as the document version in the matching index, so a stale index
    write is a no-op. Changes to jobmål or CV must touch ``updated_at`` so the
    version moves with them (see ``portal.citizens.service``).
    """

    id: Mapped[int] = mapped_column(primary_key=True)
    # The case system's id for this citizen (bulk import and the API upsert by it).
    external_id: Mapped[Optional[str]] = mapped_column(sa.String(64), unique=True)
    # ``external_id`` folded by :func:`external_id_key` (None without an id), kept in step by the
    # hook below; indexed (0035), so »av-9« finds »AV-9« without reading every citizen. Text: the
    # folding may lengthen an id (»ß« is »ss«, NFKC expands ligatures). Not unique: ids stored
    # before the one rule may share a key (portal.imports.service.find_citizen refuses those).
    external_id_key: Mapped[Optional[str]] = mapped_column(sa.Text, index=True)
    name: Mapped[str] = mapped_column(sa.String(120))
    phone: Mapped[str] = mapped_column(sa.String(30), default="")
    email: Mapped[str] = mapped_column(sa.String(254), default="")
    postcode: Mapped[str] = mapped_column(sa.String(4))
    max_commute_km: Mapped[float] = mapped_column(default=25.0)
    benefit_group: Mapped[str] = mapped_column(enum_of(BENEFIT_GROUPS, "benefit_group"))
    hours_available: Mapped[float] = mapped_column(default=0.0)
    # Driving licence categories as on the card ("B", "CE"; matching.licences.CATEGORIES).
    driving_licences: Mapped[list] = mapped_column(sa.JSON, default=list, server_default="[]")
    languages: Mapped[str] = mapped_column(sa.String(200), default="dansk")
    limitation_flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    limitations_text: Mapped[str] = mapped_column(sa.Text, default="")
    readiness_group: Mapped[str] = mapped_column(enum_of(READINESS_GROUPS, "readiness_group"))
    # active_history: the VK replaced is known at the flush even when the row was expired, so
    # the flush hook below can keep it as a VkChange.
    # Indexed (0027): every caseload list, the follow-up list's scopes and what a user holds
    # (/admin/users) select citizens by their VK, adviser or team.
    vk_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"), index=True, active_history=True)
    adviser_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"), index=True)
    team_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("team.id"), index=True)
    case_start: Mapped[date]
    # The last day of the citizen's last company-based placement (virksomhedspraktik or
    # løntilskud) known to the case system, e.g. from before the citizen came into Jobbro (0039;
    # the import's »Seneste virksomhedsrettede forløb (slutdato)«, the API, the profile form).
    # None: none known outside Jobbro. The placements made in Jobbro count by themselves; the
    # ranking's gap and the focus goal read the later of the two (store.profiles,
    # portal.dashboard.facts).
    prior_company_placement_end: Mapped[Optional[date]]
    case_closed: Mapped[Optional[date]]
    # Why the case was closed (a key of CASE_CLOSE_REASONS); None while open, and for a case
    # closed before 0024 without a "case_closed" audit event naming it.
    case_close_reason: Mapped[Optional[str]] = mapped_column(enum_of(CASE_CLOSE_REASONS, "case_close_reason"))
    restricted: Mapped[bool] = mapped_column(default=False)
    anonymised_at: Mapped[Optional[datetime]] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(
        UTCDateTime(), default=utcnow, onupdate=utcnow
    )
    version: Mapped[int] = mapped_column(default=1)

    vk: Mapped[Optional["User"]] = relationship(foreign_keys=[vk_id])  # noqa: F821
    adviser: Mapped[Optional["User"]] = relationship(foreign_keys=[adviser_id])  # noqa: F821
    team: Mapped[Optional["Team"]] = relationship()  # noqa: F821
    job_goals: Mapped[list["JobGoal"]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="JobGoal.position"
    )
    # The CV versions; never a first-CV marker (:data:`CV_FIRST_SAVED`), which is no CV.
    cv_documents: Mapped[list["CvDocument"]] = relationship(
        back_populates="citizen", cascade="all, delete-orphan", order_by="CvDocument.id",
        primaryjoin="and_(Citizen.id == CvDocument.citizen_id, CvDocument.content_type != 'forste_cv')"
    )
    # Earlier closings that were reopened, oldest first: the case's history between
    # ``case_start`` and now (the policy goals read a reopened case as closed in its gaps).
    case_closures: Mapped[list["CaseClosure"]] = relationship(
        cascade="all, delete-orphan", order_by="CaseClosure.closed_on"
    )
    # The VKs the citizen had before the current one, oldest first (the policy goals read the
    # VK a month had, not today's).
    vk_changes: Mapped[list["VkChange"]] = relationship(
        cascade="all, delete-orphan", order_by="(VkChange.replaced_at, VkChange.id)"
    )
    # Ordinary wage hours per month the case system told of (0044, the import's »Løntimer fra
    # fagsystemet«), oldest first: the focus goal counts them where Jobbro registered fewer.
    prior_wage_hours: Mapped[list["PriorWageHours"]] = relationship(  # noqa: F821
        cascade="all, delete-orphan", order_by="PriorWageHours.month"
    )

    __mapper_args__ = {"version_id_col": version}
    __table_args__ = (
        sa.CheckConstraint("hours_available >= 0 AND hours_available <= 80", name="hours_range"),
        sa.CheckConstraint("max_commute_km >= 0 AND max_commute_km <= 500", name="commute_range"),
        # An erased citizen's id is in the audit trail, old links, webhooks and pseudonyms: SQLite
        # must never give it to another person (AUTOINCREMENT; PostgreSQL sequences never reuse).
        {"sqlite_autoincrement": True},
    )

    @property
    def current_cv(self) -> Optional["CvDocument"]:
        return self.cv_documents[-1] if self.cv_documents else None

    @property
    def missing_for_matching(self) -> list[str]:
        """What keeps this citizen from being matchable (CV, jobmål, an active VK), in Danish."""
        cv = self.current_cv
        return missing_items(self.vk_id, bool(self.job_goals), cv.text if cv is not None else None,
                             vk_active=self.vk is None or bool(self.vk.active))

    @property
    def matchable(self) -> bool:
        return not self.missing_for_matching


# The citizen list's Danish order (portal.citizens.danish_order) is read along this index (0037).
sa.Index("ix_citizen_name_danish", DanishKey(Citizen.name), Citizen.name, Citizen.id)


class CaseClosure(db.Model):
    """An earlier closing of a citizen's case that was reopened (review T 2): the case was
    closed on ``closed_on`` and open again from ``reopened_on``, so it was not open on the days
    ``closed_on`` .. ``reopened_on`` - 1. The current closing, if any, stays on the citizen
    (``case_closed``, ``case_close_reason``); reopening moves it here."""

    __tablename__ = "case_closure"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    closed_on: Mapped[date]
    reopened_on: Mapped[date]
    reason: Mapped[Optional[str]] = mapped_column(enum_of(CASE_CLOSE_REASONS, "case_close_reason"))

    __table_args__ = (sa.CheckConstraint("reopened_on >= closed_on", name="reopened_after_closing"),)


class VkChange(db.Model):
    """An earlier VK of a citizen (review T 2): ``vk_id`` (None: no VK) was the citizen's VK
    until ``replaced_at``, when another VK was given or the VK was taken away. The current VK
    stays on the citizen (``vk_id``). Read by its day in Copenhagen: the VK of a day is the one
    the citizen had at its end. Written by the flush hook below on every path that changes
    ``Citizen.vk_id`` (the citizen's page, the import and the API, a caseload handed over)."""

    __tablename__ = "vk_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    vk_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime())


@event.listens_for(Citizen.external_id, "set")
def _fold_external_id(citizen: Citizen, value: str | None, _old, _initiator) -> None:
    """Keep ``external_id_key`` in step with ``external_id`` on every path that sets it (the
    constructor too: the web form, the import and the API, a lookalike given its id, erasure and
    anonymisation clearing it); a Core UPDATE of ``external_id`` must set both itself."""
    citizen.external_id_key = external_id_key(value)


@event.listens_for(Session, "before_flush")
def _keep_replaced_vk(session: Session, _context, _instances) -> None:
    """Keep the VK a citizen had when ``vk_id`` changes (one hook for every code path, as
    ``User.deactivated_at`` is stamped in :mod:`.accounts`)."""
    for citizen in list(session.dirty):
        if not isinstance(citizen, Citizen):
            continue
        history = inspect(citizen).attrs.vk_id.history
        if history.has_changes() and history.deleted and history.deleted[0] != citizen.vk_id:
            session.add(VkChange(citizen_id=citizen.id, vk_id=history.deleted[0], replaced_at=utcnow()))


class JobGoal(db.Model):
    """One jobmål of a citizen (several allowed, ordered by priority)."""

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(sa.String(200))
    position: Mapped[int] = mapped_column(default=0)

    citizen: Mapped[Citizen] = relationship(back_populates="job_goals")


# ``CvDocument.content_type`` of a row that is no CV: what is left of the citizen's first CV with
# text once the retention run deleted that replaced version (no text, no file, no name; only its
# ``created_at``), so the goal »CV, jobmål og virksomhedskonsulent« still counts the citizen as
# having had a CV from that day (review AW 1; portal.citizens.cv_versions, portal.dashboard.facts).
CV_FIRST_SAVED = "forste_cv"


class CvDocument(db.Model):
    """A CV: an uploaded file (stored under a generated name) or typed text; or, with
    ``content_type`` :data:`CV_FIRST_SAVED`, only the day the citizen's first CV was saved."""

    id: Mapped[int] = mapped_column(primary_key=True)
    citizen_id: Mapped[int] = mapped_column(sa.ForeignKey("citizen.id", ondelete="CASCADE"), index=True)
    original_filename: Mapped[str] = mapped_column(sa.String(255), default="")
    stored_name: Mapped[Optional[str]] = mapped_column(sa.String(80))
    content_type: Mapped[str] = mapped_column(sa.String(10), default="txt")
    text: Mapped[str] = mapped_column(sa.Text, default="")
    extraction_error: Mapped[Optional[str]] = mapped_column(sa.String(500))
    uploaded_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    citizen: Mapped[Citizen] = relationship(back_populates="cv_documents")

    __table_args__ = (
        # A deleted version's id is in the audit trail (``cv_deleted``) and old links and delete
        # forms: SQLite must never give it to the next CV (AUTOINCREMENT, migration 0032).
        {"sqlite_autoincrement": True},
    )


class ErasedExternalId(db.Model):
    """A case-system id whose citizen was erased (GDPR art. 17) or anonymised by the retention
    job (``reason``), kept as a keyed hash only.

    The next sync sending the same external id is refused instead of bringing the person back
    (:func:`portal.privacy.blocklist.was_erased`); an administrator can lift the block
    (:func:`portal.privacy.blocklist.forget_erasure`). ``key_hash`` is HMAC-SHA256 under a key derived
    from ``PSEUDONYM_KEY``, so the table holds nothing that names or numbers the person.
    """

    __tablename__ = "erased_external_id"

    key_hash: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    erased_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # "erased" (art. 17) or "anonymised" (retention): what the API tells the case system.
    reason: Mapped[str] = mapped_column(sa.String(12), default="erased", server_default="erased")
