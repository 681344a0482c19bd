"""Reading the audit log (review E4): filters, one page of events, the rows of its CSV file.

Read-only: nothing here writes an event except :func:`log_reading`, which records that the
log itself was read (the routes call it before anything is shown, fail closed). Events come
newest first and are filtered by citizen number, user, action, result and period (whole
days in Danish time). What an event names is looked up for the page only: the user's name
and e-mail, the company or team behind ``organisation``, whether the citizen still exists.

The log never holds CPR numbers or health details (SECURITY.md). Texts typed by a person
are checked before they are written (:func:`portal.citizens.case.checked_for_audit`), but
rows from before that check may hold anything, so :func:`shown_purpose` redacts CPR-like
numbers in every purpose and withholds a typed text that holds a health word.
"""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta, timezone

import sqlalchemy as sa
from wtforms import BooleanField, StringField
from wtforms.fields.choices import SelectChoice
from wtforms.validators import Length, Optional

from matching.redact import redact_cpr
from store import clock
from store.models import AuditEvent, Citizen, Company, Team, User
from store.models.vocab import ROLES

from ..extensions import db
from ..formutil import ChoiceField, DanishDateField, DanishGetForm, WholeNumberField, in_range
from ..health_words import HEALTH_WORDS
from ..i18n import format_moment, format_timestamp
from .audit_labels import ACTION_GROUPS, FREE_TEXT_ACTIONS, PROBLEM_RESULTS, action_label, purpose_label, result_label

PER_PAGE = 50
MAX_EXPORT_ROWS = 50_000
WITHHELD = "(vises ikke: teksten kan indeholde helbredsoplysninger)"
CSV_HEADER = ["Tidspunkt", "Brugernr.", "Bruger", "Rolle", "Organisation", "Borgernr.", "Opslagsnr.",
              "Handling", "Handlingskode", "Formål og detaljer", "Formålskode", "Resultat", "IP-adresse"]


def _action_choices() -> list[SelectChoice]:
    options = [SelectChoice("", "Alle handlinger")]
    for group, actions in ACTION_GROUPS.items():
        options += [SelectChoice(key, label, optgroup=group)
                    for key, label in sorted(actions.items(), key=lambda item: item[1])]
    return options


MAX_PAGE = 1_000_000  # no log has more pages a person pages through; larger is the last page


class PageField(WholeNumberField):
    """``?side=N``, read as every paged list reads it: a page number that is not one is page 1,
    and one however large (``99999999999999999999``) is bounded to :data:`MAX_PAGE` before it is
    converted, then :func:`page_of` shows the last page (review AH 2). It never refuses the form."""

    never_refuses = True  # any text is a page: no wrong input to answer (tests/portal/test_form_messages.py)

    def process_formdata(self, valuelist) -> None:
        raw = (valuelist[0] if valuelist else "") or ""
        raw = raw.strip().lstrip("+").lstrip("0")
        if raw.isascii() and raw.isdigit():
            self.data = MAX_PAGE if len(raw) > len(str(MAX_PAGE)) else max(1, min(int(raw), MAX_PAGE))
        else:
            self.data = 1


class AuditFilterForm(DanishGetForm):
    """The viewer's GET filters (no CSRF: reading changes nothing but the log of the reading)."""

    borger = WholeNumberField("Borgernummer", validators=[Optional(), in_range(1, 999_999_999, "Skriv et borgernummer.")],
                              too_large="Skriv et borgernummer.")
    bruger = StringField("Bruger (e-mail eller brugernummer)", validators=[Optional(), Length(max=254)])
    handling = ChoiceField("Handling", choices=_action_choices(), default="")
    fra = DanishDateField("Fra og med dato", validators=[Optional()])
    til = DanishDateField("Til og med dato", validators=[Optional()])
    afviste = BooleanField("Kun afviste og fejlede")
    side = PageField("Side", default=1)

    def validate(self, extra_validators=None) -> bool:
        valid = super().validate(extra_validators)
        if self.fra.data and self.til.data and self.fra.data > self.til.data:
            self.til.errors = [*self.til.errors, "Til-datoen ligger før fra-datoen."]
            valid = False
        if self.bruger.data and self.bruger.data.strip() and not self.bruger.errors:
            if user_id_of(self.bruger.data) is None:
                self.bruger.errors = [*self.bruger.errors, "Ingen bruger har den e-mail. Skriv e-mailen eller brugernummeret."]
                valid = False
        return valid

    def filters(self) -> Filters:
        """The valid form's filters (call after :meth:`validate`)."""
        return Filters(citizen_id=self.borger.data, user_id=user_id_of(self.bruger.data or ""),
                       action=self.handling.data or None, since=self.fra.data, until=self.til.data,
                       problems_only=bool(self.afviste.data))


def user_id_of(typed: str) -> int | None:
    """The user a filter names: a number as it is (a deleted user's events stay findable), an
    e-mail by lookup (any case); None for nothing typed or an unknown e-mail."""
    typed = typed.strip()
    if not typed:
        return None
    if typed.isascii() and typed.isdigit() and len(typed) <= 9:
        return int(typed)
    return db.session.scalar(sa.select(User.id).where(sa.func.lower(User.email) == typed.lower()))


@dataclass(frozen=True)
class Filters:
    citizen_id: int | None = None
    user_id: int | None = None
    action: str | None = None
    since: date | None = None
    until: date | None = None
    problems_only: bool = False

    def args(self) -> dict:
        """The filters as the page's query arguments (for page links and the CSV link)."""
        values = {"borger": self.citizen_id, "bruger": self.user_id, "handling": self.action,
                  "fra": self.since.isoformat() if self.since else None,
                  "til": self.until.isoformat() if self.until else None,
                  "afviste": "y" if self.problems_only else None}
        return {key: value for key, value in values.items() if value is not None}

    def described(self) -> str:
        """The filters as the reading's audit purpose (numbers and codes only, no names). The
        citizen filter is named too, though its number is also the event's citizen: a reading
        for one citizen (also in that citizen's art. 15 export) must not read »uden filter«."""
        parts = [f"{key}:{value}" for key, value in self.args().items()]
        return "filter " + (" ".join(parts) if parts else "none")


def _local_midnight_utc(day: date) -> datetime | None:
    """The start of ``day`` in Danish time, in UTC; None when that lies outside what a
    datetime holds (the picker allows 01.01.0001 to 31.12.9999): no event lies beyond it, so
    the bound is dropped, never a 500 (review AN 2)."""
    try:
        return datetime.combine(day, time(), tzinfo=clock.LOCAL).astimezone(timezone.utc)
    except OverflowError:
        return None


def _end_of(day: date) -> datetime | None:
    """The start of the day after ``day`` (the period's open end); None after 30.12.9999."""
    return None if day >= date.max else _local_midnight_utc(day + timedelta(days=1))


def _statement(filters: Filters) -> sa.Select:
    query = sa.select(AuditEvent)
    if filters.citizen_id is not None:
        query = query.where(AuditEvent.citizen_id == filters.citizen_id)
    if filters.user_id is not None:
        query = query.where(AuditEvent.user_id == filters.user_id)
    if filters.action:
        query = query.where(AuditEvent.action == filters.action)
    if filters.since and (start := _local_midnight_utc(filters.since)) is not None:
        query = query.where(AuditEvent.at >= start)
    if filters.until and (end := _end_of(filters.until)) is not None:
        query = query.where(AuditEvent.at < end)
    if filters.problems_only:
        query = query.where(sa.or_(AuditEvent.result.in_(PROBLEM_RESULTS),
                                   AuditEvent.result.like("4__"), AuditEvent.result.like("5__")))
    return query.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def page_of(filters: Filters, page: int = 1):
    """One page (:data:`PER_PAGE`) of the matching events, newest first; a page past the end
    is the last one."""
    query = _statement(filters)
    found = db.paginate(query, page=max(page, 1), per_page=PER_PAGE, error_out=False)
    if not found.items and found.pages and page > found.pages:
        found = db.paginate(query, page=found.pages, per_page=PER_PAGE, error_out=False)
    return found


def count_of(filters: Filters) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(_statement(filters).order_by(None).subquery()))


def all_of(filters: Filters) -> list[AuditEvent]:
    """Every matching event, newest first (the caller checks :func:`count_of` against
    :data:`MAX_EXPORT_ROWS` first)."""
    return list(db.session.scalars(_statement(filters)))


def citizen_exists(citizen_id: int | None) -> bool:
    """Whether the citizen a filter names is still in the portal (not erased or anonymised)."""
    if citizen_id is None:
        return False
    return db.session.scalar(sa.select(Citizen.id).where(Citizen.id == citizen_id,
                                                         Citizen.anonymised_at.is_(None))) is not None


def shown_purpose(action: str, purpose: str) -> str:
    """``purpose`` as the viewer shows it: CPR-like numbers redacted; a typed text (the
    actions of :data:`FREE_TEXT_ACTIONS`) that holds a health word withheld."""
    if action in FREE_TEXT_ACTIONS and HEALTH_WORDS.search(purpose or ""):
        return WITHHELD
    return redact_cpr(purpose or "")


def moment(at: datetime) -> str:
    """»dd.mm.yyyy kl. HH.MM.SS« in Danish time, as the page shows it (seconds: events of one
    click lie close together); the CSV has dd.mm.yyyy HH:MM:SS, which a spreadsheet reads."""
    return format_moment(at)


@dataclass(frozen=True)
class EventRow:
    """One event as the page and the CSV file show it."""

    id: int
    at: str
    stamp: str
    user_id: int | None
    user: str
    role: str
    organisation: str
    citizen_id: int | None
    citizen_exists: bool
    opening_id: int | None
    action: str
    action_label: str
    purpose: str
    purpose_label: str
    result: str
    result_label: str
    problem: bool
    ip: str

    def csv(self) -> list:
        """The file's row: the purpose in Danish as the page shows it, and the code as the log
        holds it in a column of its own, as for the action (review AU 6)."""
        return [self.stamp, self.user_id, self.user, self.role, self.organisation, self.citizen_id,
                self.opening_id, self.action_label, self.action, self.purpose_label, self.purpose,
                self.result_label, self.ip]


def rows_of(events: list[AuditEvent]) -> list[EventRow]:
    """The events with what they name looked up, in three queries for the whole list."""
    user_ids = {e.user_id for e in events if e.user_id is not None}
    users = {u.id: u for u in db.session.scalars(sa.select(User).where(User.id.in_(user_ids)))} if user_ids else {}
    citizen_ids = {e.citizen_id for e in events if e.citizen_id is not None}
    existing = set(db.session.scalars(sa.select(Citizen.id).where(
        Citizen.id.in_(citizen_ids), Citizen.anonymised_at.is_(None)))) if citizen_ids else set()
    organisations = _organisation_names({e.organisation for e in events})
    return [EventRow(
        id=e.id, at=moment(e.at), stamp=format_timestamp(e.at, seconds=True), user_id=e.user_id, user=_user_text(e.user_id, users),
        role=ROLES.get(e.role, e.role) if e.role else "", organisation=organisations.get(e.organisation, e.organisation),
        citizen_id=e.citizen_id, citizen_exists=e.citizen_id in existing, opening_id=e.opening_id,
        action=e.action, action_label=action_label(e.action), purpose=(purpose := shown_purpose(e.action, e.purpose)),
        purpose_label=purpose_label(e.action, purpose),
        result=e.result, result_label=result_label(e.result), problem=_is_problem(e.result), ip=e.ip)
        for e in events]


def _is_problem(result: str) -> bool:
    return result in PROBLEM_RESULTS or (result.isdigit() and result[:1] in "45")


def _user_text(user_id: int | None, users: dict[int, User]) -> str:
    if user_id is None:
        return "Ikke logget ind"
    user = users.get(user_id)
    return f"{user.name} ({user.email})" if user else f"Bruger nr. {user_id} (findes ikke længere)"


def _organisation_names(keys: set[str]) -> dict[str, str]:
    """"company:3" → the company's name, "team:2" → the team's name, "jobcenter" → "Jobcentret"."""
    ids = {"company": set(), "team": set()}
    for key in keys:
        kind, _, number = key.partition(":")
        if kind in ids and number.isdigit():
            ids[kind].add(int(number))
    names = {"jobcenter": "Jobcentret"}
    if ids["company"]:
        names |= {f"company:{i}": n for i, n in db.session.execute(
            sa.select(Company.id, Company.name).where(Company.id.in_(ids["company"])))}
    if ids["team"]:
        names |= {f"team:{i}": n for i, n in db.session.execute(
            sa.select(Team.id, Team.name).where(Team.id.in_(ids["team"])))}
    return names
