"""Forms for interview booking: offering 1–3 times, booking, cancelling, the outcome."""
from __future__ import annotations

from datetime import datetime

from wtforms import RadioField, StringField, TimeField
from wtforms.validators import Length, NumberRange, Optional

from ..formutil import DanishDateField, DanishForm, Required, WholeNumberField, choices, no_cpr, no_hidden_characters
from ..proposals import MAX_NOTE_LENGTH
from store import clock
from .answers import REASON_NEEDED
from .queries import OUTCOME_LABELS
from .slots import MAX_LOCATION, MAX_MINUTES, MAX_SLOTS, MIN_MINUTES, OUTSIDE_DAY, Slot, within_day

_TIME_MSG = "Angiv et gyldigt klokkeslæt (tt:mm)."
_DURATION_MSG = f"Varigheden skal være mellem {MIN_MINUTES} og {MAX_MINUTES} minutter."


class OfferForm(DanishForm):
    """Up to three times (date + time, Danish local time) with one duration and place."""

    date1 = DanishDateField("Dato 1", validators=[Optional()])
    time1 = TimeField("Klokkeslæt 1", validators=[Optional()])
    date2 = DanishDateField("Dato 2", validators=[Optional()])
    time2 = TimeField("Klokkeslæt 2", validators=[Optional()])
    date3 = DanishDateField("Dato 3", validators=[Optional()])
    time3 = TimeField("Klokkeslæt 3", validators=[Optional()])
    # A whole number: "abc" gets only "Skriv et helt tal.", not the range as well (review BH).
    duration = WholeNumberField("Varighed (minutter)", default=60, validators=[
        Required("Angiv varigheden i minutter."), NumberRange(MIN_MINUTES, MAX_MINUTES, _DURATION_MSG)],
        too_large=_DURATION_MSG)
    location = StringField("Sted", validators=[
        Required("Angiv stedet for samtalen."), Length(max=MAX_LOCATION, message=f"Højst {MAX_LOCATION} tegn."),
        no_hidden_characters, no_cpr()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self._parse_messages()  # a time that does not parse gets a message naming the format

    def _parse_messages(self) -> None:
        for n in range(1, MAX_SLOTS + 1):
            field = getattr(self, f"time{n}")
            field.process_errors = [_TIME_MSG if e else e for e in field.process_errors]

    def validate(self, extra_validators=None) -> bool:
        """Every error at once, each at its field: a time missing its date or clock time, a time
        already passed or outside 06:00–22:00 Danish time, no time at all, and the other fields'
        errors side by side."""
        ok = super().validate(extra_validators)
        given, broken = False, False
        now = clock.utcnow()
        for n in range(1, MAX_SLOTS + 1):
            day, time = getattr(self, f"date{n}"), getattr(self, f"time{n}")
            given = given or day.data is not None or time.data is not None
            broken = broken or bool(day.errors or time.errors)
            if (day.data is None) != (time.data is None) and not (day.errors or time.errors):
                (time if time.data is None else day).errors.append(f"Tid {n}: angiv både dato og klokkeslæt.")
                ok, broken = False, True
            elif day.data is not None and time.data is not None and not (day.errors or time.errors) \
                    and datetime.combine(day.data, time.data, tzinfo=clock.LOCAL) <= now:
                # At the field, like the other errors (review finding: a flash far above the form).
                day.errors.append(f"Tid {n} ligger i fortiden. Vælg en dato og et klokkeslæt frem i tiden.")
                ok, broken = False, True
            elif day.data is not None and time.data is not None and not (day.errors or time.errors) \
                    and not within_day(datetime.combine(day.data, time.data, tzinfo=clock.LOCAL),
                                       self._minutes()):
                time.errors.append(f"Tid {n}: {OUTSIDE_DAY[0].lower()}{OUTSIDE_DAY[1:]}")
                ok, broken = False, True
        if not given and not broken:
            self.date1.errors.append("Foreslå mindst én tid (dato og klokkeslæt).")
            ok = False
        return ok

    def _minutes(self) -> int:
        """The duration for the working-day check; a broken duration has its own error."""
        valid = not self.duration.errors and isinstance(self.duration.data, int)
        return self.duration.data if valid else MIN_MINUTES

    def slots(self) -> list[Slot]:
        """The filled-in times as slots (start in Danish local time, aware)."""
        result = []
        for n in range(1, MAX_SLOTS + 1):
            day, time = getattr(self, f"date{n}").data, getattr(self, f"time{n}").data
            if day is not None and time is not None:
                start = datetime.combine(day, time, tzinfo=clock.LOCAL)
                result.append(Slot(start, int(self.duration.data), (self.location.data or "").strip()))
        return result

    def messages(self) -> list[str]:
        return [e for errors in self.errors.values() for e in errors]


class StepForm(DanishForm):
    """CSRF only: book and cancel take no input."""


class OutcomeForm(DanishForm):
    """The company's outcome after the interview: hired, or not hired with a reason."""

    outcome = RadioField("Udfald", choices=choices(OUTCOME_LABELS),
                         validators=[Required("Vælg ansat eller ikke ansat.")])
    reason = StringField("Begrundelse (skal udfyldes ved ikke ansat)", validators=[
        Length(max=MAX_NOTE_LENGTH, message=f"Højst {MAX_NOTE_LENGTH} tegn."), no_hidden_characters, no_cpr()])

    def validate(self, extra_validators=None) -> bool:
        ok = super().validate(extra_validators)
        if ok and self.outcome.data == "declined" and not (self.reason.data or "").strip():
            self.reason.errors.append(REASON_NEEDED)  # the service's rule (check_answer), at the field
            ok = False
        return ok
