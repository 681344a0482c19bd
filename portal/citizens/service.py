"""Write side of the citizen pages: every change matching depends on, done one way.

Each function changes the citizen in the caller's session and then calls
:func:`_matching_changed`, which bumps the citizen row (its version counter rises, so
the index can tell new from stale), adds an outbox row and an audit event to the same
transaction. The caller commits; on any error it rolls back and nothing is written.
"""
from __future__ import annotations

from dataclasses import dataclass

import sqlalchemy as sa

from cvtext.extract import normalise_text  # the same cleaning as uploaded CV files
from matching.redact import contains_cpr

from .. import audit
from ..extensions import db
from ..notifications import assigned
from ..i18n import format_date
from ..privacy import blocklist
from store.models import Citizen, CvDocument, JobGoal, User
from store.models.citizens import external_id_key
from store.outbox import citizen_changed
from ..text import clean_line
from .forms import (CPR_IN_LIMITATIONS_MESSAGE, MAX_JOB_GOALS, job_goal_health_message,
                    job_goal_health_words, job_goal_sentence_problem)
from .uploads import AcceptedCv
from . import rectification

PROFILE_FIELDS = ("name", "phone", "email", "benefit_group", "hours_available", "postcode",
                  "max_commute_km", "driving_licences", "languages", "readiness_group", "case_start",
                  "prior_company_placement_end")


class CitizenChangeError(ValueError):
    """A change the rules refuse; ``message_da`` is shown to the consultant, at the form field
    ``field`` names when it is about one (None: the form as a whole)."""

    def __init__(self, message_da: str, field: str | None = None) -> None:
        super().__init__(message_da)
        self.message_da = message_da
        self.field = field


class JobGoalNeedsConfirmation(CitizenChangeError):
    """A jobmål that holds a health word: saved only once a person confirms it is a job title."""


def check_job_goal_text(title: str, *, confirmed: bool = False) -> None:
    """The jobmål rules beyond the form's: a job title, not a note about the citizen's health.

    Raises:
        CitizenChangeError: the text is a sentence about the citizen ("Jeg har ondt i ryggen").
        JobGoalNeedsConfirmation: it holds a health word and ``confirmed`` is False.
    """
    if problem := job_goal_sentence_problem(title):
        raise CitizenChangeError(problem)
    if not confirmed and (words := job_goal_health_words(title)):
        raise JobGoalNeedsConfirmation(job_goal_health_message(words))


@dataclass(frozen=True)
class ProfileData:
    """Validated profile values (from ``ProfileForm``)."""

    name: str
    phone: str
    email: str
    benefit_group: str
    hours_available: float
    postcode: str
    max_commute_km: float
    driving_licences: list[str]
    languages: str
    readiness_group: str
    case_start: object
    # The case system's last company-based placement's end (None: none known; the import and the
    # API give None for »keep the stored one«, portal.imports.service.OPTIONAL_PROFILE_FIELDS).
    prior_company_placement_end: object = None


def ensure_editable(citizen: Citizen) -> None:
    """Restricted (GDPR art. 18) and anonymised citizens are read-only.

    Raises:
        CitizenChangeError: the citizen may not be changed.
    """
    if citizen.anonymised_at is not None:
        raise CitizenChangeError("Borgeren er anonymiseret og kan ikke ændres.")
    if citizen.restricted:
        raise CitizenChangeError("Behandlingen af borgerens oplysninger er begrænset. Der kan ikke "
                                 "foretages ændringer.")


def _matching_changed(citizen: Citizen, action: str, purpose: str = "") -> None:
    citizen_changed(db.session, citizen)  # the version rises with jobmål and CV changes too
    audit.record(action, citizen_id=citizen.id, purpose=purpose)


def normalise_languages(text: str) -> str:
    """"Dansk ,  engelsk,,dansk" -> "dansk, engelsk" (lower case, no duplicates)."""
    words = (clean_line(w).casefold() for w in text.replace(";", ",").split(","))
    return ", ".join(dict.fromkeys(w for w in words if w))


def profile_values(data: ProfileData) -> dict[str, object]:
    """``data`` as it is stored: names, contact details, postcode and languages cleaned."""
    return {**data.__dict__, "name": clean_line(data.name), "phone": clean_line(data.phone),
            "email": clean_line(data.email), "postcode": data.postcode.strip(),
            "languages": normalise_languages(data.languages)}


def update_profile(citizen: Citizen, data: ProfileData) -> list[str]:
    """Apply the profile; return the names of the fields that changed (empty: no write).

    Raises:
        CitizenChangeError: the citizen is read-only.
    """
    ensure_editable(citizen)
    values = profile_values(data)
    changed = [f for f in PROFILE_FIELDS if getattr(citizen, f) != values[f]]
    for name in changed:
        setattr(citizen, name, values[name])
    if changed:
        # Field names only: values may be personal data and do not belong in the log.
        _matching_changed(citizen, "citizen_profile_updated", ",".join(changed))
    return ProfileChanges(changed, rectification.correct(citizen, changed))


class CaseStartRefused(CitizenChangeError):
    """A Sagsstart after the case was closed: the case would end before it starts (shown at the
    Sagsstart field)."""


def check_case_start(citizen: Citizen, data: ProfileData) -> None:
    """Refuse a new Sagsstart after the case's closing, the current one or, for a reopened case,
    the first (``case_closure``): the close form refuses the same order the other way round
    (:func:`.case.close_case`), and the figures would read a negative period (review AV 9).
    An unchanged Sagsstart passes (dates out of order from before do not block other edits).

    Every path that changes a Sagsstart calls it before :func:`update_profile`: the profile form
    (at its field) and the import (the row refused at its Sagsstart column). It is not inside
    :func:`update_profile`, whose import caller takes only ``RecordRefused`` per row.

    Raises:
        CaseStartRefused: with the closing date in Danish.
    """
    case_start = data.case_start
    if case_start is None or case_start == citizen.case_start:
        return
    earlier = min((c.closed_on for c in citizen.case_closures), default=None)
    if earlier is not None and case_start > earlier:
        raise CaseStartRefused(f"Sagsstart kan ikke ligge efter sagens første afslutning ({format_date(earlier)}); "
                               "sagen blev genåbnet senere. Vælg en dato senest den dag.")
    if citizen.case_closed is not None and case_start > citizen.case_closed:
        raise CaseStartRefused(f"Sagsstart kan ikke ligge efter sagens afslutning ({format_date(citizen.case_closed)}). "
                               "Vælg en dato senest den dag; en genåbnet sag beholder sin sagsstart (genåbningen har sin egen dato).")


class ProfileChanges(list):
    """The names of the fields :func:`update_profile` changed (a list, as before), with the
    companies told of a corrected name, phone or e-mail (``corrected``, review AU 3)."""

    def __init__(self, changed: list[str], corrected) -> None:
        super().__init__(changed)
        self.corrected = corrected


class ExternalIdRefused(CitizenChangeError):
    """The case-system id of a new citizen is taken, belongs to an erased citizen, or looks like
    a CPR number."""


# SECURITY.md: never a CPR number in URLs or logs, and the external id is both (the API's paths,
# /borgere links, the erase page, server logs). Many case systems key citizens by CPR, so it
# is refused where a person types one (the web form, an import file) and, in words for an
# integrator, by the API (portal.api.citizens).
CPR_ID_MESSAGE = ("Id'et ligner et CPR-nummer. Et CPR-nummer må ikke bruges som id, for id'et står i "
                  "adresser og logfiler. Brug fagsystemets eget id for borgeren (fx sagsnummeret).")


def looks_like_cpr(external_id: str) -> bool:
    """Whether a case-system id holds a CPR-like number anywhere: six and four digits, together
    or with a hyphen or space, or the date written apart (01.01.90-1234, 0101-901234), not glued
    to other digits (:func:`matching.redact.contains_cpr`,
    the pattern CVs are redacted by; deliberately wider than valid dates, so a plain ten-digit
    key is refused too)."""
    return contains_cpr(external_id)


def check_external_id(external_id: str) -> None:
    """The rule every path that stores a case-system id applies to its form (besides being
    unique and not erased, which need the database).

    Raises:
        ExternalIdRefused: the id looks like a CPR number (:data:`CPR_ID_MESSAGE`).
    """
    if looks_like_cpr(external_id):
        raise ExternalIdRefused(CPR_ID_MESSAGE)


def folded_external_id(external_id: str) -> str:
    """A typed case-system id as the one rule compares it: :func:`clean_line` (as the import
    stores it), then :func:`store.models.citizens.external_id_key` (NFKC and full Unicode case
    folding), so » av-9 « and »AV-9«, »æø-1« and »ÆØ-1« are one id on SQLite and PostgreSQL alike."""
    return external_id_key(clean_line(external_id))


def same_external_id(external_id: str):
    """The one rule for "the same case-system id" (review AV 7), as a condition on ``Citizen``:
    the stored, indexed key (``Citizen.external_id_key``, migration 0035) equals the typed id's
    (:func:`folded_external_id`), so a hand-typed » av-9 « finds AV-9 instead of splitting the
    person into two cases, without reading every citizen. The folding is Python's on both sides
    (never the database's ``lower``, which on SQLite folds only A-Z)."""
    return Citizen.external_id_key == folded_external_id(external_id)


class ExternalIdTaken(ExternalIdRefused):
    """The case-system id belongs to a citizen already (``citizen``), named and, when staff may
    see that citizen (not anonymised), linked on the form."""

    def __init__(self, citizen: Citizen, typed: str) -> None:
        if citizen.anonymised_at is not None:
            message = ("Id'et i fagsystemet tilhører en anonymiseret sag og kan ikke bruges igen. Brug "
                       "fagsystemets aktuelle id for borgeren.")
        else:
            message = f"Der findes allerede en borger med id'et {citizen.external_id} i fagsystemet: borger nr. {citizen.id}."
            if citizen.external_id != typed:
                message += " Id'er sammenlignes uden forskel på store og små bogstaver."
            message += " Er det den samme person, så brug den borger i stedet."
        super().__init__(message)
        self.citizen = citizen if citizen.anonymised_at is None else None


ERASED_ID_MESSAGE = ("En borger med dette id i fagsystemet er slettet efter databeskyttelsesforordningens "
                     "art. 17 og oprettes ikke igen. Var sletningen en fejl, eller har borgeren fået en "
                     "ny sag, kan en administrator fjerne spærringen.")


@dataclass(frozen=True)
class LikelyDuplicate:
    """A citizen already in the portal who is probably the person about to be created:
    the same name and the same e-mail, phone or case-system id (``same``: which, in Danish)."""

    citizen: Citizen
    same: tuple[str, ...]


def _same_name(name: str) -> str:
    return " ".join((name or "").split()).casefold()


def _phone_digits(phone: str) -> str:
    """The subscriber number of a Danish phone: digits only, without +45/0045."""
    digits = "".join(ch for ch in (phone or "") if ch.isdigit())
    for prefix in ("0045", "45"):
        if len(digits) == 8 + len(prefix) and digits.startswith(prefix):
            return digits[len(prefix):]
    return digits


def likely_duplicates(name: str, *, phone: str = "", email: str = "", external_id: str = "",
                      exclude_id: int | None = None) -> list[LikelyDuplicate]:
    """The live (not anonymised) citizens with the same name (case and spaces aside) and the
    same e-mail (case aside), phone (+45 and spaces aside) or case-system id, oldest first.

    Used before a citizen is created (»Opret borger«, the import), so one person is not split
    into several cases without a warning: counted twice in the goals, proposed twice, and left
    behind in full when an erasure is handled on one of them.
    """
    wanted_name = _same_name(name)
    email, digits, external_id = (email or "").strip().casefold(), _phone_digits(phone), (external_id or "").strip()
    if not wanted_name or not (email or len(digits) >= 8 or external_id):
        return []
    compact_phone = sa.func.replace(sa.func.replace(sa.func.replace(Citizen.phone, " ", ""), "-", ""), "+", "")
    contact = []
    if email:
        contact.append(sa.func.lower(Citizen.email) == email)
    if len(digits) >= 8:
        contact.append(compact_phone.like(f"%{digits}"))
    if external_id:
        contact.append(same_external_id(external_id))
    query = sa.select(Citizen).where(Citizen.anonymised_at.is_(None), sa.or_(*contact)).order_by(Citizen.id).limit(50)
    if exclude_id is not None:
        query = query.where(Citizen.id != exclude_id)
    found = []
    for citizen in db.session.scalars(query):
        if _same_name(citizen.name) != wanted_name:
            continue
        same = tuple(label for label, hit in (
            ("e-mail", bool(email) and (citizen.email or "").strip().casefold() == email),
            ("telefon", len(digits) >= 8 and _phone_digits(citizen.phone) == digits),
            ("id i fagsystemet", bool(external_id) and citizen.external_id_key == folded_external_id(external_id)))
            if hit)
        if same:
            found.append(LikelyDuplicate(citizen, same))
    return found


def announce_caseworkers(citizen: Citizen, before: tuple[int | None, int | None], by: User | None) -> int:
    """Tell the caseworkers of ``citizen`` who gained, lost or kept a seat since ``before`` (VK,
    adviser), but not ``by``, in the caller's transaction
    (:func:`portal.notifications.assigned.announce_assigned`, review AV 6, AZ 1).

    The one place a single citizen's caseworkers are told (review BN 3): :func:`create_citizen`
    and :func:`assign_caseworkers` call it themselves, and so does the import's upsert for the
    API (:func:`portal.imports.service.upsert_citizen`); an import file tells each VK in one
    summary instead. Returns how many were told."""
    return assigned.announce_assigned(citizen, old_vk_id=before[0], old_adviser_id=before[1], by=by,
                                      tell_others=True)


def record_created_anyway(citizen_id: int, likely: list[LikelyDuplicate], *, actor: User | None,
                          action: str = "citizen_created") -> None:
    """A citizen created although it looks like ``likely`` (»Opret alligevel« on the web, the
    API's ``?lookalikes=create``): the override is audited with the citizens it looked like, in
    the caller's transaction, one way for every path (review BN 3). Nothing when ``likely`` is
    empty. ``action``: the creation's own action (``citizen_imported`` for the API)."""
    if likely:
        audit.record(action, citizen_id=citizen_id, user=actor,
                     purpose="likely duplicate created anyway: Citizen:" + ",".join(str(d.citizen.id) for d in likely))


def create_citizen(data: ProfileData, *, external_id: str, vk: User | None,
                   creator: User | None = None, created_anyway: list[LikelyDuplicate] = ()) -> Citizen:
    """A citizen typed in by a consultant ("Opret borger"); jobmål and CV follow on its page.

    The team is the VK's; without a VK, the creator's (review AV 1: a citizen on no team is on
    nobody's work list; the import does the same with the importing user's team). An external id, when given, follows the import's and the API's
    rules: never CPR-like (:func:`check_external_id`), unique, and never the id of an erased
    citizen (:func:`portal.privacy.blocklist.was_erased`). Audited as ``citizen_created`` with an outbox
    row, like every change; the caller commits. The VK is told (:func:`announce_caseworkers`) in
    the same transaction, as when the VK is set on the caseworker page (review BN 3).
    ``created_anyway``: the likely duplicates the creator chose to override (»Opret alligevel«),
    audited (:func:`record_created_anyway`).

    Raises:
        ExternalIdRefused: the external id looks like a CPR number, is taken (ExternalIdTaken: by
            :func:`same_external_id`) or was erased.
        CitizenChangeError: the VK is not an active consultant, or hours or commute are missing.
    """
    external_id = clean_line(external_id)
    if external_id:
        check_external_id(external_id)
        taken = db.session.scalars(sa.select(Citizen).where(same_external_id(external_id))
                                   .order_by(Citizen.id).limit(1)).first()
        if taken is not None:
            raise ExternalIdTaken(taken, external_id)
        if blocklist.was_erased(db.session, external_id):
            raise ExternalIdRefused(ERASED_ID_MESSAGE)
    if vk is not None and (vk.role != "consultant" or not vk.active):
        raise CitizenChangeError("Vælg en aktiv konsulent.", "vk_id")
    # Never the model's default for a value the caller lost: 0 hours is a hard limit of matching.
    if data.hours_available is None:
        raise CitizenChangeError("Skriv antal timer (0–80).", "hours_available")
    if data.max_commute_km is None:
        raise CitizenChangeError("Skriv hvor langt borgeren kan transportere sig.", "max_commute_km")
    citizen = Citizen(
        external_id=external_id or None, name=clean_line(data.name), phone=clean_line(data.phone),
        email=clean_line(data.email), benefit_group=data.benefit_group,
        hours_available=data.hours_available, postcode=data.postcode.strip(),
        max_commute_km=data.max_commute_km, driving_licences=list(data.driving_licences or ()),
        languages=normalise_languages(data.languages), readiness_group=data.readiness_group,
        case_start=data.case_start, prior_company_placement_end=data.prior_company_placement_end,
        vk_id=vk.id if vk else None, team_id=vk.team_id if vk else getattr(creator, "team_id", None),
        limitation_flags=[], limitations_text="")
    db.session.add(citizen)
    db.session.flush()  # the outbox row and the audit event need the id
    _matching_changed(citizen, "citizen_created", "by hand" + (", external id" if external_id else ""))
    record_created_anyway(citizen.id, list(created_anyway), actor=creator)
    announce_caseworkers(citizen, (None, None), creator)
    return citizen


def add_job_goal(citizen: Citizen, title: str, *, confirmed: bool = False) -> JobGoal:
    """Add a jobmål at the end of the list.

    Args:
        confirmed: the consultant confirmed a title with a health word (:func:`check_job_goal_text`).

    Raises:
        CitizenChangeError: read-only citizen, already 10 jobmål, the same jobmål twice, or
            not a job title (:func:`check_job_goal_text`, also ``JobGoalNeedsConfirmation``).
    """
    ensure_editable(citizen)
    title = clean_line(title)
    if len(citizen.job_goals) >= MAX_JOB_GOALS:
        raise CitizenChangeError(f"En borger kan højst have {MAX_JOB_GOALS} jobmål. Fjern et, før du "
                                 "tilføjer et nyt.")
    if any(g.title.casefold() == title.casefold() for g in citizen.job_goals):
        raise CitizenChangeError("Borgeren har allerede det jobmål.")
    check_job_goal_text(title, confirmed=confirmed)
    position = max((g.position for g in citizen.job_goals), default=-1) + 1
    goal = JobGoal(title=title, position=position)
    citizen.job_goals.append(goal)
    _matching_changed(citizen, "job_goal_added")
    return goal


def rename_job_goal(citizen: Citizen, goal: JobGoal, title: str, *, confirmed: bool = False) -> bool:
    """Change a jobmål's text in place; its priority stays.

    Returns:
        False when the text is unchanged (nothing written).

    Raises:
        CitizenChangeError: read-only citizen, another jobmål already has that text, or not a
            job title (:func:`check_job_goal_text`, also ``JobGoalNeedsConfirmation``).
    """
    ensure_editable(citizen)
    title = clean_line(title)
    if title == goal.title:
        return False
    if any(g is not goal and g.title.casefold() == title.casefold() for g in citizen.job_goals):
        raise CitizenChangeError("Borgeren har allerede det jobmål.")
    check_job_goal_text(title, confirmed=confirmed)
    goal.title = title
    _matching_changed(citizen, "job_goal_renamed")
    return True


def remove_job_goal(citizen: Citizen, goal: JobGoal) -> None:
    """Remove one jobmål; the last one stays (a citizen has 1..10).

    Raises:
        CitizenChangeError: read-only citizen, or it is the only jobmål.
    """
    ensure_editable(citizen)
    if len(citizen.job_goals) <= 1:
        raise CitizenChangeError("Borgeren skal have mindst ét jobmål. Tilføj det nye jobmål, før du "
                                 "fjerner det sidste.")
    citizen.job_goals.remove(goal)
    _renumber(citizen)
    _matching_changed(citizen, "job_goal_removed")


def move_job_goal(citizen: Citizen, goal: JobGoal, direction: str) -> bool:
    """Move a jobmål one place up or down (the order is the citizen's priority).

    Returns:
        False when it is already first/last (nothing written).

    Raises:
        CitizenChangeError: read-only citizen.
    """
    ensure_editable(citizen)
    goals = list(citizen.job_goals)
    index = goals.index(goal)
    other = index - 1 if direction == "up" else index + 1
    if not 0 <= other < len(goals):
        return False
    goals[index], goals[other] = goals[other], goals[index]
    for position, item in enumerate(goals):
        item.position = position
    citizen.job_goals[:] = goals
    _matching_changed(citizen, "job_goal_moved")
    return True


def _renumber(citizen: Citizen) -> None:
    for position, goal in enumerate(citizen.job_goals):
        goal.position = position


def add_cv_text(citizen: Citizen, text: str, user: User) -> CvDocument:
    """Store a typed or pasted CV as the citizen's current CV.

    Raises:
        CitizenChangeError: read-only citizen, or no text left after cleaning.
    """
    ensure_editable(citizen)
    cleaned = normalise_text(text)
    if len(cleaned) < 20:
        raise CitizenChangeError("CV-teksten skal være på mindst 20 tegn.")
    cv = CvDocument(original_filename="", stored_name=None, content_type="txt", text=cleaned,
                    uploaded_by_id=user.id)
    citizen.cv_documents.append(cv)
    _matching_changed(citizen, "cv_text_saved")
    return cv


def add_cv_file(citizen: Citizen, accepted: AcceptedCv, stored_name: str, user: User) -> CvDocument:
    """Record an accepted, already stored CV file as the citizen's current CV.

    Raises:
        CitizenChangeError: read-only citizen.
    """
    ensure_editable(citizen)
    cv = CvDocument(original_filename=accepted.display_name, stored_name=stored_name,
                    content_type=accepted.kind, text=accepted.text, uploaded_by_id=user.id)
    citizen.cv_documents.append(cv)
    _matching_changed(citizen, "cv_uploaded", accepted.kind)
    return cv


def record_cv_deleted(citizen: Citizen, purpose: str) -> None:
    """A CV version deleted (:func:`portal.citizens.cv_removal.remove`): the citizen is pending for
    the indexer, as after an upload, and the deletion is audited (``cv_deleted``)."""
    _matching_changed(citizen, "cv_deleted", purpose)


def assign_caseworkers(citizen: Citizen, vk: User | None, adviser: User | None,
                       confirmed: bool, *, by: User | None, announce: bool = True) -> bool:
    """Set VK and adviser; the citizen's team becomes the new VK's (when the VK has one).
    Replacing an existing VK needs ``confirmed`` (nærhedsprincip).

    The caseworkers who gain, lose or keep a seat are told, but not ``by``, who made the change
    (:func:`announce_caseworkers`, review BN 3); ``announce`` False: the caller tells them
    otherwise (an import file: one summary per VK after the file).

    Returns:
        True if anything changed.

    Raises:
        CitizenChangeError: read-only citizen, a non-consultant chosen, or an
            unconfirmed change of VK.
    """
    ensure_editable(citizen)
    new_vk, new_adviser = (vk.id if vk else None), (adviser.id if adviser else None)
    # Keeping a (since disabled) caseworker is allowed; a new assignment must be active.
    # Each refusal names its field (review BM 3): the form shows it there and links it in the summary.
    for person, current, field in ((vk, citizen.vk_id, "vk_id"), (adviser, citizen.adviser_id, "adviser_id")):
        if person is not None and person.id != current and (person.role != "consultant" or not person.active):
            raise CitizenChangeError("Vælg en aktiv konsulent.", field)
    if citizen.vk_id is not None and new_vk != citizen.vk_id and not confirmed:
        raise CitizenChangeError("Du skifter borgerens virksomhedskonsulent. Få skift af sagsbehandler "
                                 "er et mål i sig selv: bekræft skiftet for at gemme.", "confirm_vk_change")
    # The citizen's team follows the VK's (as the import sets it), so "Mit team" and the team's
    # figures move with the case; a VK without a team leaves the team as it was.
    new_team = vk.team_id if vk is not None and vk.team_id is not None else citizen.team_id
    if (new_vk, new_adviser, new_team) == (citizen.vk_id, citizen.adviser_id, citizen.team_id):
        return False
    before = citizen.vk_id, citizen.adviser_id
    citizen.vk_id, citizen.adviser_id, citizen.team_id = new_vk, new_adviser, new_team
    _matching_changed(citizen, "citizen_assigned",
                      f"vk:{new_vk or '-'},adviser:{new_adviser or '-'},team:{new_team or '-'}")
    if announce:
        announce_caseworkers(citizen, before, by)
    return True


def update_limitations(citizen: Citizen, flags: list[str], text: str) -> bool:
    """Save skånehensyn (special-category data).

    Not a matching input, but the row's version rises, so an outbox row keeps the
    index's copy of the version in step.

    Returns:
        True if anything changed.

    Raises:
        CitizenChangeError: read-only citizen, or a CPR-like number in the text (the one rule
            every typed field applies, :data:`.forms.CPR_IN_LIMITATIONS_MESSAGE`).
    """
    ensure_editable(citizen)
    if contains_cpr(text or ""):
        raise CitizenChangeError(CPR_IN_LIMITATIONS_MESSAGE)
    flags = sorted(set(flags))
    text = normalise_text(text or "", 2000)
    if flags == sorted(citizen.limitation_flags or []) and text == (citizen.limitations_text or ""):
        return False
    citizen.limitation_flags, citizen.limitations_text = flags, text
    _matching_changed(citizen, "limitations_updated")  # the audit never holds the details
    return True
