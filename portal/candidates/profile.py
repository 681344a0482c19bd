"""The candidate profile a company gets after disclosure, written or approved by the consultant.

``Proposal.shared_profile`` holds (all keys optional; an empty dict = no profile yet):

===============  =====================================================================
``experience``   str: a short summary of the CV, as the consultant wrote or approved it
``goals``        str: the jobmål as job titles ("Kok, Køkkenmedhjælper")
``hours``        number: hours a week the citizen can work
``licences``     list[str]: driving licence categories in card order (["B", "CE"])
``languages``    str: "dansk, engelsk"
``start``        str: first possible day as ISO date ("2027-01-04"), "" = efter aftale
``phone``        str: only when the citizen agreed to share it (set with the consent)
``email``        str: likewise
===============  =====================================================================

:func:`draft` prefills the form from the citizen's data, :func:`approve` checks and stores it.
Never in a profile: limitations (text or flags), benefit group, CPR numbers, age, gender,
origin, contact details outside the consent's choices, the consultant's notes (the consent text
promises the citizen the first ones, SECURITY.md's allow-list the rest). :func:`draft` leaves
out every sentence of the CV that holds one of these private details
(:func:`portal.private_details.find`: health, benefit, CPR, birth year and age, gender,
origin, criminal record, phone numbers and e-mails, the citizen's own name), and
:func:`check` refuses them in what the consultant submits, naming what to remove. Pages show a
profile with :func:`rows` (label, Danish text), so every page reads it the same way.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime

import sqlalchemy as sa

from matching import licences as licence_table

from .. import audit, private_details
from ..extensions import db
from ..rules import RuleError, raise_all
from ..i18n import format_date, format_hours_count
from . import bp
from ..consents import CONTACT_KEYS
from ..proposals import ENDED, TransitionError, sharing_refusal
from ..shared_goal import shared_goal_choices
from store import clock
from store.models import Citizen, Proposal, User
from store.models.vocab import PROPOSAL_STATUSES
from store.models.base import utcnow

PROFILE_KEYS = ("experience", "goals", "hours", "licences", "languages", "start")
LABELS = {"experience": "Erfaring", "goals": "Jobmål", "hours": "Timer om ugen",
          "licences": "Kørekort", "languages": "Sprog", "start": "Kan starte",
          "phone": "Telefon", "email": "E-mail"}
MAX_EXPERIENCE = 600
MAX_LINE = 200
_SENTENCE = re.compile(r"(?<=[.!?])\s+|\n+")
# A CV's headings are not experience: "Sahras CV", "CV – Yonas", "Om mig", "Erhvervserfaring",
# and the English ones CVs written in English use ("Profile", "Work experience", ...).
_HEADING = re.compile(
    r"^(?:\S+['’]?s? cv|cv|cv\s*[-–:]\s*.+|.+\s[-–]\s*cv|curriculum vitae|om mig|profil|personlig profil|"
    r"erfaring|erhvervserfaring|arbejdserfaring|uddannelse|uddannelser|kurser|kompetencer|sprog|"
    r"kørekort|fritid|fritidsinteresser|interesser|referencer|kontakt|kontaktoplysninger|"
    r"profile|about me|work experience|experience|employment|education|courses|skills|languages|"
    r"references|contact)$",
    re.IGNORECASE)
# Lines that hold another field of the profile or contact details, not experience.
_OTHER_FIELD = re.compile(r"^(?:kørekort|sprog|languages?|driving licen[cs]e|telefon|tlf|mobil|phone|e-?mail|"
                          r"adresse|address|cpr|født|fødselsdato|jobønske|jobmål)\s*[:.]", re.IGNORECASE)
# A list item's marker: "- ", "• ", "* ".
_BULLET = re.compile(r"^[-–•*·]\s+")


class ProfileError(RuleError):
    """The profile cannot be approved as written (``field`` names the form field)."""


@dataclass(frozen=True)
class Profile:
    """A checked profile, ready to store."""

    experience: str
    goals: str
    hours: float | None
    licences: tuple[str, ...]
    languages: str
    start: date | None


def draft(citizen: Citizen) -> dict:
    """Form values prefilled from the citizen: a CV summary, jobmål titles, hours, licences, languages.

    Sentences of the CV that hold a private detail (:func:`portal.private_details.find`, with
    the citizen's own name and contact details) are left out, as are headings and lines of
    another field; the jobmål are those the company may be shown
    (:func:`portal.shared_goal.shared_goal_choices`). The consultant edits the rest before approving.
    """
    cv = citizen.current_cv
    summary = ""
    for sentence in _SENTENCE.split((cv.text if cv else "") or ""):
        sentence = " ".join(_BULLET.sub("", sentence.strip()).split())
        if not sentence or _HEADING.match(sentence) or _OTHER_FIELD.match(sentence) \
                or private_details.find(sentence, citizen):
            continue
        if sentence[-1] not in ".!?:;":  # a list item reads as a sentence of its own
            sentence = sentence[0].upper() + sentence[1:] + "."
        if len(summary) + len(sentence) + 1 > MAX_EXPERIENCE:
            break
        summary = f"{summary} {sentence}".strip()
    goals = [choice.title for choice in shared_goal_choices(citizen)]
    return {"experience": summary, "goals": ", ".join(goals)[:MAX_LINE],
            "hours": _whole(citizen.hours_available), "licences": list(citizen.driving_licences or []),
            "languages": " ".join((citizen.languages or "").split())[:MAX_LINE], "start": None}


def form_values(proposal: Proposal) -> dict:
    """The approved profile as form values, or a draft from the citizen when there is none."""
    stored = proposal.shared_profile or {}
    if proposal.profile_approved_at is None or not any(key in stored for key in PROFILE_KEYS):
        return draft(proposal.citizen)
    start = stored.get("start") or None
    return {"experience": stored.get("experience", ""), "goals": stored.get("goals", ""),
            "hours": stored.get("hours"), "licences": list(stored.get("licences") or []),
            "languages": stored.get("languages", ""),
            "start": date.fromisoformat(start) if start else None}


def check(*, experience: str, goals: str, hours: float | None, licences, languages: str,
          start: date | None, today: date | None = None, citizen: Citizen | None = None) -> Profile:
    """Clean and check a profile the consultant submitted for ``citizen``.

    Raises:
        ProfileError: a text is too long or holds a private detail (health, benefit, CPR,
            age, gender, origin, criminal record, contact details, the citizen's name: the
            message names what to remove), hours are outside 0-80, an unknown licence
            category, or a start date in the past; every broken rule at once (one per field,
            :func:`portal.rules.raise_all`).
    """
    today = today or clock.today()
    texts = {"experience": (experience, MAX_EXPERIENCE), "goals": (goals, MAX_LINE),
             "languages": (languages, MAX_LINE)}
    errors: list[ProfileError] = []
    cleaned = {}
    for name, (value, limit) in texts.items():
        value = " ".join((value or "").split())
        cleaned[name] = value
        if problem := _text_problem(value, limit, citizen):
            errors.append(ProfileError(problem, name))
    if not cleaned["experience"]:
        errors.append(ProfileError("Skriv et kort resumé af borgerens erfaring.", "experience"))
    if hours is not None and not 0 <= hours <= 80:
        errors.append(ProfileError("Timetallet skal være mellem 0 og 80.", "hours"))
    licences = list(licences or [])
    if not set(licences) <= set(licence_table.CATEGORIES):
        errors.append(ProfileError("Vælg kun kørekortkategorier fra listen.", "licences"))
    if start is not None and start < today:
        errors.append(ProfileError("Startdatoen kan ikke ligge før i dag. Lad feltet stå tomt for »efter "
                                   "aftale«.", "start"))
    raise_all(errors)
    return Profile(cleaned["experience"], cleaned["goals"], hours,
                   tuple(licence_table.ordered(licences)), cleaned["languages"], start)


def _text_problem(value: str, limit: int, citizen: Citizen | None = None) -> str | None:
    """What is wrong with one of the profile's texts (the first thing), or None."""
    if len(value) > limit:
        return f"Højst {limit} tegn."
    if any(not ch.isprintable() for ch in value):
        return "Teksten indeholder usynlige tegn eller styretegn."
    if details := private_details.find(value, citizen):
        return (f"Profilen må ikke indeholde {private_details.describe(details)}. Fjern det, og skriv kun "
                "erfaring og kompetencer; kontaktoplysninger følger borgerens valg i samtykket.")
    return None


# The form's hidden field: the approval its page showed (:func:`approval_mark`).
SEEN_FIELD = "approved_seen"


def approval_mark(approved_at: datetime | None) -> str:
    """How the form marks the approval its page showed: its time in ISO format, "" for none.
    The page writes it (:func:`approval_seen`) and :func:`approve` compares it (review BN 5)."""
    return approved_at.isoformat() if approved_at else ""


@bp.app_template_global("profile_approval_seen")
def approval_seen(proposal: Proposal) -> dict[str, str]:
    """The profile form's hidden field, ``{"name", "value"}``: :data:`SEEN_FIELD` holding the
    :func:`approval_mark` of the approval the page shows."""
    return {"name": SEEN_FIELD, "value": approval_mark(proposal.profile_approved_at)}


class ProfileReplaced(TransitionError):
    """A colleague approved the profile since the form's page was loaded (review BH 10)."""


def _check_not_replaced(proposal: Proposal, seen: str) -> None:
    """Hold the proposal's row (a no-op write, as :func:`portal.proposals.lock`) and refuse if
    its approved profile is no longer the one the form's page showed (``seen``).

    Raises:
        ProfileReplaced: rolled back; names who approved what, and when.
    """
    table = Proposal.__table__
    db.session.execute(sa.update(table).where(table.c.id == proposal.id)
                       .values(profile_approved_at=table.c.profile_approved_at))
    now = db.session.scalar(sa.select(Proposal.profile_approved_at).where(Proposal.id == proposal.id))
    if approval_mark(now) == seen:
        return
    db.session.rollback()
    db.session.refresh(proposal)
    who = db.session.get(User, proposal.profile_approved_by_id) if proposal.profile_approved_by_id else None
    shared = proposal.shared_profile or {}
    theirs = "; ".join(f"{label}: »{shared[key]}«" for key, label in (("experience", "erfaring"), ("goals", "jobmål"))
                       if shared.get(key))
    raise ProfileReplaced(
        f"Profilen er netop godkendt af {who.name if who else 'en anden'} ({format_date(now)}), mens du rettede "
        f"den, så din er ikke gemt. Den godkendte profil: {theirs or 'tom'}. Din udgave står i formularen: "
        "tryk på knappen igen for at erstatte den godkendte med din, eller genindlæs siden for at beholde den.")


def approve(proposal: Proposal, user: User, profile: Profile, seen: str | None = None) -> None:
    """Store ``profile`` as approved by ``user`` for the company (audited, committed).

    The contact details the citizen agreed to (set with the consent) are kept. ``seen`` is the
    approval the form's page showed (:data:`SEEN_FIELD`; None: a form from before it, not
    checked): a newer one (a colleague's) is not replaced silently (review BH 10).

    Raises:
        TransitionError: if the proposal is still waiting for approval, rejected or ended.
        ProfileReplaced: a colleague approved the profile since ``seen``.
    """
    if proposal.status in ("proposed", "rejected"):
        raise TransitionError("Profilen kan først godkendes, når forslaget er godkendt.")
    if proposal.status in ENDED:
        raise TransitionError(f"Forslaget er {PROPOSAL_STATUSES[proposal.status].lower()}; profilen deles ikke.")
    if refused := sharing_refusal(proposal):
        raise TransitionError(refused)
    if seen is not None:
        _check_not_replaced(proposal, seen)
    contacts = {k: v for k, v in (proposal.shared_profile or {}).items() if k in CONTACT_KEYS}
    proposal.shared_profile = {
        "experience": profile.experience, "goals": profile.goals, "hours": _whole(profile.hours),
        "licences": list(profile.licences), "languages": profile.languages,
        "start": profile.start.isoformat() if profile.start else "", **contacts}
    proposal.profile_approved_by_id, proposal.profile_approved_at = user.id, utcnow()
    audit.record("profile_approved", citizen_id=proposal.citizen_id, opening_id=proposal.opening_id,
                 purpose="shared candidate profile approved", user=user)
    db.session.commit()


def _whole(hours: float | None) -> float | int | None:
    """12.0 → 12 (shown as "12", not "12.0"); other values unchanged."""
    return int(hours) if hours is not None and float(hours).is_integer() else hours


# The profile's free texts: checked again each time a company is shown them (:func:`for_company`).
TEXT_KEYS = ("experience", "goals", "languages")


def for_company(proposal: Proposal) -> dict:
    """The stored profile as the company is shown it: each free text (:data:`TEXT_KEYS`) without
    its sentences that hold a private detail by today's check (:func:`portal.private_details.find`,
    the one :func:`check` applies), so the company sees nothing of them.

    A profile approved before the check caught something (a country named, before origin was
    caught in any phrasing) is filtered where it is shown, not changed where it is stored: the
    consultant is told on the proposal page (:func:`withheld`) and approves it again without it.
    """
    shown = dict(proposal.shared_profile or {})
    for key in TEXT_KEYS:
        if shown.get(key):
            shown[key] = " ".join(part for part in _sentences(str(shown[key]))
                                  if not private_details.find(part, proposal.citizen))
    return shown


def withheld(proposal: Proposal) -> list[private_details.Detail]:
    """The private details in the approved profile's free texts that :func:`for_company` keeps
    from the company (none for a profile approved under today's check)."""
    if not is_approved(proposal):
        return []
    stored = proposal.shared_profile or {}
    return [detail for key in TEXT_KEYS
            for detail in private_details.find(str(stored.get(key) or ""), proposal.citizen)]


def _sentences(text: str) -> list[str]:
    return [part for part in (p.strip() for p in _SENTENCE.split(text)) if part]


def is_approved(proposal: Proposal) -> bool:
    return proposal.profile_approved_at is not None and bool(
        (proposal.shared_profile or {}).get("experience"))


def rows(profile: dict) -> list[tuple[str, str]]:
    """The profile as (Danish label, text) rows in a fixed order; contact details last."""
    out = []
    for key in (*PROFILE_KEYS, *CONTACT_KEYS):
        value = (profile or {}).get(key)
        if key == "start":
            text = format_date(value) if value else "Efter aftale"
        elif key == "hours":
            text = "" if value in (None, "") else format_hours_count(value, 1)
        elif key == "licences":
            text = ", ".join(value or []) or "Intet kørekort"
        else:
            text = str(value or "")
        if text:
            out.append((LABELS[key], text))
    return out
