"""The opening form: every field a company fills in, validated server-side in Danish.

The form never carries ownership: the company comes from ``current_user`` in the route.
:meth:`OpeningForm.to_data` hands the service a plain :class:`~.service.OpeningData`.
"""
from __future__ import annotations

import re
from datetime import date, timedelta

from wtforms import Field, HiddenField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError
from werkzeug.datastructures import MultiDict

from matching.geo import POSTCODES
from .. import postcodes
from ..formutil import (ChoiceField, DanishDateField, DanishDecimalField, DanishForm, LicencesField, Required,
                        WholeNumberField, choices, format_decimal_input, no_cpr, no_hidden_characters)
from ..text import clean_text
from store.models.vocab import OPENING_KINDS, OPENING_STATUSES
from .service import OpeningData
from store import clock

MAX_HOURS = 80.0
FULL_TIME_HOURS = 37.0
SMAAJOB_TYPICAL_MAX = 15.0
MAX_CAPACITY = 50
WORKING_TIME_LIMIT = 48  # hours a week on average (the working time directive, arbejdstidsloven)
START_PAST_DAYS = 365
START_FUTURE_DAYS = 2 * 365
EDITABLE_STATUSES = ("draft", "open", "closed")
# A published opening never turns back into a draft: the job centre has been told about it, and
# it may have candidates and placements. "Lukket" takes it out of matching instead (review W6).
NO_DRAFT_AGAIN = ("Opslaget er slået op og kan ikke blive en kladde igen. Vælg »Lukket«, hvis jobcentret "
                  "ikke skal finde flere kandidater til det.")

# Rules the job centre applies to the two subsidised kinds, worded for the company (review AT 1).
# The figures are DOMAIN.md's (praktik 4-13 weeks) and the well-known ones; the job centre
# decides each case, which the texts say.
PRAKTIK_TYPICAL_WEEKS = (4, 13)
LOENTILSKUD_TYPICAL_MAX_WEEKS = 26  # about 6 months at a private employer
RIMELIGHED = ("Antallet af personer i virksomhedspraktik og løntilskud skal stå i et rimeligt forhold til, "
              "hvor mange ordinært ansatte I har (rimelighedskravet); jobcentret vurderer det.")

# Per kind: what it is, then (when there are rules) what it means for the company. Each is a
# paragraph of the form's "Hvad er forskellen på typerne?".
KIND_HELP = {
    "smaajob": ("Nogle få almindelige lønnede timer om ugen (ofte 1–15) til almindelig løn. "
                "Det første skridt tilbage på arbejdsmarkedet.",),
    "virksomhedspraktik": (
        "Ulønnet praktik mens borgeren får sin ydelse, for at afprøve eller opbygge arbejdsevnen.",
        "For jer: I betaler ingen løn; borgeren beholder sin ydelse fra kommunen. Praktikken varer typisk "
        f"{PRAKTIK_TYPICAL_WEEKS[0]}–{PRAKTIK_TYPICAL_WEEKS[1]} uger, for nogle borgere længere efter aftale med "
        f"jobcentret. {RIMELIGHED}"),
    "loentilskud": (
        "Et job hvor jobcentret betaler en del af lønnen i en afgrænset periode.",
        "For jer: I ansætter borgeren og betaler almindelig løn (efter overenskomst eller det, der er sædvanligt "
        "for arbejdet), og jobcentret giver jer et tilskud til lønnen. Perioden aftales med jobcentret; i en "
        f"privat virksomhed er den oftest op til 6 måneder ({LOENTILSKUD_TYPICAL_MAX_WEEKS} uger). Stillingen skal "
        "være ekstra (merbeskæftigelse): den må ikke erstatte en medarbejder eller en stilling, I ellers ville "
        f"besætte. {RIMELIGHED}"),
    "ordinaert": ("Et almindeligt job på almindelige vilkår.",),
    "fleksjob": ("Et job på nedsat tid til en person med varigt nedsat arbejdsevne.",),
}

_LANGUAGE = re.compile(r"^[^\W\d_]+(?:[ -][^\W\d_]+)*$")


def _text(label: str, max_length: int, *, required: bool = False, min_length: int = 0,
          area: bool = False, description: str = "") -> Field:
    validators = [DataRequired(f"Udfyld feltet »{label}«.")] if required else [Optional()]
    message = (f"Skal være mellem {min_length} og {max_length} tegn." if min_length
               else f"Højst {max_length} tegn.")
    validators += [Length(min=min_length, max=max_length, message=message), no_hidden_characters, no_cpr()]
    field_class = TextAreaField if area else StringField
    return field_class(label, validators=validators, filters=[clean_text], description=description)


def _number(label: str, low: int, high: int, message: str, *, required: bool,
            default: int | None = None, description: str = "") -> Field:
    first = Required(f"Udfyld feltet »{label}«.") if required else Optional()
    return WholeNumberField(label, validators=[first, NumberRange(low, high, message)], default=default,
                            too_large=message, description=description)


class OpeningForm(DanishForm):
    """Create or edit an opening. Cross-field rules live in :meth:`validate`."""

    kind = ChoiceField("Type", choices=choices(OPENING_KINDS), default="smaajob",
                       description="Vælg den type forløb, I tilbyder.")
    title = _text("Titel", 200, required=True, min_length=3,
                  description="Fx »Lagermedarbejder 10 timer om ugen«.")
    description = _text("Beskrivelse", 5000, area=True,
                        description="Arbejdsopgaver, arbejdstider og arbejdspladsen.")
    requirements = _text("Krav og ønsker", 2000, area=True,
                         description="Fx certifikater, fysiske krav eller erfaring.")
    hours_min = DanishDecimalField("Timer pr. uge, mindst",
                                   validators=[Required("Udfyld det mindste antal timer (0 er tilladt).")])
    hours_max = DanishDecimalField("Timer pr. uge, højst",
                                   validators=[Required("Udfyld det højeste antal timer.")])
    postcode = StringField("Postnummer for arbejdsstedet", filters=[clean_text],
                           validators=[DataRequired("Udfyld postnummeret.")],
                           render_kw={"inputmode": "numeric", "autocomplete": "postal-code",
                                      "list": "known-postcodes", "maxlength": "4"})
    start_date = DanishDateField("Startdato", validators=[Optional()],
                                 description="Lad feltet stå tomt, hvis start er efter aftale.")
    duration_weeks = _number("Varighed i uger", 1, 52, "Varigheden skal være mellem 1 og 52 uger.",
                             required=False,
                             description="Praktik varer typisk 4–13 uger; løntilskud i en privat virksomhed oftest "
                                         "op til 26 uger. Tom for et job uden slutdato.")
    required_licences = LicencesField(
        "Kørekort",
        description="Sæt flueben ved de kategorier, hvor én af dem er nok, fx C til en lastbil "
                    "(CE opfylder også C). Ingen flueben: kørekort ikke nødvendigt.")
    required_languages = _text("Sprogkrav", 200, description="Adskil med komma, fx »dansk, engelsk«.")
    accommodations = _text("Mulige skånehensyn", 2000, area=True,
                           description="Hensyn I kan tage, fx ingen tunge løft, fleksibel mødetid "
                                       "eller et roligt sted at arbejde.")
    capacity = _number("Antal pladser", 1, MAX_CAPACITY,
                       f"Antal pladser skal være mellem 1 og {MAX_CAPACITY}.", required=True, default=1,
                       description="Flere faste pladser giver kun mening for virksomhedspraktik. Hvor mange I kan "
                                   "have i praktik og løntilskud, afhænger af antallet af ordinært ansatte; "
                                   "jobcentret vurderer det.")
    status = ChoiceField("Status", default="open",
                         description="Kun åbne opslag bliver matchet med kandidater.")
    version = HiddenField()
    # Each field's fingerprint as the form was loaded (.conflict.fingerprints): after someone
    # else's save, tells their changes from this user's.
    base = HiddenField()

    def __init__(self, *args, current_status: str | None = None, stored_start: date | None = None,
                 imported: bool = False, places=None, **kwargs) -> None:
        """``current_status``/``stored_start``: the saved opening's values when editing;
        ``imported``: a row of an import file, which may record an opening already begun;
        ``places``: the saved opening's :class:`~.service.Places` (the capacity may not drop
        below the places already taken)."""
        super().__init__(*args, **kwargs)
        self._stored_start = stored_start
        self._current_status = current_status
        self._imported = imported
        self._editing = current_status is not None or imported
        self._places = places
        # "filled" is set by the placement flow, not chosen here; keep it when present. A draft
        # is offered only while the opening is one (or is new).
        statuses = [s for s in EDITABLE_STATUSES if s != "draft" or self.draft_allowed]
        if current_status and current_status not in statuses:
            statuses.append(current_status)
        self.status.choices = choices({k: OPENING_STATUSES[k] for k in statuses})
        self.postcode.description = postcodes.hint("Postnummeret i jobcentrets område, fx 8722 Hedensted.")

    @property
    def draft_allowed(self) -> bool:
        """A new opening, or one still a draft, may be (or stay) a draft; a published one not."""
        return self._current_status in (None, "draft")

    def validate_postcode(self, field: Field) -> None:
        if not re.fullmatch(r"[0-9]{4}", field.data or ""):
            raise ValidationError("Postnummeret skal være 4 cifre.")
        if field.data not in POSTCODES:
            raise ValidationError(postcodes.unknown(
                field.data, "Postnummeret kendes ikke i jobcentrets område. Vælg et af disse."))

    def validate_hours_min(self, field: Field) -> None:
        if field.data is not None and not 0 <= field.data <= MAX_HOURS:
            raise ValidationError(f"Timetallet skal være mellem 0 og {MAX_HOURS:g}.")

    def validate_hours_max(self, field: Field) -> None:
        if field.data is not None and not 0 < field.data <= MAX_HOURS:
            raise ValidationError(f"Det højeste timetal skal være over 0 og højst {MAX_HOURS:g}.")

    def validate_start_date(self, field: Field) -> None:
        if field.data is None:
            return
        today = clock.today()
        # Published (again) now, or its start moved: an open opening is matched from today on, so
        # its start cannot lie behind it, as for a new one. An opening already open keeps the
        # start that has since passed, so its other fields stay editable.
        opening_now = self._current_status is not None and self.status.data == "open" and (
            self._current_status != "open" or field.data != self._stored_start)
        if opening_now and field.data < today:
            raise ValidationError("Et åbent opslag kan ikke starte før i dag. Vælg i dag eller en senere dato, "
                                  "eller lad feltet stå tomt, hvis start er efter aftale.")
        # An old opening keeps its real start date; only a changed date must be plausible.
        if field.data == self._stored_start:
            return
        if not self._editing and field.data < today:
            # A new opening starts today or later; an edited one may record when it really began.
            raise ValidationError("Et nyt opslag kan ikke starte før i dag. Vælg i dag eller en senere dato.")
        if field.data < today - timedelta(days=START_PAST_DAYS):
            raise ValidationError("Startdatoen ligger mere end et år tilbage. Tjek årstallet.")
        if field.data > today + timedelta(days=START_FUTURE_DAYS):
            raise ValidationError("Startdatoen ligger mere end to år ude i fremtiden. Tjek årstallet.")

    def validate_required_languages(self, field: Field) -> None:
        items = [item.strip() for item in (field.data or "").replace(";", ",").split(",") if item.strip()]
        if len(items) > 10 or any(len(item) > 40 or not _LANGUAGE.match(item) for item in items):
            raise ValidationError("Skriv sprogene adskilt med komma, fx »dansk, engelsk«.")

    def validate(self, extra_validators=None) -> bool:
        """Field rules first, then the rules that need several fields."""
        valid = super().validate(extra_validators)
        return self._validate_combination() and valid

    def _validate_combination(self) -> bool:
        ok = True
        low, high = self.hours_min.data, self.hours_max.data
        if low is not None and high is not None and not self.hours_min.errors and low > high:
            self.hours_max.errors.append("Det højeste timetal skal være mindst det mindste timetal.")
            ok = False
        if self.kind.data == "smaajob" and high is not None and high > FULL_TIME_HOURS:
            self.hours_max.errors.append(
                f"Et småjob har højst {FULL_TIME_HOURS:g} timer om ugen (oftest 1–15). "
                "Vælg »Ordinært job« for et fuldtidsjob.")
            ok = False
        if self.capacity.data and self.capacity.data > 1 and self.kind.data != "virksomhedspraktik":
            self.capacity.errors.append(
                "Flere pladser i samme opslag kan kun bruges til virksomhedspraktik. "
                "Opret et opslag pr. stilling, eller vælg 1.")
            ok = False
        if self.status.data == "draft" and not self.draft_allowed:
            self.status.errors[:] = [NO_DRAFT_AGAIN]  # instead of "not on the list": say why
            ok = False
        ok = self._validate_capacity() and ok
        return ok

    def _validate_capacity(self) -> bool:
        """The capacity may not drop below the places taken: placements running or planned, and
        hires the job centre has still to start (review W6)."""
        places, capacity = self._places, self.capacity.data
        if places is None or capacity is None or self.capacity.errors:
            return True
        needed = places.taken + places.hired_waiting
        if capacity >= needed:
            return True
        running = f"{places.taken} igangværende eller planlagte forløb" if places.taken else ""
        hired = f"{places.hired_waiting} meldt ansat" if places.hired_waiting else ""
        self.capacity.errors.append(
            f"Der er {' og '.join(part for part in (running, hired) if part)} på opslaget, så det skal have "
            f"mindst {needed} {'plads' if needed == 1 else 'pladser'}.")
        return False

    def warnings(self) -> list[str]:
        """Advice that does not block saving (call after a successful validate)."""
        notes = []
        if self.kind.data == "smaajob" and self.hours_max.data and self.hours_max.data > SMAAJOB_TYPICAL_MAX:
            notes.append(f"Bemærk: et småjob er oftest 1–{SMAAJOB_TYPICAL_MAX:g} timer om ugen.")
        if self.hours_max.data and self.hours_max.data > WORKING_TIME_LIMIT:
            notes.append(f"Bemærk: over {WORKING_TIME_LIMIT:g} timer om ugen er mere, end arbejdstidsreglerne "
                         "tillader i gennemsnit. Tjek timetallet.")
        weeks, kind = self.duration_weeks.data, self.kind.data
        low, high = PRAKTIK_TYPICAL_WEEKS
        if kind == "virksomhedspraktik" and weeks and not low <= weeks <= high:
            notes.append(f"Bemærk: virksomhedspraktik varer typisk {low}–{high} uger. Jobcentret vurderer varigheden.")
        if kind == "loentilskud" and not weeks:
            notes.append("Bemærk: løntilskud gives i en afgrænset periode. Skriv varigheden, når I har aftalt den "
                         "med jobcentret.")
        if kind == "loentilskud" and weeks and weeks > LOENTILSKUD_TYPICAL_MAX_WEEKS:
            notes.append(f"Bemærk: løntilskud i en privat virksomhed varer oftest højst 6 måneder "
                         f"({LOENTILSKUD_TYPICAL_MAX_WEEKS} uger). Jobcentret vurderer varigheden.")
        if kind == "virksomhedspraktik" and self.capacity.data and self.capacity.data > 1:
            notes.append(f"Bemærk: opslaget har {self.capacity.data} pladser. {RIMELIGHED}")
        return notes

    def to_data(self) -> OpeningData:
        """The validated values as a plain record (only these fields ever reach the model)."""
        languages = [item.strip().casefold()
                     for item in (self.required_languages.data or "").replace(";", ",").split(",")]
        return OpeningData(
            kind=self.kind.data, title=self.title.data, description=self.description.data or "",
            requirements=self.requirements.data or "", hours_min=float(self.hours_min.data),
            hours_max=float(self.hours_max.data), postcode=self.postcode.data,
            start_date=self.start_date.data, duration_weeks=self.duration_weeks.data,
            required_licences=list(self.required_licences.data or ()),
            required_languages=", ".join(dict.fromkeys(item for item in languages if item)),
            accommodations=self.accommodations.data or "", capacity=int(self.capacity.data),
            status=self.status.data,
        )


class CloseForm(DanishForm):
    """The CSRF-protected "close opening" button (and the "publish" one: CSRF only too)."""


def form_values(source, status: str | None = None) -> MultiDict:
    """``source``'s fields (an opening or :class:`OpeningData`) as the edit form posts them;
    ``status`` replaces the source's. Hours come with a decimal comma: they are shown again."""
    values = MultiDict({
        "kind": source.kind, "title": source.title, "description": source.description or "",
        "requirements": source.requirements or "", "hours_min": format_decimal_input(source.hours_min),
        "hours_max": format_decimal_input(source.hours_max), "postcode": source.postcode,
        "start_date": source.start_date.isoformat() if source.start_date else "",
        "duration_weeks": str(source.duration_weeks or ""), "required_languages": source.required_languages or "",
        "accommodations": source.accommodations or "", "capacity": str(source.capacity),
        "status": status or source.status})
    for code in source.required_licences or ():
        values.add("required_licences", code)
    return values


def publishing_form(opening) -> OpeningForm:
    """The saved ``opening`` with status "open", as the edit form would post it, validated like
    an edit (:meth:`OpeningForm.validate`: e.g. a start date already passed is refused)."""
    form = OpeningForm(formdata=form_values(opening, "open"), meta={"csrf": False}, current_status=opening.status,
                       stored_start=opening.start_date)
    form.validate()
    return form
