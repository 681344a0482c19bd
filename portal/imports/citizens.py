"""One citizen row: columns, and validation with the profile form's own rules.

:func:`validate_citizen` turns a mapping of column keys to cell values (from a file, or
the API's JSON) into a :class:`~.service.CitizenRecord`, or raises :class:`RowError`
with one Danish message per column at fault. The profile fields go through
:class:`portal.citizens.forms.ProfileForm` itself, so a file can hold nothing a
consultant could not type.
"""
from __future__ import annotations

from collections.abc import Mapping
from types import SimpleNamespace

import sqlalchemy as sa
from werkzeug.datastructures import MultiDict
from wtforms.validators import ValidationError

from matching import licences
from matching.redact import contains_cpr
from ..text import clean_line
from ..citizens.forms import (CPR_IN_JOB_GOAL_MESSAGE, MAX_JOB_GOALS, ProfileForm,
                              job_goal_health_message, job_goal_health_words, job_goal_sentence_problem,
                              no_hidden_characters)
from ..citizens.service import CPR_ID_MESSAGE, ProfileData, looks_like_cpr
from ..extensions import db
from store.models import JobGoal, User
from store.models.vocab import BENEFIT_GROUPS, READINESS_GROUPS
from .columns import CellError, Column, cell_date, cell_text, file_message, split_list, vocabulary_key
from .service import CitizenRecord, RecordRefused, find_citizen

COLUMNS: tuple[Column, ...] = (
    Column("external_id", "Eksternt id", ("ekstern id", "external id", "sags id", "sagsid", "borger id", "id"),
           help="Borgerens id i fagsystemet (højst 64 tegn). Findes id'et, opdateres borgeren."),
    Column("name", "Navn", ("borgerens navn", "fulde navn")),
    Column("benefit_group", "Ydelsesgruppe", ("ydelse",),
           help="Fx Kontanthjælp, Uddannelseshjælp, Sygedagpenge."),
    Column("hours_available", "Timer pr. uge", ("timer", "timer til rådighed", "timer til rådighed pr uge"),
           help="0-80, decimaler med komma eller punktum."),
    Column("postcode", "Postnummer", ("postnr", "post nr")),
    Column("driving_licences", "Kørekort", ("kørekortkategorier", "kørekort kategorier"), required=False,
           help="Kategorier adskilt med komma, fx B, CE. Tom: intet kørekort."),
    Column("languages", "Sprog", (), help="Adskilt med komma, fx dansk, engelsk."),
    Column("readiness_group", "Parathedsgruppe", ("parathed",),
           help="I gang, På spring, På vej eller Lidt længere sigt."),
    Column("vk", "Virksomhedskonsulent", ("vk", "konsulent", "tildelt konsulent"), required=False,
           help="Konsulentens e-mail eller initialer (delen før @ i e-mailen). Tom: behold nuværende."),
    Column("case_start", "Sagsstart", ("sagsstartdato", "sagens start"),
           help="En dato, fx 2025-03-01 eller 01.03.2025."),
    Column("job_goals", "Jobmål", ("jobmal",), help="Et eller flere, adskilt med ; eller | eller linjeskift i cellen."),
    Column("phone", "Telefon", ("tlf", "telefonnummer"), required=False,
           help="Tom: intet telefonnummer. Uden kolonnen: behold nuværende."),
    Column("email", "E-mail", ("email", "mail"), required=False,
           help="Tom: ingen e-mail. Uden kolonnen: behold nuværende."),
    Column("max_commute_km", "Længste transport (km)", ("højeste transport km", "transport km", "max transport", "transport"),
           required=False, help="0-200 km. Tom: 25 km for nye borgere; en borger, der findes, beholder sin."),
    Column("prior_company_placement_end", "Seneste virksomhedsrettede forløb (slutdato)",
           ("seneste virksomhedsrettede forløb", "seneste virksomhedspraktik eller løntilskud",
            "seneste praktik eller løntilskud", "seneste virksomhedsrettet forløb"), required=False,
           help="Sidste dag i borgerens seneste virksomhedspraktik eller løntilskud i fagsystemet, fx fra før "
                "Jobbro, som datoerne i Sagsstart (højst i dag). Bruges i fokusmålet og prioriteringen; forløb i "
                "Jobbro tæller af sig selv. Tom eller uden kolonnen: en borger, der findes, beholder sin dato."),
)
LABELS = {c.key: c.label for c in COLUMNS}
DATE_COLUMNS = ("case_start", "prior_company_placement_end")
# ProfileForm field -> column key (the same name except hours/readiness).
_FORM_FIELDS = {"name": "name", "phone": "phone", "email": "email", "benefit_group": "benefit_group",
                "hours_available": "hours_available", "postcode": "postcode",
                "max_commute_km": "max_commute_km", "driving_licences": "driving_licences",
                "languages": "languages", "readiness_group": "readiness_group", "case_start": "case_start",
                "prior_company_placement_end": "prior_company_placement_end"}


class RowError(ValueError):
    """A row refused: ``problems`` lists (column label, Danish message).

    ``goals_of`` is the id of the existing citizen whose jobmål page the Jobmål problem sends
    the user to (a jobmål with a health word is confirmed there), else None.
    """

    def __init__(self, problems: list[tuple[str, str]], goals_of: int | None = None) -> None:
        super().__init__("; ".join(f"{c}: {m}" for c, m in problems))
        self.problems = problems
        self.goals_of = goals_of


def consultant_directory() -> dict[str, int]:
    """Active consultants by e-mail and by initials (the e-mail's local part, when unique)."""
    rows = db.session.execute(sa.select(User.id, User.email).where(User.role == "consultant",
                                                                   User.active.is_(True))).all()
    directory: dict[str, int] = {}
    local_parts: dict[str, list[int]] = {}
    for user_id, email in rows:
        directory[email.casefold()] = user_id
        local_parts.setdefault(email.split("@", 1)[0].casefold(), []).append(user_id)
    for initials, ids in local_parts.items():
        if len(ids) == 1:
            directory.setdefault(initials, ids[0])
    return directory


def validate_citizen(values: Mapping[str, object], consultants: Mapping[str, int] | None = None) -> CitizenRecord:
    """A validated record from column keys to cell values (absent optional keys: keep stored).

    Raises:
        RowError: one or more cells are invalid (nothing is written for the row).
    """
    problems: list[tuple[str, str]] = []
    text: dict[str, str] = {}
    for column in COLUMNS:
        if column.key not in values:
            continue
        raw = values[column.key]
        try:
            if column.key in DATE_COLUMNS:
                text[column.key] = cell_date(raw)
            elif isinstance(raw, (list, tuple)):
                text[column.key] = "; ".join(cell_text(item) for item in raw)
            else:
                text[column.key] = cell_text(raw)
        except CellError as exc:
            problems.append((column.label, exc.message_da))
    external_id = _external_id(text.get("external_id", ""), problems)
    form_data = _form_data(text, problems)
    form = ProfileForm(formdata=form_data, meta={"csrf": False})
    if not form.validate():
        vocabularies = {"benefit_group": BENEFIT_GROUPS, "readiness_group": READINESS_GROUPS}
        problems += [(LABELS[_FORM_FIELDS[name]],
                      file_message(errors[0], text.get(_FORM_FIELDS[name], ""), vocabularies.get(name)))
                     for name, errors in form.errors.items()
                     if name in _FORM_FIELDS and LABELS[_FORM_FIELDS[name]] not in dict(problems)]
    existing = _Existing(external_id)
    goals = _job_goals(text.get("job_goals", ""), problems, existing)
    vk_id = _vk(text.get("vk", ""), consultants, problems)
    if problems:
        raise RowError(problems, existing.goals_page)
    profile = ProfileData(
        name=form.name.data, phone=form.phone.data if "phone" in text else None,
        email=form.email.data if "email" in text else None, benefit_group=form.benefit_group.data,
        hours_available=float(form.hours_available.data), postcode=form.postcode.data.strip(),
        max_commute_km=float(form.max_commute_km.data) if text.get("max_commute_km") else None,
        # An absent Kørekort column keeps the stored licences; only an empty cell means none.
        driving_licences=(list(form.driving_licences.data or ()) if "driving_licences" in text else None),
        languages=form.languages.data,
        readiness_group=form.readiness_group.data, case_start=form.case_start.data,
        # None (an empty cell, or no column) keeps the stored date (OPTIONAL_PROFILE_FIELDS).
        prior_company_placement_end=form.prior_company_placement_end.data,
    )
    return CitizenRecord(external_id=external_id, profile=profile, job_goals=tuple(goals), vk_id=vk_id)


def _external_id(value: str, problems: list) -> str:
    value = clean_line(value)
    if not value:
        problems.append((LABELS["external_id"], "Skriv borgerens eksterne id."))
    elif len(value) > 64:
        problems.append((LABELS["external_id"], "Det eksterne id må højst være 64 tegn."))
    elif looks_like_cpr(value):  # it would sit in URLs and logs (SECURITY.md)
        problems.append((LABELS["external_id"], CPR_ID_MESSAGE))
    else:
        try:  # a bidi override or zero-width character makes two ids look alike
            no_hidden_characters(None, SimpleNamespace(data=value))
        except ValidationError:
            problems.append((LABELS["external_id"], "Det eksterne id indeholder usynlige tegn eller styretegn. "
                                                    "Brug kun synlige tegn."))
    return value


def _form_data(text: dict[str, str], problems: list) -> MultiDict:
    data = MultiDict({name: text.get(key, "") for name, key in _FORM_FIELDS.items()
                      if name not in ("driving_licences",)})
    data["benefit_group"] = vocabulary_key(text.get("benefit_group", ""), BENEFIT_GROUPS) or text.get(
        "benefit_group", "")
    data["readiness_group"] = vocabulary_key(text.get("readiness_group", ""), READINESS_GROUPS) or text.get(
        "readiness_group", "")
    if not text.get("max_commute_km"):
        data["max_commute_km"] = "25"  # checked only when given; the stored value is kept
    categories = [c.strip().upper() for c in text.get("driving_licences", "").replace(";", ",")
                  .replace("/", ",").replace(" ", ",").split(",") if c.strip()]
    unknown = [c for c in categories if c not in licences.CATEGORIES]
    if unknown:
        problems.append((LABELS["driving_licences"], "Ukendt kørekortkategori: " + ", ".join(unknown[:5])
                         + ". Brug " + ", ".join(licences.CATEGORIES) + "."))
        categories = []
    data.setlist("driving_licences", categories)
    return data


class _Existing:
    """The stored citizen with the row's external id, looked up only when a jobmål with a
    health word asks (rare): no query per row."""

    def __init__(self, external_id: str) -> None:
        self.external_id = external_id
        self.citizen_id: int | None = None
        self._held: set[str] | None = None
        self.goals_page: int | None = None  # set when a problem sends the user to that page

    def held(self) -> set[str]:
        """The jobmål (casefolded) the citizen already has; empty for a new one."""
        if self._held is None:
            self._held = set()
            if self.external_id:  # by the one rule (review AV 7), as the upsert finds it
                try:
                    found = find_citizen(db.session, self.external_id)
                except RecordRefused:  # several: the upsert refuses the row for that
                    found = None
                self.citizen_id = found.id if found is not None else None
            if self.citizen_id is not None:
                titles = db.session.scalars(sa.select(JobGoal.title).where(JobGoal.citizen_id == self.citizen_id))
                self._held = {title.casefold() for title in titles}
        return self._held


# For a title with a health word: the file cannot confirm it, a person on the citizen's page can.
HEALTH_GOAL_EXISTING = ("Er det en stillingsbetegnelse, så tilføj jobmålet på borgerens side i portalen og "
                        "bekræft det dér; derefter kan rækken indlæses.")
HEALTH_GOAL_NEW = ("Borgeren findes ikke i portalen endnu, så jobmålet kan ikke bekræftes dér. Er det en "
                   "stillingsbetegnelse, så fjern jobmålet fra rækken i filen, og indlæs rækken, så borgeren "
                   "oprettes. Tilføj derefter jobmålet på borgerens side og bekræft det dér; så kan rækken "
                   "indlæses med jobmålet.")


def _job_goals(value: str, problems: list, existing: _Existing | None = None) -> list[str]:
    titles = [clean_line(t) for t in split_list(value)]
    existing = existing if existing is not None else _Existing("")
    label = LABELS["job_goals"]
    if not titles:
        problems.append((label, "Skriv mindst ét jobmål."))
        return []
    if len(titles) > MAX_JOB_GOALS:
        problems.append((label, f"En borger kan højst have {MAX_JOB_GOALS} jobmål."))
        return []
    seen = set()
    for number, title in enumerate(titles, 1):
        # First, and named by its place, never quoted: the report goes to logs (SECURITY.md).
        if contains_cpr(title):
            problems.append((label, f"Jobmål nr. {number}: {CPR_IN_JOB_GOAL_MESSAGE}"))
            return []
        # JobGoalForm's rules, called directly: a form per jobmål would double the cost of a row.
        try:
            if not 2 <= len(title) <= 200:
                raise ValidationError("Et jobmål skal være 2-200 tegn.")
            no_hidden_characters(None, SimpleNamespace(data=title))
        except ValidationError as exc:
            problems.append((label, f"»{title[:40]}«: {exc}"))
            return []
        if title.casefold() in seen:
            problems.append((label, f"Jobmålet »{title[:40]}« står to gange."))
            return []
        # The web's rules for a jobmål's text. A file cannot confirm a title with a health word
        # ("Handicaphjælper"); one the citizen already holds was confirmed by a person, and stays.
        if problem := job_goal_sentence_problem(title):
            problems.append((label, f"»{title[:40]}«: {problem}"))
            return []
        if (words := job_goal_health_words(title)) and title.casefold() not in existing.held():
            advice = HEALTH_GOAL_NEW if existing.citizen_id is None else HEALTH_GOAL_EXISTING
            problems.append((label, f"»{title[:40]}«: {job_goal_health_message(words)} {advice}"))
            existing.goals_page = existing.citizen_id
            return []
        seen.add(title.casefold())
    return titles


def _vk(value: str, consultants: Mapping[str, int] | None, problems: list) -> int | None:
    value = clean_line(value).casefold()
    if not value:
        return None
    directory = consultants if consultants is not None else consultant_directory()
    vk_id = directory.get(value)
    if vk_id is None:
        problems.append((LABELS["vk"], "Ingen aktiv konsulent har den e-mail eller de initialer."))
    return vk_id
