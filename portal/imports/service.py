"""Create-or-update one citizen or one opening by its external id (bulk import and the API).

Stable contract (the JSON API calls these too):

``upsert_citizen(session, record, *, actor, cv_folder=None, team_id=None) -> Outcome``
``upsert_opening(session, record, *, actor) -> Outcome``

* ``record`` is an already validated :class:`CitizenRecord` / :class:`OpeningRecord`
  (build one from a plain mapping with :func:`portal.imports.citizens.validate_citizen` or
  :func:`portal.imports.openings.validate_opening`, which raise ``RowError``).
* The change, its outbox row (:func:`store.outbox.record_change`) and its audit events are
  added to ``session``; **nothing is committed**. The caller commits, or rolls back on any
  exception, so a row is all or nothing. Wrap a call in ``session.begin_nested()`` to keep
  one row's failure from undoing other rows of the same transaction.
* Applying the same record twice returns ``status == "unchanged"`` the second time and
  writes nothing (no outbox row, no version bump).
* An updated citizen's ``Outcome.changes`` holds each changed field's value before and after
  (:class:`Change`, raw values; a CV by its file name, never its text), so a dry run can show
  what a consultant's edit would lose. They are for the person running the import, not for logs.
* ``actor`` is the user the audit log names (None: a system job, e.g. the CLI without --user).

* A citizen is found by its case-system id by the web's one rule
  (:func:`portal.citizens.service.same_external_id`: without regard to upper or lower case,
  review AV 7, by the indexed folded key) through :func:`find_citizen`, so a row »av-9« updates
  the citizen »AV-9«; the id stored stays the citizen's. An erased or anonymised id is refused
  the same way (»av-9« after »AV-9« was erased, :func:`portal.privacy.blocklist.block_reason`).

Raises:
    RecordRefused: the row may not be applied (e.g. a restricted or anonymised citizen, a
        Sagsstart after the case's closing: :class:`CaseStartRefused`); ``message_da`` says why
        in Danish. Nothing was added to the session.
"""
from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field, replace
from typing import Literal

import sqlalchemy as sa
from sqlalchemy.orm import Session

from cvtext.extract import normalise_text
from .. import audit
from ..privacy import blocklist
from ..citizens import service as citizen_service
from ..text import clean_line
from ..citizens.uploads import AcceptedCv, delete_stored, store_file
from ..openings import requirements
from ..openings import service as opening_service
from ..openings.service import EDITABLE_FIELDS, OpeningData
from store import clock
from store.models import Citizen, JobGoal, Opening, User
from store.outbox import citizen_changed, record_change
from store.profiles import opening_profile

Status = Literal["created", "updated", "unchanged"]
ERASED_MESSAGE = ("Borgeren med dette eksterne id er slettet efter databeskyttelsesforordningens art. 17 "
                  "og oprettes ikke igen. Stop overførslen af borgeren fra fagsystemet. Var sletningen "
                  "en fejl, eller har borgeren fået en ny sag, kan en administrator fjerne spærringen.")
ANONYMISED_MESSAGE = ("Borgeren med dette eksterne id er anonymiseret, fordi sagen blev afsluttet for længere "
                      "tid siden, end oplysningerne må gemmes. Oplysningerne kan ikke hentes, og borgeren "
                      "oprettes ikke igen. Stop overførslen af borgeren fra fagsystemet. Har borgeren fået en "
                      "ny sag, kan en administrator fjerne spærringen.")


class RecordRefused(ValueError):
    """The record is valid but the rules refuse applying it; ``message_da`` is for the user."""

    def __init__(self, message_da: str, column: str = "") -> None:
        super().__init__(message_da)
        self.message_da = message_da
        self.column = column


class CaseStartRefused(RecordRefused):
    """The row's Sagsstart lies after the case's closing (review AV 9,
    :func:`portal.citizens.service.check_case_start`): refused at the Sagsstart column, and by
    the API with 422 at ``case_start``."""

    def __init__(self, message_da: str) -> None:
        super().__init__(message_da, CASE_START_LABEL)


CASE_START_LABEL = "Sagsstart"  # the column's label (portal.imports.citizens.LABELS["case_start"])


class ErasedRecord(RecordRefused):
    """The citizen with this external id was erased (GDPR art. 17) or anonymised (retention): it
    is not created again (:func:`portal.privacy.blocklist.block_reason`) until an administrator lifts the
    block."""


@dataclass(frozen=True)
class Change:
    """One changed field of an update: ``field`` (a column key, or "cv"), the value before and after."""

    field: str
    old: object
    new: object


@dataclass(frozen=True)
class Outcome:
    """What an upsert did: ``status``, the row's id, the changed field names and their values."""

    status: Status
    entity_id: int
    changed: tuple[str, ...] = ()
    stored_files: tuple[str, ...] = field(default=(), compare=False)
    changes: tuple[Change, ...] = field(default=(), compare=False)
    left_behind: int = field(default=0, compare=False)  # an opening's candidates now on hold


@dataclass(frozen=True)
class CitizenRecord:
    """One validated citizen: profile, ordered jobmål, VK (None: keep the current one), CV."""

    external_id: str
    profile: citizen_service.ProfileData
    job_goals: tuple[str, ...]
    vk_id: int | None = None
    cv: AcceptedCv | None = None


@dataclass(frozen=True)
class OpeningRecord:
    """One validated opening of ``company_id``, keyed by ``external_id`` within the company."""

    company_id: int
    external_id: str
    data: OpeningData


def find_citizen(session: Session, external_id: str) -> Citizen | None:
    """The citizen with this case-system id by the one rule (review AV 7,
    :func:`portal.citizens.service.same_external_id`: trimmed, without regard to upper or lower
    case, Unicode folding included), the import's and the API's lookup alike.

    The exact id first (the unique index): ids stored before the rule may differ only in case
    (»AV-9« and »av-9«), and the one written exactly so is the one meant. Else the one citizen
    whose id is the same by the rule, through the folded key's index
    (``Citizen.external_id_key``, migration 0035), so a row of a new citizen reads no other
    citizens.

    Raises:
        RecordRefused: no citizen has the id exactly and several have it in other cases (the
            same person twice, most likely): which one is meant cannot be told.
    """
    citizen = session.scalar(sa.select(Citizen).where(Citizen.external_id == external_id))
    if citizen is not None:
        return citizen
    found = session.scalars(sa.select(Citizen).where(citizen_service.same_external_id(external_id))
                            .order_by(Citizen.id).limit(6)).all()
    if len(found) > 1:
        who = ", ".join(f"borger nr. {c.id} ({c.external_id})" for c in found[:5])
        raise RecordRefused(
            f"Flere borgere i portalen har dette id, når store og små bogstaver ikke skelnes: {who}. Det er "
            "sandsynligvis den samme person to gange. Skriv id'et med præcis de samme store og små bogstaver "
            "som hos den rette borger.", EXTERNAL_ID_LABEL)
    return found[0] if found else None


EXTERNAL_ID_LABEL = "Eksternt id"  # the column's label (portal.imports.citizens.LABELS["external_id"])


def upsert_citizen(session: Session, record: CitizenRecord, *, actor: User | None,
                   cv_folder: str | None = None, team_id: int | None = None,
                   clear: Collection[str] = (), announce: bool = True) -> Outcome:
    """Create the citizen with ``record.external_id`` or bring it in line with ``record``.

    The jobmål in the record are the citizen's whole list, in priority order. An empty
    ``vk_id`` keeps the current VK (a case system that does not know VKs removes none). A CV
    is stored only when its text differs from the current CV; ``cv_folder`` is where its
    file goes (None: the text is kept without the file, as in a dry run).

    A new citizen's team is its VK's; without a VK, ``team_id`` (the import's choice; 0: none),
    else the actor's team (review AV 1: a citizen on no team is on nobody's work list).

    The citizen is found by :func:`find_citizen`. ``clear`` names optional profile fields whose
    None in the record clears the stored value instead of keeping it (the API's explicit null,
    review BJ 4).

    A new citizen's VK, and the caseworkers of a changed VK, are told as on the web, in the same
    transaction (:func:`portal.citizens.service.announce_caseworkers`, review BN 3: the API's
    upsert); ``announce`` False: an import file, which tells each VK in one summary after the file
    (:func:`portal.imports.runner.run_import`).

    Raises:
        RecordRefused: the citizen is restricted or anonymised, or the id is several citizens'
            (:func:`find_citizen`); CaseStartRefused (a RecordRefused): the Sagsstart lies after
            the case's closing; ErasedRecord (a RecordRefused): a citizen with this external id
            was erased.
    """
    citizen = find_citizen(session, record.external_id)
    if citizen is None:
        if (reason := blocklist.block_reason(session, record.external_id)) is not None:
            raise ErasedRecord(ANONYMISED_MESSAGE if reason == "anonymised" else ERASED_MESSAGE, EXTERNAL_ID_LABEL)
        citizen = _create_citizen(session, record, actor, team_id)
        stored = _attach_cv(citizen, record.cv, actor, cv_folder)
        if record.cv is not None:  # the CV's row came after the citizen's: its version rises, as on an update
            citizen_changed(session, citizen)
        else:
            record_change(session, "citizen", citizen.id)
        audit.record("citizen_imported", citizen_id=citizen.id, purpose="created", user=actor)
        if announce:
            citizen_service.announce_caseworkers(citizen, (None, None), actor)
        _flush_or_forget(session, cv_folder, stored)
        return Outcome("created", citizen.id, (), stored)
    try:
        citizen_service.ensure_editable(citizen)
    except citizen_service.CitizenChangeError as exc:
        raise RecordRefused(exc.message_da) from None
    profile = _keep_unsent(record.profile, citizen, clear)
    try:  # the web's rule, before anything is changed (review AV 9): this row refused, the others saved
        citizen_service.check_case_start(citizen, profile)
    except citizen_service.CaseStartRefused as exc:
        raise CaseStartRefused(exc.message_da) from None
    before = {name: _value(getattr(citizen, name)) for name in citizen_service.PROFILE_FIELDS}
    changed = list(citizen_service.update_profile(citizen, profile))
    changes = [Change(name, before[name], _value(getattr(citizen, name))) for name in changed]
    if record.vk_id is not None and record.vk_id != citizen.vk_id:
        vk = session.get(User, record.vk_id)
        adviser, old_vk = citizen.adviser, citizen.vk_id
        try:
            # The case system is the source of the assignment: its change of VK is confirmed.
            citizen_service.assign_caseworkers(citizen, vk, adviser, confirmed=True, by=actor, announce=announce)
        except citizen_service.CitizenChangeError as exc:
            raise RecordRefused(exc.message_da, "vk") from None
        changed.append("vk")
        changes.append(Change("vk", old_vk, record.vk_id))
    old_goals = tuple(g.title for g in citizen.job_goals)
    if _replace_job_goals(session, citizen, record.job_goals, actor):
        changed.append("job_goals")
        changes.append(Change("job_goals", old_goals, tuple(g.title for g in citizen.job_goals)))
    stored: tuple[str, ...] = ()
    if record.cv is not None and _cv_differs(citizen, record.cv):
        old_cv = citizen.current_cv.original_filename if citizen.current_cv is not None else None
        stored = _attach_cv(citizen, record.cv, actor, cv_folder)
        citizen_changed(session, citizen)
        changed.append("cv")
        changes.append(Change("cv", old_cv, record.cv.display_name))
    if not changed:
        return Outcome("unchanged", citizen.id)
    audit.record("citizen_imported", citizen_id=citizen.id, purpose="updated:" + ",".join(changed),
                 user=actor)
    _flush_or_forget(session, cv_folder, stored)
    return Outcome("updated", citizen.id, tuple(changed), stored, tuple(changes))


def _value(value: object) -> object:
    # A copy: the profile update replaces lists, but a later in-place change must not reach "before".
    return tuple(value) if isinstance(value, list) else value


def _flush_or_forget(session: Session, cv_folder: str | None, stored: tuple[str, ...]) -> None:
    # A stored CV file whose row then fails to write would be an orphan in the file store.
    if not stored:
        return
    try:
        session.flush()
    except Exception:
        for name in stored:
            delete_stored(cv_folder, name)
        raise


# Optional columns a file may leave out; None in the record keeps the stored value.
# The case system's last placement is kept by an empty cell too: a case system that knows of none
# does not undo the date a consultant typed (review BG 2); the citizen's page and the API's explicit null
# (upsert_citizen(clear=...), review BJ 4) clear it.
OPTIONAL_PROFILE_FIELDS = ("phone", "email", "max_commute_km", "driving_licences", "prior_company_placement_end")
# What a new citizen gets for a column the file left out.
NEW_CITIZEN_DEFAULTS = {"phone": "", "email": "", "max_commute_km": 25.0, "driving_licences": [],
                        "prior_company_placement_end": None}


def _keep_unsent(profile: citizen_service.ProfileData, citizen: Citizen | None, clear: Collection[str] = ()):
    kept = {name: (list(getattr(citizen, name) or ()) if name == "driving_licences" else getattr(citizen, name))
            if citizen is not None else NEW_CITIZEN_DEFAULTS[name]
            for name in OPTIONAL_PROFILE_FIELDS if getattr(profile, name) is None and name not in clear}
    return replace(profile, **kept) if kept else profile


def _create_citizen(session: Session, record: CitizenRecord, actor: User | None,
                    team_id: int | None = None) -> Citizen:
    profile = _keep_unsent(record.profile, None)
    citizen = Citizen(
        external_id=record.external_id, name=clean_line(profile.name), phone=clean_line(profile.phone),
        email=clean_line(profile.email), benefit_group=profile.benefit_group,
        hours_available=profile.hours_available, postcode=profile.postcode.strip(),
        max_commute_km=profile.max_commute_km, driving_licences=list(profile.driving_licences),
        languages=citizen_service.normalise_languages(profile.languages),
        readiness_group=profile.readiness_group, case_start=profile.case_start,
        prior_company_placement_end=profile.prior_company_placement_end, vk_id=record.vk_id,
        team_id=_team_of(session, record.vk_id) if record.vk_id else _team_without_vk(team_id, actor),
        limitation_flags=[], limitations_text="",
    )
    citizen.job_goals = [JobGoal(title=clean_line(t), position=i) for i, t in enumerate(record.job_goals)]
    session.add(citizen)
    session.flush()  # the outbox row and the audit event need the id
    return citizen


def _team_without_vk(team_id: int | None, actor: User | None) -> int | None:
    # None: the actor's team (the API's integration user has none); 0: none chosen.
    return (getattr(actor, "team_id", None) if team_id is None else team_id) or None


def _team_of(session: Session, vk_id: int | None) -> int | None:
    vk = session.get(User, vk_id) if vk_id else None
    return vk.team_id if vk is not None else None


def _replace_job_goals(session: Session, citizen: Citizen, titles: tuple[str, ...],
                       actor: User | None) -> bool:
    wanted = [clean_line(t) for t in titles]
    if not wanted or [g.title for g in citizen.job_goals] == wanted:
        return False
    kept = {g.title.casefold(): g for g in citizen.job_goals}
    goals = []
    for position, title in enumerate(wanted):
        goal = kept.pop(title.casefold(), None) or JobGoal(title=title)
        goal.title, goal.position = title, position
        goals.append(goal)
    citizen.job_goals[:] = goals
    citizen_changed(session, citizen)  # the version rises with the jobmål (see Citizen)
    audit.record("job_goals_imported", citizen_id=citizen.id, purpose=f"count:{len(goals)}", user=actor)
    return True


def _cv_differs(citizen: Citizen, cv: AcceptedCv) -> bool:
    current = citizen.current_cv
    return current is None or (current.text or "") != normalise_text(cv.text)


def _attach_cv(citizen: Citizen, cv: AcceptedCv | None, actor: User | None,
               cv_folder: str | None) -> tuple[str, ...]:
    if cv is None:
        return ()
    stored_name = store_file(cv_folder, cv.data, cv.kind) if cv_folder else None
    try:
        citizen.cv_documents.append(_cv_document(cv, stored_name, actor))
    except Exception:
        if stored_name:
            delete_stored(cv_folder, stored_name)
        raise
    return (stored_name,) if stored_name else ()


def _cv_document(cv: AcceptedCv, stored_name: str | None, actor: User | None):
    from store.models import CvDocument

    return CvDocument(original_filename=cv.display_name, stored_name=stored_name, content_type=cv.kind,
                      text=normalise_text(cv.text), uploaded_by_id=getattr(actor, "id", None))


def upsert_opening(session: Session, record: OpeningRecord, *, actor: User | None) -> Outcome:
    """Create the company's opening with ``record.external_id`` or bring it in line.

    Like :func:`portal.openings.service.create_opening` / ``update_opening`` (outbox row,
    audit event, the company's consultant told when it is published or reopened, candidates
    shown to the company that changed requirements no longer fit marked and on hold with their
    consultants told: :mod:`portal.openings.requirements`) but without their commit, so an
    import commits in batches. A "filled" opening keeps that status (the placement flow sets
    it, a file does not undo it). ``Outcome.left_behind`` counts the candidates the change
    put on hold. The rules that refuse a row (no draft again, the capacity holds the places
    taken) are the validation's (:func:`portal.imports.openings.validate_opening`).
    """
    opening = session.scalar(sa.select(Opening).where(Opening.company_id == record.company_id,
                                                      Opening.external_id == record.external_id))
    data = record.data
    if opening is None:
        opening = Opening(company_id=record.company_id, external_id=record.external_id,
                          created_by_id=getattr(actor, "id", None),
                          **{name: getattr(data, name) for name in EDITABLE_FIELDS})
        session.add(opening)
        session.flush()
        record_change(session, "opening", opening.id)
        audit.record("opening_imported", opening_id=opening.id, purpose=f"created status:{opening.status}",
                     user=actor)
        if opening.status == "open":
            opening_service.announce_published(opening)
        return Outcome("created", opening.id)
    keep_status = opening.status == "filled"
    changed = [name for name in EDITABLE_FIELDS
               if getattr(opening, name) != getattr(data, name) and not (name == "status" and keep_status)]
    if not changed:
        return Outcome("unchanged", opening.id)
    before = opening.status
    profile_before = opening_profile(opening)  # what the candidates met
    for name in changed:
        setattr(opening, name, getattr(data, name))
    record_change(session, "opening", opening.id)
    audit.record("opening_imported", opening_id=opening.id, purpose="updated:" + ",".join(changed), user=actor)
    # As update_opening does (review W1): candidates the new requirements leave behind are marked
    # (those the opening fits again unmarked) and the company's consultant and their VKs told, who
    # read who changed them: the company through its API, else the job centre's import.
    by_company = actor is not None and actor.role == "company"
    left = requirements.apply_change(opening, changed, clock.today(), profile_before, by_company=by_company)
    if before != "open" and opening.status == "open":
        # Published, or reopened after it was closed: the job centre looks again (review W7).
        opening_service.announce_published(opening, again=before != "draft")
    return Outcome("updated", opening.id, tuple(changed), left_behind=len(left))
