"""Udtræk til indsigt: everything the portal holds about one citizen (GDPR art. 15, review AU 1).

An answer to a request for access must hold the data itself, the purposes, the recipients and
the retention, in plain language (art. 12). :func:`gather` collects, for one citizen:

- the profile (with the case's earlier closings and VKs, and the wage hours per month the case
  system told of), the jobmål, every stored CV version
  (its text; the files go into the ZIP download), the skånehensyn;
- every proposal: the decision and its reason, the company's answers (earlier ones too), the
  consents (text version, channel, given, deadline, withdrawn or replaced), what was shared
  with the company and when (name, each time; the profile and contact details, the contact
  details also after the consent ended: ``Proposal.shared_contacts``; the CV and its version),
  the interviews;
- what each company got (the recipients, art. 15(1)(c)), past disclosures included: a summary,
  and each time the name was shown, from when to when, with the contact details and the CV that
  came with it (the consent's choices: its audit event, since a withdrawal, an end or a new round
  clears them from the proposal; only those its text covered, :data:`portal.consents.CONSENT_SCOPES`:
  under »samtykke-v1« the name alone, except a time shown before the portal followed the text
  (:func:`scope_rule_from`), which states what the record says was given and »Ukendt« where none
  says) and how it ended; and the company's CV downloads;
- the placements with their hours, follow-ups and success stories, and the hotline requests about them;
- the reasons of the »Ingen egnede kandidater lige nu« marks that name the citizen (erasure
  blanks them as the citizen's: :func:`portal.privacy.scrubbing.naming_marks`);
- the access log's rows about the citizen, purposes in Danish (:mod:`.audit_view`);
- the retention: when the case is anonymised (the day after ``RETENTION_DAYS`` after closing, :func:`portal.privacy.retention.anonymised_on`), and when a
  replaced CV version is deleted (:mod:`portal.citizens.cv_versions`).

The result is plain data (dicts and lists with Danish keys, dates as ``date``/``datetime``):
the page renders it as it is, and :func:`as_json` writes the same data, so the two never
differ. Reading it is the route's business: administrators only, after a fresh login, audited
before anything is gathered (:mod:`.citizen_access`).
"""
from __future__ import annotations

import json
import logging
import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal

import sqlalchemy as sa
from flask import g, has_request_context

from store import clock
from store.models import (AuditEvent, Citizen, Consent, CvDocument, DeploymentFact, HotlineRequest, Interview, Opening,
                          Placement, Proposal, SuccessStory, User)
from store.models.deployment import CONSENT_SCOPE_RULE_FROM
from store.models.stories import STORY_STATUSES
from store.models.vocab import (BENEFIT_GROUPS, CASE_CLOSE_REASONS, COMPANY_RESPONSES, CONSENT_CHANNELS,
                                END_REASONS, HOTLINE_CATEGORIES, HOTLINE_MESSAGE_KINDS, HOTLINE_STATUSES,
                                HOTLINE_URGENCIES, INTERVIEW_SIDES, INTERVIEW_STATUSES, LIMITATION_FLAGS,
                                OPENING_KINDS, PLACEMENT_EVENT_KINDS, PROPOSAL_STATUSES, READINESS_GROUPS, ROLES)

from .. import consents, name_order, postcodes, proposals
from ..privacy import retention, scrubbing
from ..candidates import none_suitable
from ..citizens import cv_sharing, cv_versions
from ..extensions import db
from ..i18n import format_date
from ..pseudonyms import pseudonym
from . import audit_view

# The keys of Proposal.shared_profile, as the proposal page names them.
SHARED_PROFILE_LABELS = {"experience": "Erfaring", "goals": "Jobmål", "hours": "Timer", "licences": "Kørekort",
                         "languages": "Sprog", "start": "Kan starte", "phone": "Telefon", "email": "E-mail"}
CONTACT_KEYS = ("phone", "email")


def _yes(value: bool | None) -> str | None:
    return None if value is None else ("Ja" if value else "Nej")


class _Users:
    """Names of the users the data names, looked up once each."""

    def __init__(self) -> None:
        self._names: dict[int, str] = {}

    def __call__(self, user_id: int | None) -> str | None:
        if user_id is None:
            return None
        if user_id not in self._names:
            user = db.session.get(User, user_id)
            if user is None:
                self._names[user_id] = f"Bruger nr. {user_id} (findes ikke længere)"
            else:
                where = user.company.name if user.role == "company" and user.company else "Jobcentret"
                self._names[user_id] = f"{user.name} ({ROLES.get(user.role, user.role).lower()}, {where})"
        return self._names[user_id]


def gather(citizen: Citizen, *, retention_days: int, made_by: str, organisation: str,
           reference: str | None = None) -> list[dict]:
    """The sections of the answer, in order: each ``{"id", "titel", "forklaring", "indhold"}``;
    ``reference`` (the access request's, as the administrator gave it) is in »Om udtrækket«, so a
    file is tied to its request without reading the access log (review BE 4)."""
    users = _Users()
    proposals_of = list(db.session.scalars(sa.select(Proposal).where(Proposal.citizen_id == citizen.id)
                                           .order_by(Proposal.id)))
    placements = list(db.session.scalars(sa.select(Placement).where(Placement.citizen_id == citizen.id)
                                         .order_by(Placement.start_date, Placement.id)))
    history = _History(citizen)
    shares = {p.id: _periods(p, history) for p in proposals_of}
    sections = [
        _section("om", "Om udtrækket", "Hvad udtrækket er, og hvem der har lavet det.", {
            "Borgernummer": citizen.id, "Anmodningens reference": reference, "Lavet": clock.utcnow(),
            "Lavet af": made_by, "Dataansvarlig": organisation,
            "Indhold": "Alle oplysninger, Jobbro har om borgeren, hvad de bruges til, hvem der har fået dem, "
                       "og hvor længe de gemmes (databeskyttelsesforordningens artikel 15)."}),
        _section("profil", "Profil", "Borgerens stamoplysninger, som jobcentret har registreret dem.",
                 _profile(citizen, users)),
        _section("jobmaal", "Jobmål", "Borgerens jobmål i prioriteret rækkefølge.",
                 [goal.title for goal in citizen.job_goals]),
        _section("cv", "CV", "Alle gemte versioner af borgerens CV, nyeste sidst. Filerne er med i ZIP-filen.",
                 _cv_versions(citizen, users, proposals_of, shares)),
        _section("skaanehensyn", "Skånehensyn",
                 "Hensyn ved arbejde. De gives aldrig til virksomheder og bruges ikke i matchingen.", {
                     "Hensyn": [LIMITATION_FLAGS.get(flag, flag) for flag in citizen.limitation_flags or []],
                     "Beskrivelse": citizen.limitations_text or None}),
        _section("forslag", "Forslag til job",
                 "Hvert opslag, borgeren er vurderet eller foreslået til: konsulentens beslutning og begrundelse, "
                 "samtykker, hvad virksomheden har fået og svaret, og samtaler.",
                 [_proposal(p, users, history) for p in proposals_of]),
        _section("delt", "Hvad virksomhederne har fået",
                 "Modtagerne af borgerens oplysninger: hver virksomhed, der har fået borgerens navn, hvad og hvornår, "
                 "også det, virksomheden ikke længere ser, fordi samtykket er trukket tilbage, udløbet eller "
                 "sluttet med forslaget.",
                 [row for p in proposals_of if (row := _shared(p, shares[p.id], history))]),
        _section("forloeb", "Forløb", "Praktikker, løntilskud, job og andre forløb med timer og opfølgning.",
                 [_placement(p, users) for p in placements]),
        _section("hotline", "Henvendelser til hotlinen",
                 "Virksomhedernes henvendelser om borgerens forløb og dem uden forløb, der nævner borgeren "
                 "(navn, telefon eller e-mail), med alle beskeder.",
                 _hotline(citizen, placements, users)),
        _section("ingen_egnede", "Begrundelser for »Ingen egnede kandidater lige nu«",
                 "Konsulenternes begrundelser, da de markerede et opslag »Ingen egnede kandidater lige nu«, "
                 f"hvor borgerens navn, telefon eller e-mail står. En begrundelse tømmes "
                 f"{none_suitable.REASON_KEEP_DAYS} dage efter, at markeringen er ophørt.",
                 _none_suitable(citizen, users)),
        _section("adgangslog", "Adgangslog",
                 "Hvem i Jobbro har læst eller ændret borgerens oplysninger, hvornår og hvorfor (nyeste først).",
                 _access_log(citizen.id)),
        _section("opbevaring", "Opbevaring", "Hvor længe oplysningerne gemmes.", _retention(citizen, retention_days)),
        _section("formaal", "Formål, retsgrundlag og modtagere", "Hvad oplysningerne bruges til, og hvem der får dem.",
                 _purposes(proposals_of)),
    ]
    return sections


def _section(key: str, title: str, explanation: str, content) -> dict:
    return {"id": key, "titel": title, "forklaring": explanation, "indhold": content}


def _profile(citizen: Citizen, users: _Users) -> dict:
    town = postcodes.town_of(citizen.postcode)
    return {
        "Navn": citizen.name, "Telefon": citizen.phone or None, "E-mail": citizen.email or None,
        "Postnummer": f"{citizen.postcode} {town}".strip() if citizen.postcode else None,
        "Id i jobcentrets fagsystem": citizen.external_id,
        "Ydelsesgruppe": BENEFIT_GROUPS.get(citizen.benefit_group, citizen.benefit_group),
        "Parathed": READINESS_GROUPS.get(citizen.readiness_group, citizen.readiness_group),
        "Timer pr. uge": citizen.hours_available, "Længste transport (km)": citizen.max_commute_km,
        "Kørekort": ", ".join(citizen.driving_licences or []) or None, "Sprog": citizen.languages or None,
        "Virksomhedskonsulent (VK)": users(citizen.vk_id), "Rådgiver": users(citizen.adviser_id),
        "Team": citizen.team.name if citizen.team else None,
        "Sagen startet": citizen.case_start, "Sagen afsluttet": citizen.case_closed,
        "Seneste virksomhedsrettede forløb før Jobbro (slutdato)": citizen.prior_company_placement_end,
        "Årsag til afslutning": CASE_CLOSE_REASONS.get(citizen.case_close_reason) if citizen.case_close_reason else None,
        "Behandlingen begrænset (art. 18)": _yes(citizen.restricted),
        "Oprettet i Jobbro": citizen.created_at, "Sidst ændret": citizen.updated_at,
        "Tidligere afslutninger af sagen": [
            {"Afsluttet": c.closed_on, "Genåbnet": c.reopened_on,
             "Årsag": CASE_CLOSE_REASONS.get(c.reason) if c.reason else None} for c in citizen.case_closures],
        "Tidligere virksomhedskonsulenter": [
            {"VK": users(c.vk_id) or "Ingen", "Til": c.replaced_at} for c in citizen.vk_changes],
        # The case system's ordinary wage hours per month (0044): they count in the focus goal.
        "Løntimer oplyst af fagsystemet": [
            {"Måned (første dag)": h.month, "Timer": h.hours, "Indlæst": h.imported_at} for h in citizen.prior_wage_hours],
    }


def _cv_versions(citizen: Citizen, users: _Users, proposals_of: list[Proposal],
                 shares: dict[int, list[_Period]]) -> list[dict]:
    current = citizen.current_cv
    shared = cv_sharing.sharing(citizen)
    rows = []
    for cv in citizen.cv_documents:
        companies = sorted({item.proposal.opening.company.name for item in shared if item.cv is cv}, key=name_order.sort_key)
        given = sorted({p.opening.company.name for p in proposals_of
                        if any(period.cv is cv for period in shares[p.id])}, key=name_order.sort_key)
        if cv is current:
            state = "Nuværende CV"
        elif (until := cv_versions.delete_on(citizen, cv)) is not None:
            state = ("Erstattet af et nyere CV; slettes " + (
                "ved jobcentrets næste daglige oprydning" if until <= clock.today() else f"senest {format_date(until)}"))
        else:
            state = "Erstattet af et nyere CV; gemmes, så længe en virksomhed har det efter borgerens samtykke"
        rows.append({"CV nr.": cv.id, "Gemt": cv.created_at, "Gemt af": users(cv.uploaded_by_id),
                     "Fil": cv.original_filename or ("Skrevet i Jobbro" if not cv.stored_name else None),
                     "Status": state, "Virksomheder, der har denne version": companies,
                     "Virksomheder, der har fået denne version": given,
                     "Tekst": cv.text or None})
    return rows


def _proposal(proposal: Proposal, users: _Users, history: _History) -> dict:
    opening = proposal.opening
    interviews = db.session.scalars(sa.select(Interview).where(Interview.proposal_id == proposal.id)
                                    .order_by(Interview.starts_at, Interview.id)).all()
    return {
        "Forslag nr.": proposal.id, "Opslag": f"{opening.title} (nr. {opening.id})",
        "Virksomhed": opening.company.name, "Slags": OPENING_KINDS.get(opening.kind, opening.kind),
        "Kaldenavn hos virksomheden": pseudonym(proposal.citizen_id, opening.id),
        "Status": _status(proposal), "Oprettet": proposal.created_at,
        "Matchscore": round(proposal.score, 3) if proposal.score is not None else None,
        "Besluttet": proposal.decided_at, "Besluttet af": users(proposal.decided_by_id),
        "Begrundelse": proposal.decision_reason or None, "Afsluttet": proposal.ended_on,
        "Jobmål vist for virksomheden": proposal.shared_goal or None,
        "Profil til virksomheden": _shared_profile(proposal.shared_profile),
        "Profilen godkendt": proposal.profile_approved_at, "Profilen godkendt af": users(proposal.profile_approved_by_id),
        "Borgeren har sagt ja til at dele CV": _yes(_cv_chosen(proposal)),
        "Navnet delt med virksomheden": [d.disclosed_at for d in proposal.earlier_disclosures]
                                        + ([proposal.disclosed_at] if proposal.disclosed_at else []),
        "Virksomhedens svar": COMPANY_RESPONSES.get(proposal.company_response) if proposal.company_response else None,
        "Svaret givet": proposal.company_responded_at, "Virksomhedens bemærkning": proposal.company_response_note or None,
        "Tidligere svar": [{"Svar": COMPANY_RESPONSES.get(a.response, "Intet svar") if a.response else "Intet svar",
                            "Givet": a.answered_at} for a in proposal.earlier_answers],
        "Samtykker": [{"Givet": c.given_at, "Kanal": CONSENT_CHANNELS.get(c.channel, c.channel),
                       "Samtykketekst (version)": c.text_version, "Gælder til og med": c.deadline,
                       "Registreret af": users(c.recorded_by_id), "Trukket tilbage": c.withdrawn_at,
                       "Erstattet af et nyt samtykke": c.replaced_at,
                       "Sluttede med forslaget": _yes(c.ended_with_proposal) if c.ended_with_proposal else None,
                       "Borgeren sagde ja til at dele": _choices_text(c, _choices(c, proposal, history),
                                                                      _recorded_choices(c, proposal, history))}
                      for c in proposal.consents],
        "Samtaler": [{"Tidspunkt": i.starts_at, "Varighed (minutter)": i.duration_minutes, "Sted": i.location or None,
                      "Foreslået af": INTERVIEW_SIDES.get(i.offered_by, i.offered_by),
                      "Status": INTERVIEW_STATUSES.get(i.status, i.status)} for i in interviews],
    }


def _status(proposal: Proposal) -> str:
    """The proposal's status; a name shown under a consent whose text covers the name alone says
    so, as the consultant's page does (review BJ 2), not »Navn og profil delt«."""
    if (proposal.status == "disclosed" and consents.active_consent(proposal) is not None
            and "profile" not in consents.shared_scope(proposal)):
        return "Navnet delt med virksomheden (samtykket dækker ikke profilen)"
    return PROPOSAL_STATUSES.get(proposal.status, proposal.status)


def _cv_chosen(proposal: Proposal) -> bool | None:
    """Proposal.share_cv, the choice of the latest consent, as far as that consent's text covers a
    CV (:func:`portal.consents.choices_scope`): one under »samtykke-v1« never shared it."""
    if proposal.share_cv and proposal.consents and "cv" not in consents.choices_scope(proposal):
        return False
    return proposal.share_cv


def _shared_profile(profile: dict | None) -> dict:
    return {SHARED_PROFILE_LABELS.get(key, key): value for key, value in (profile or {}).items() if value}


# A name shared before the portal kept which contact details went with it (migration 0036), and
# whose history did not say.
_UNKNOWN_CONTACTS = ("Ikke registreret: navnet blev delt, før jobcentret registrerede, hvilke "
                     "kontaktoplysninger virksomheden fik.")


def _shared(proposal: Proposal, periods: list[_Period], history: _History) -> dict | None:
    """What the proposal's company got of the citizen, or None when it never got the name: the
    summary (``Hvad``: everything it was ever given), each time the name was shown with what came
    with it and how that ended (``Delt i perioder``, art. 15(1)(c): past recipients too), and the times the
    company downloaded the CV (the access log)."""
    moments = [d.disclosed_at for d in proposal.earlier_disclosures] + (
        [proposal.disclosed_at] if proposal.disclosed_at else [])
    if not moments:
        return None
    consent = consents.active_consent(proposal)
    profile = proposal.shared_profile or {}
    what = ["Navn"]
    # The profile as each time shown had it (approved before it ended); a proposal whose profile was
    # never registered as approved falls back to its shared copy (rows written before the log said),
    # when a time shown could have had it (not one under a text that covered the name only: False).
    if any(period.profile for period in periods) or (
            any(period.profile is None and not period.profile_maybe for period in periods)
            and any(profile.get(key) for key in SHARED_PROFILE_LABELS if key not in CONTACT_KEYS)):
        what.append("profil")
    elif any(period.profile_maybe for period in periods):  # review BJ 2: no record says
        what.append("muligvis profil (se perioderne)")
    # The contact details the company got, also under a consent since withdrawn or ended (kept as
    # field names, Proposal.shared_contacts; the shared copy holds them only while the consent does),
    # as far as a time shown gave them: its consent's choices, or any when one does not say (not
    # registered); never under a text that covered no contact details (a row written before that counted).
    known = {key for period in periods for key in period.contacts or ()}
    unknown = any(period.contacts is None for period in periods)
    contacts = [key for key in consents.contacts_given(proposal) if unknown or key in known]
    what += [SHARED_PROFILE_LABELS[key].lower() for key in contacts]
    # The CV as each time shared it (a withdrawal, an end or a new round clears Proposal.share_cv).
    cvs = list(dict.fromkeys(period.cv_text for period in periods
                             if period.cv_text and not period.cv_text.startswith("Ukendt")))
    what += cvs
    if not cvs and any(period.cv_text and period.cv_text.startswith("Ukendt") for period in periods):
        what.append("muligvis CV (se perioderne)")
    return {"Virksomhed": proposal.opening.company.name, "Opslag": f"{proposal.opening.title} (nr. {proposal.opening.id})",
            "Navnet delt": moments, "Hvad": ", ".join(what),
            # (not when each time shown knows its contact details: the consent's choices say it)
            **({"Kontaktoplysninger": _UNKNOWN_CONTACTS} if proposal.shared_contacts is None and not contacts
               and any(period.contacts is None for period in periods) else {}),
            "Delt i perioder": [period.row() for period in periods],
            "CV hentet af virksomheden": history.cv_downloads.get(proposal.opening_id, []),
            "Samtykke i kraft til og med": consent.deadline if consent else None,
            "Ser virksomheden det nu": _sees_now(proposal)}


def _sees_now(proposal: Proposal) -> str:
    """Whether the company sees the name now, and, under a consent whose text covers the name
    alone, that it sees only the name (review BJ 2: »Hvad« lists what it got before too)."""
    if not proposals.identity_released(proposal):
        return "Nej"
    return "Ja" if consents.shared_scope(proposal) else "Ja, kun navnet (samtykketeksten dækker ikke mere)"


# --- what each time the name was shown carried, and how it ended (art. 15(1)(c)) -------------------
#
# The consent holds no choices: they live on the proposal while it is in force (the contact keys of
# Proposal.shared_profile, Proposal.share_cv) and are cleared when it is withdrawn or ends, or the
# pair is decided anew. Each consent's choices are in the purpose of its audit event
# (``consent_recorded``/``consent_renewed``: ``share:phone,email,cv`` or ``share:name``), written in
# the same transaction (portal.proposals.record_consent); the company's CV downloads are
# ``cv_downloaded`` events with the opening; the profile's approvals ``profile_approved`` events
# (a new round clears Proposal.profile_approved_at). A consent whose event is gone (the log pruned, a row
# written without one) says its choices are not registered instead of guessing.

_CONSENT_ACTIONS = ("consent_recorded", "consent_renewed")
# How far a consent's audit event may lie from its given_at (one transaction: milliseconds).
_EVENT_SLACK = timedelta(minutes=1)
_DELETED_CV = re.compile(r"^cv[: ](\d+)\b")
_NOT_REGISTERED = "Ikke registreret"
log = logging.getLogger(__name__)
_RULE_KEY = "access_export_scope_rule_from"


def scope_rule_from() -> datetime:
    """When this deployment began to share only what a consent's text covers
    (consents.CONSENT_SCOPES): before it, a consent under »samtykke-v1« showed the company the
    approved profile and the chosen contact details and CV too. Migration 0041 writes it
    (``deployment_fact`` ``consent_scope_rule_from``: the time of that upgrade, or of the install).

    One query, kept for the request. Missing (a database not migrated by Alembic): an error in the
    log, and the rule taken to start now, so a v1 time says »Ukendt« where no record says, never »Nej«.
    """
    if has_request_context() and _RULE_KEY in g:
        return g.get(_RULE_KEY)
    found = db.session.scalar(sa.select(DeploymentFact.at).where(DeploymentFact.name == CONSENT_SCOPE_RULE_FROM))
    if found is None:
        log.error("deployment_fact %r is missing (migration 0041 writes it: run flask --app portal setup); "
                  "the access export takes the consent-scope rule to start now", CONSENT_SCOPE_RULE_FROM)
        found = clock.utcnow()
    found = _aware(found)
    if has_request_context():
        setattr(g, _RULE_KEY, found)
    return found


def _rule_day(rule_from: datetime) -> str:
    return f"{format_date(rule_from)}, da portalen begyndte at følge samtykketeksten"


@dataclass(frozen=True)
class _Choices:
    """What a consent let the company have beyond the name and profile (what the citizen chose, as
    far as the consent's text covered it); None: not known."""

    contacts: tuple[str, ...]
    cv: bool


class _History:
    """The access log's rows an export reads about the sharing, looked up once per citizen."""

    def __init__(self, citizen: Citizen) -> None:
        self.citizen = citizen
        self.rule_from = scope_rule_from()
        events = db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.citizen_id == citizen.id,
            AuditEvent.action.in_((*_CONSENT_ACTIONS, "cv_downloaded", "cv_deleted", "cv_superseded_deleted",
                                   "profile_approved", "proposal_renewed")))
            .order_by(AuditEvent.at, AuditEvent.id)).all()
        self.consent_events: dict[int | None, list[AuditEvent]] = {}
        self.cv_downloads: dict[int, list[datetime]] = {}
        self.deleted_cvs: set[int] = set()
        self.profile_approvals: dict[int | None, list[datetime]] = {}
        self.renewals: dict[int | None, list[datetime]] = {}
        for event in events:
            if event.action in _CONSENT_ACTIONS:
                self.consent_events.setdefault(event.opening_id, []).append(event)
            elif event.action in ("profile_approved", "proposal_renewed"):
                (self.profile_approvals if event.action == "profile_approved" else self.renewals).setdefault(
                    event.opening_id, []).append(_aware(event.at))
            elif event.action == "cv_downloaded":
                if event.opening_id is not None and event.role == "company":  # not staff's file downloads
                    self.cv_downloads.setdefault(event.opening_id, []).append(event.at)
            elif match := _DELETED_CV.match(event.purpose or ""):
                self.deleted_cvs.add(int(match.group(1)))
        self._matched: dict[int, AuditEvent | None] = {}

    def consent_event(self, consent: Consent, opening_id: int) -> AuditEvent | None:
        """The audit event that recorded ``consent``: the nearest of its opening's consent events
        within :data:`_EVENT_SLACK` of ``given_at``, each event matched once."""
        if consent.id not in self._matched:
            taken = {id(e) for e in self._matched.values() if e is not None}
            near = [e for e in self.consent_events.get(opening_id, [])
                    if id(e) not in taken and abs(_aware(e.at) - _aware(consent.given_at)) <= _EVENT_SLACK]
            self._matched[consent.id] = min(near, key=lambda e: abs(_aware(e.at) - _aware(consent.given_at)),
                                            default=None)
        return self._matched[consent.id]


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=timezone.utc)


def _recorded_choices(consent: Consent, proposal: Proposal, history: _History) -> _Choices | None:
    """The choices recorded with the consent, whatever its text covered: the proposal's while it is
    the open one (neither withdrawn nor replaced: its choices are still on the proposal, expired or
    not), else its audit event's; None when neither says."""
    if consent.withdrawn_at is None and consent.replaced_at is None and proposal.consents[-1] is consent:
        profile = proposal.shared_profile or {}
        shared = [key for key in CONTACT_KEYS if profile.get(key)] + (["cv"] if proposal.share_cv else [])
    else:
        event = history.consent_event(consent, proposal.opening_id)
        if event is None or "share:" not in (event.purpose or ""):
            return None
        shared = event.purpose.split("share:", 1)[1].split(";", 1)[0].split(",")
    return _Choices(tuple(key for key in CONTACT_KEYS if key in shared), "cv" in shared)


def _choices(consent: Consent, proposal: Proposal, history: _History) -> _Choices | None:
    """The consent's choices (:func:`_recorded_choices`), only those its text covers
    (:func:`portal.consents.scope_of`: what the portal shares under it since it follows the text,
    :func:`scope_rule_from`). Known without the event when the text covers neither."""
    scope = consents.scope_of(consent.text_version)
    if not {"contacts", "cv"} & scope:
        return _Choices((), False)
    choices = _recorded_choices(consent, proposal, history)
    if choices is None:
        return None
    return _Choices(choices.contacts if "contacts" in scope else (), choices.cv and "cv" in scope)


def _choices_text(consent: Consent, choices: _Choices | None, recorded: _Choices | None = None) -> str:
    """What the citizen agreed to share under the consent's text: »Kun navnet« under one that
    covered the name alone (»samtykke-v1«), with the choices recorded beside it all the same
    (``recorded``: the portal shared them until it followed the text, review BJ 2), else the name
    and the choices it covered."""
    if not consents.scope_of(consent.text_version):
        extra = [*(SHARED_PROFILE_LABELS[key].lower() for key in recorded.contacts),
                 *(["CV"] if recorded.cv else [])] if recorded else []
        return "Kun navnet" + (f" efter samtykketeksten; registrerede valg: {', '.join(extra)}" if extra else "")
    if choices is None:
        return _NOT_REGISTERED
    return ", ".join(["Navn", *(SHARED_PROFILE_LABELS[key].lower() for key in choices.contacts),
                      *(["CV"] if choices.cv else [])])


@dataclass(frozen=True)
class _Period:
    """A time the company was shown the citizen's name under one consent."""

    start: datetime
    end: datetime | None
    how_ended: str | None
    text_version: str | None  # the consent's text (what it covered); None: shown under no consent on record
    contacts: tuple[str, ...] | None  # None: not registered
    profile: bool | None  # None: not registered
    cv: CvDocument | None  # the version, when it is certain
    cv_text: str | None  # the CV as the export names it, None when none was given (or not known)
    cv_known: bool = True  # False: the consent's choices are not registered
    # Under a text that covered the name alone, shown before the portal followed the text
    # (:func:`scope_rule_from`, this moment): the approved profile may have been shown (no record
    # says; review BJ 2).
    profile_maybe: datetime | None = None

    def row(self) -> dict:
        return {"Fra": self.start, "Til": self.end, "Sluttede": self.how_ended or "Samtykket gælder stadig",
                "Samtykketekst": self.text_version or _NOT_REGISTERED,
                "Profil": (f"Ukendt (samtykketeksten dækkede kun navnet; profilen kan være vist før "
                           f"{_rule_day(self.profile_maybe)})") if self.profile_maybe else (
                    _NOT_REGISTERED if self.profile is None else ("Ja" if self.profile else "Nej")),
                "Kontaktoplysninger": (_NOT_REGISTERED if self.contacts is None else
                                       ", ".join(SHARED_PROFILE_LABELS[key] for key in self.contacts) or "Ingen"),
                "CV": self.cv_text if self.cv_text else ("Nej" if self.cv_known else _NOT_REGISTERED)}


def _expiry(consent: Consent) -> datetime:
    """The moment the consent runs out: the start of the day after its deadline, Danish time."""
    return datetime.combine(consent.deadline + timedelta(days=1), time(), tzinfo=clock.LOCAL).astimezone(
        timezone.utc)


def _ending(consent: Consent) -> tuple[datetime | None, str | None]:
    """When and how the consent stopped sharing; (None, None) while it is in force."""
    ends = []
    if consent.withdrawn_at is not None:
        ends.append((_aware(consent.withdrawn_at), "Forslaget blev afsluttet" if consent.ended_with_proposal
                     else "Borgeren trak samtykket tilbage"))
    if consent.replaced_at is not None:
        ends.append((_aware(consent.replaced_at), "Erstattet af et nyt samtykke"))
    expiry = _expiry(consent)
    if expiry <= clock.utcnow():
        ends.append((expiry, "Samtykket udløb"))
    return min(ends, key=lambda e: e[0]) if ends else (None, None)


def _periods(proposal: Proposal, history: _History) -> list[_Period]:
    """Each time the company was shown the name, oldest first: under each consent, from the
    first disclosure of its round (a consent and the renewals that replaced it) or from the
    renewal, until the consent was withdrawn, replaced, ran out or ended with the proposal.
    A consent recorded but never followed by a disclosure gave the company nothing."""
    disclosures = sorted(_aware(d.disclosed_at) for d in proposal.earlier_disclosures)
    if proposal.disclosed_at is not None:
        disclosures.append(_aware(proposal.disclosed_at))
    out: list[_Period] = []
    round_start: datetime | None = None
    for index, consent in enumerate(proposal.consents):
        given = _aware(consent.given_at)
        renewal = index > 0 and proposal.consents[index - 1].replaced_at is not None
        if not renewal:
            round_start = given
        end, how = _ending(consent)
        first = next((d for d in disclosures if d >= round_start and (end is None or d < end)), None)
        if first is None:
            continue
        start = max(first, given)
        if end is not None and end <= start:
            continue
        out.append(_period(proposal, consent, history, start, end, how))
    covered = {p.start for p in out}
    for moment in disclosures:  # a name shared under no consent the portal holds (old data): the name alone
        if not any(p.start <= moment and (p.end is None or moment < p.end) for p in out) and moment not in covered:
            shown = _profile_shown(proposal, history, moment, None)
            out.append(_Period(moment, None, _NOT_REGISTERED, None, None, shown or None, None, None, cv_known=False))
    return sorted(out, key=lambda p: p.start)


def _period(proposal: Proposal, consent: Consent, history: _History, start: datetime, end: datetime | None,
            how: str | None) -> _Period:
    # What the consent's text covered (consents.CONSENT_SCOPES; under »samtykke-v1« the name
    # alone), whatever the proposal or the audit event holds, since the portal follows the text
    # (scope_rule_from); a time shown before that under a narrower text gave what the record says.
    scope = consents.scope_of(consent.text_version)
    if "profile" not in scope and start < history.rule_from:
        return _earlier_period(proposal, consent, history, start, end, how)
    choices = _choices(consent, proposal, history)
    profile = _profile_shown(proposal, history, start, end) if "profile" in scope else False
    if choices is None:
        return _Period(start, end, how, consent.text_version, None, profile, None, None, cv_known=False)
    # Never a detail the company is not known to have got (consents.contacts_given: what
    # Proposal.shared_contacts kept and, while the name is shared, what its copy holds); not known
    # when neither says (a name shared before migration 0036, and no longer).
    if proposal.shared_contacts is None and proposal.status != "disclosed" and choices.contacts:
        contacts = None
    else:
        given = consents.contacts_given(proposal)
        contacts = tuple(key for key in choices.contacts if key in given)
    cv, text = _cv_shared(proposal.citizen, consent, history) if choices.cv else (None, None)
    return _Period(start, end, how, consent.text_version, contacts, profile, cv, text)


def _earlier_period(proposal: Proposal, consent: Consent, history: _History, start: datetime,
                    end: datetime | None, how: str | None) -> _Period:
    """A time shown under a text that covered the name alone (»samtykke-v1«) that began before the
    portal followed the text (:func:`scope_rule_from`; review BJ 2). The portal then gave what the
    consent's choices held, so the export states what the record says was given, not the scope: the
    contact details ``Proposal.shared_contacts`` records (:func:`portal.consents.contacts_given`;
    a v1 disclosure since records none), among the consent's recorded choices. Whether the approved
    profile was shown no record says (a disclosure keeps no fields): »Ukendt« when one was approved
    before the time ended and before the rule, never a guess; the CV likewise."""
    recorded = _recorded_choices(consent, proposal, history)
    rule_from = history.rule_from
    shown = _profile_shown(proposal, history, start, end if end is not None and end < rule_from else rule_from)
    if proposal.shared_contacts is None and proposal.status != "disclosed":
        contacts = None  # not known (a name shared before migration 0036, and no longer)
    else:
        given = consents.contacts_given(proposal)
        contacts = tuple(key for key in given if recorded is None or key in recorded.contacts)
    cv_text = None
    if recorded is not None and recorded.cv:
        cv_version, named = _cv_shared(proposal.citizen, consent, history)
        if named:
            cv_text = f"Ukendt (samtykketeksten dækkede kun navnet; {named} kan være givet før {_rule_day(rule_from)})"
    return _Period(start, end, how, consent.text_version, contacts, False if shown is False else None, None,
                   cv_text, cv_known=recorded is not None, profile_maybe=rule_from if shown else None)


def _profile_shown(proposal: Proposal, history: _History, start: datetime, end: datetime | None) -> bool | None:
    """Whether the company saw the profile in the time shown from ``start`` to ``end`` (None: still
    shown): it was approved before the end (portal.candidates.profile.approve; shown once approved,
    with the name) and after the pair was last decided anew before the start (renew clears it).
    None when no approval is registered but the proposal holds a profile (written before the log said)."""
    approvals = list(history.profile_approvals.get(proposal.opening_id, []))
    if proposal.profile_approved_at is not None:
        approvals.append(_aware(proposal.profile_approved_at))
    if not approvals:
        profile = proposal.shared_profile or {}
        return None if any(profile.get(key) for key in SHARED_PROFILE_LABELS if key not in CONTACT_KEYS) else False
    since = max((moment for moment in history.renewals.get(proposal.opening_id, []) if moment <= start), default=None)
    return any((since is None or moment > since) and (end is None or moment < end) for moment in approvals)


def _cv_shared(citizen: Citizen, consent: Consent, history: _History) -> tuple[CvDocument | None, str | None]:
    """The CV version a consent shared (the citizen's current one when it was given,
    :func:`portal.citizens.cv_sharing.consented_version`) and how the export names it. The number
    only when it is certain: a deleted version stored after the one found may have been the one."""
    given = _aware(consent.given_at)
    versions = citizen.cv_documents
    earlier = [cv for cv in versions if _aware(cv.created_at) <= given]
    version = earlier[-1] if earlier else None
    later = [cv.id for cv in versions if _aware(cv.created_at) > given]
    limit = min(later) if later else None
    uncertain = version is None or any(d > version.id and (limit is None or d < limit) for d in history.deleted_cvs)
    if not uncertain and version.text is not None and not cv_sharing.checked(version, citizen).text:
        return None, None  # nothing left once checked: the company got no CV (openings.candidate.shared_cv)
    if uncertain:
        return None, (f"CV: den version, der var borgerens nuværende {format_date(given.astimezone(clock.LOCAL).date())} "
                      "(teksten uden private oplysninger)")
    return version, f"CV nr. {version.id} (teksten uden private oplysninger)"


def _placement(placement: Placement, users: _Users) -> dict:
    return {
        "Forløb nr.": placement.id, "Virksomhed": placement.company.name,
        "Slags": OPENING_KINDS.get(placement.kind, placement.kind),
        "Opslag": f"{placement.opening.title} (nr. {placement.opening.id})" if placement.opening else None,
        "Start": placement.start_date, "Slut": placement.end_date, "Timer pr. uge": placement.weekly_hours,
        "Årsag til afslutning": END_REASONS.get(placement.end_reason) if placement.end_reason else None,
        "I job 3 måneder efter": _yes(placement.employed_3m), "I job 6 måneder efter": _yes(placement.employed_6m),
        "Timer": [{"Måned": h.month, "Timer": h.hours, "Registreret af": users(h.logged_by_id)}
                  for h in sorted(placement.hours, key=lambda h: h.month)],
        "Opfølgning og ændringer": [{"Tidspunkt": e.at, "Hvad": PLACEMENT_EVENT_KINDS.get(e.kind, e.kind),
                                     "Notat": e.note or None, "Af": users(e.user_id)} for e in placement.events],
        # Anonymous on the page, but written about this placement: the citizen's data too.
        "Gode historier om forløbet": [
            {"Titel": story.title, "Status": STORY_STATUSES.get(story.status, story.status),
             "Offentliggjort": story.published_at, "Borgerens samtykke bekræftet": _yes(story.consent_confirmed),
             "Tekst": story.text}
            for story in db.session.scalars(sa.select(SuccessStory).where(SuccessStory.placement_id == placement.id)
                                            .order_by(SuccessStory.id))],
    }


def _hotline(citizen: Citizen, placements: list[Placement], users: _Users) -> list[dict]:
    """The requests about the citizen's placements and, marked »Nævner borgeren«, those without a
    placement that name the citizen (:func:`portal.privacy.scrubbing.naming_requests`, which erasure and
    anonymisation blank as the citizen's: review AW 3)."""
    ids = [p.id for p in placements]
    about = (list(db.session.scalars(sa.select(HotlineRequest).where(HotlineRequest.placement_id.in_(ids))))
             if ids else [])
    named = scrubbing.naming_requests(db.session, citizen)
    naming = {r.id for r in named}
    requests = sorted([*about, *named], key=lambda r: (r.created_at, r.id))
    return [{"Henvendelse nr.": r.id, "Virksomhed": r.company.name, "Forløb nr.": r.placement_id,
             "Om borgeren": "Nævner borgeren" if r.id in naming else "Om borgerens forløb",
             "Emne": r.subject, "Kategori": HOTLINE_CATEGORIES.get(r.category, r.category),
             "Hast": HOTLINE_URGENCIES.get(r.urgency, r.urgency), "Status": HOTLINE_STATUSES.get(r.status, r.status),
             "Oprettet": r.created_at, "Lukket": r.closed_at,
             "Beskeder": [{"Tidspunkt": m.created_at, "Fra": users(m.author_id),
                           "Slags": HOTLINE_MESSAGE_KINDS.get(m.kind, m.kind), "Tekst": m.body} for m in r.messages]}
            for r in requests]


def _none_suitable(citizen: Citizen, users: _Users) -> list[dict]:
    """The marks whose reason names the citizen (:func:`portal.privacy.scrubbing.naming_marks`,
    which erasure and anonymisation blank as the citizen's), as the hotline requests that name them."""
    rows = []
    for mark in scrubbing.naming_marks(db.session, citizen):
        opening = db.session.get(Opening, mark.opening_id)
        rows.append({"Opslag": f"{opening.title} (nr. {opening.id})", "Virksomhed": opening.company.name,
                     "Markeret": mark.marked_at, "Af": users(mark.user_id), "Fortrudt": mark.undone_at,
                     "Begrundelse": mark.reason})
    return rows


def _access_log(citizen_id: int) -> list[dict]:
    rows = audit_view.rows_of(audit_view.all_of(audit_view.Filters(citizen_id=citizen_id)))
    return [{"Tidspunkt": row.at, "Bruger": row.user, "Rolle": row.role or None,
             "Organisation": row.organisation or None, "Handling": row.action_label,
             "Formål og detaljer": row.purpose_label or None, "Resultat": row.result_label} for row in rows]


def _retention(citizen: Citizen, retention_days: int) -> dict:
    if citizen.case_closed is not None:
        when = retention.anonymised_on(citizen.case_closed, retention_days)
        case = (f"Sagen blev afsluttet {format_date(citizen.case_closed)}. Oplysningerne anonymiseres "
                f"{format_date(when)} ({retention.days_text(retention_days)} efter afslutningen).")
    else:
        when = None
        case = (f"Sagen er åben. Oplysningerne anonymiseres {retention.days_text(retention_days)} efter, at sagen er afsluttet.")
    # portal.privacy.retention._running_placement (review Extra B), as the privacy notice says it
    case += (" Følger jobcentret da stadig et forløb i en virksomhed (et forløb til sin slutdato, eller et uden "
             "slutdato, som virksomheden stadig indberetter timer for, men ikke et ordinært job eller fleksjob), "
             "sker det, når det ikke længere er tilfældet.")
    if citizen.restricted:
        case += " Behandlingen er begrænset: oplysningerne gemmes, til begrænsningen ophæves."
    return {"Sagens oplysninger": case, "Anonymiseres": when,
            "Tidligere CV-versioner": (f"Et CV, der er erstattet af et nyere, slettes {retention.days_text(cv_versions.keep_days())} "
                                       "efter, medmindre en virksomhed har det efter borgerens samtykke; så slettes det, "
                                       "når samtykket ophører."),
            "Adgangsloggen": "Adgangsloggen slettes ikke sammen med sagen. Den rummer numre, ikke navne."}


def _purposes(proposals_of: list[Proposal]) -> dict:
    recipients = sorted({p.opening.company.name for p in proposals_of if p.disclosed_at or p.earlier_disclosures},
                        key=name_order.sort_key)
    return {
        "Formål": "Jobcentret bruger oplysningerne til at finde job, praktik og andre forløb, der passer til borgeren, "
                  "til at følge forløbene og til at måle jobcentrets indsats (tal uden navne).",
        "Retsgrundlag": "Jobcentrets opgaver efter lov om en aktiv beskæftigelsesindsats (databeskyttelsesforordningens "
                        "artikel 6, stk. 1, litra e, og for helbredsoplysninger artikel 9, stk. 2, litra b). At en "
                        "virksomhed får borgerens navn og profil, sker kun med borgerens samtykke (artikel 6, stk. 1, litra a).",
        "Matching": "Jobbro foreslår opslag ud fra CV, jobmål, timer, afstand og kørekort. En konsulent vurderer altid "
                    "forslaget; der træffes ingen automatiske afgørelser.",
        "Modtagere": "Virksomheder får borgerens navn og de oplysninger, borgeren har sagt ja til, først efter samtykke. "
                     "Før det ser de kun et kaldenavn. Helbred, skånehensyn, ydelsesgruppe og CPR-nummer gives aldrig "
                     "til virksomheder.",
        "Virksomheder, der har fået borgerens navn": recipients,
    }


def _json_value(value):
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return float(value)
    raise TypeError(f"not JSON: {type(value).__name__}")


def as_json(sections: list[dict]) -> str:
    """The sections as one JSON document ``{id: {"titel", "forklaring", "indhold"}}``."""
    document = {s["id"]: {"titel": s["titel"], "forklaring": s["forklaring"], "indhold": s["indhold"]}
                for s in sections}
    return json.dumps(document, ensure_ascii=False, indent=2, default=_json_value)
