"""The consultant's placement forms: start, end (or correct the end), cancel and follow-up.

The forms check shape and fixed ranges with Danish messages; rules that need the
database (eligibility, the citizen's hours, duplicates) live in :mod:`.lifecycle`.
Ownership never comes from a form: citizen, opening and company are the proposal's or
the placement's in the URL; extra fields (``company_id``, ``status``, ``role``) are not
declared and so never read.
"""
from __future__ import annotations

import unicodedata
from datetime import date

from wtforms import BooleanField, HiddenField, StringField, TextAreaField
from wtforms.widgets import TextInput
from wtforms.validators import Length, Optional, ValidationError

from ..formutil import (DATE_MISSING, ChoiceField, DanishDateField, DanishDecimalField, DanishForm, Required, choices,
                        no_cpr, no_hidden_characters, no_nul)
from ..i18n import format_date
from store.models.vocab import ENDING_REASONS, OPENING_KINDS
from .lifecycle import CANCEL_REASON_LENGTH, MAX_END_AHEAD, MAX_START_OFFSET, MAX_WEEKLY_HOURS
from store.models.placements import PLACEMENT_NOTE_LENGTH as MAX_NOTE_LENGTH

class HoursField(DanishDecimalField):
    """Weekly hours in a text input, so "12,5" can be typed (a number input refuses commas)."""

    widget = TextInput()


def _note_field(label: str) -> TextAreaField:
    return TextAreaField(label, validators=[
        Optional(), no_nul, no_hidden_characters, no_cpr(),
        Length(max=MAX_NOTE_LENGTH, message=f"Noten må højst være {MAX_NOTE_LENGTH} tegn.")],
        render_kw={"rows": 3, "maxlength": MAX_NOTE_LENGTH})


def clean_note(value: str | None) -> str:
    """The note NFC-normalised and stripped (combining characters become one letter)."""
    return unicodedata.normalize("NFC", value or "").strip()


class StartForm(DanishForm):
    """Start a placement: kind, start, weekly hours, optional planned end, mark the opening filled."""

    kind = ChoiceField("Type forløb", choices=choices(OPENING_KINDS),
                       validators=[Required("Vælg en type forløb.")])
    start_date = DanishDateField("Startdato", validators=[Required(DATE_MISSING)])
    weekly_hours = HoursField("Timer pr. uge", validators=[Required("Angiv timer pr. uge, fx 7,5.")],
                               render_kw={"inputmode": "decimal", "autocomplete": "off", "maxlength": 20})
    planned_end = DanishDateField("Planlagt slutdato (valgfri)", validators=[Optional()])
    mark_filled = BooleanField("Markér opslaget som besat", default=True)
    # A kind other than the opening's is saved only once confirmed, and only for the kind the
    # confirmation was shown for (``other_kind_for``): changing the kind again asks again.
    other_kind = BooleanField("Ja, forløbet skal være en anden type end opslaget")
    other_kind_for = HiddenField()

    def __init__(self, *args, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.today = today

    @property
    def other_kind_confirmed(self) -> bool:
        """The consultant ticked the confirmation shown for the kind now chosen."""
        return bool(self.other_kind.data) and bool(self.kind.data) and self.other_kind_for.data == self.kind.data

    def validate_start_date(self, field) -> None:
        if field.data is not None and abs(field.data - self.today) > MAX_START_OFFSET:
            raise ValidationError("Startdatoen skal ligge højst ét år før eller efter i dag.")

    def validate_weekly_hours(self, field) -> None:
        if field.data is not None and not 0 <= field.data <= MAX_WEEKLY_HOURS:
            raise ValidationError("Timer pr. uge skal være mellem 0 og 80.")

    def validate_planned_end(self, field) -> None:
        start = self.start_date.data
        if field.data is not None and start is not None and field.data < start:
            raise ValidationError("Den planlagte slutdato kan ikke ligge før startdatoen.")
        if field.data is not None and start is not None and (field.data - start).days > 3 * 366:
            raise ValidationError("Den planlagte slutdato kan højst ligge tre år efter start.")


class EndForm(DanishForm):
    """End a placement, or correct the end date and reason of an ended one."""

    end_date = DanishDateField("Slutdato", validators=[Required(DATE_MISSING)])
    # The empty first choice makes the consultant pick a reason (no accidental "Ordinært job").
    # "aflyst" is not offered: a placement that never started is cancelled (CancelForm).
    end_reason = ChoiceField("Årsag til afslutning", choices=choices([("", "Vælg årsag"), *ENDING_REASONS.items()]),
                             validators=[Required("Vælg en årsag til afslutningen.")])
    note = _note_field("Note (valgfri, ses kun af jobcentret)")

    def __init__(self, *args, start: date, today: date, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.start, self.today = start, today

    def validate_end_date(self, field) -> None:
        if field.data is None:
            return
        if field.data < self.start:
            raise ValidationError(f"Slutdatoen kan ikke ligge før forløbets start ({format_date(self.start)}).")
        if field.data > self.today + MAX_END_AHEAD:
            raise ValidationError("Slutdatoen kan højst ligge 31 dage frem.")


class CancelForm(DanishForm):
    """Cancel a placement that never started: a short reason, then a confirmation page.

    The first post (``confirmed`` empty) only shows what will happen; the confirmation page
    posts the same reason again with ``confirmed=y`` (as the rejection of a candidate does).
    """

    reason = StringField("Hvorfor aflyses forløbet?", validators=[
        Required("Skriv kort, hvorfor forløbet aflyses, fx »Borgeren mødte ikke op«."), no_nul, no_hidden_characters, no_cpr(),
        Length(max=CANCEL_REASON_LENGTH, message=f"Begrundelsen må højst være {CANCEL_REASON_LENGTH} tegn.")],
        render_kw={"maxlength": CANCEL_REASON_LENGTH, "autocomplete": "off"})
    confirmed = HiddenField()
    # The hours logged before the start that the confirmation page named (.lifecycle.hours_token):
    # only exactly those are removed with the cancellation.
    timer = HiddenField()


class FollowUpForm(DanishForm):
    """A follow-up with the citizen or the company; the note is required (:func:`.lifecycle.check_followup`)."""

    # Not "note": the end form on the same page has one, and ids must be unique. The note is
    # checked for emptiness after NFC and stripping (lifecycle.check_followup), so a note of
    # spaces is refused with the same message.
    followup_note = _note_field("Hvad skete der, og hvad blev aftalt? (ses kun af jobcentret)")



class RetentionForm(DanishForm):
    """Still in a job or in education at a checkpoint: yes or no (the checkpoint is the URL's)."""

    employed = ChoiceField("Stadig i job eller uddannelse?", choices=choices([("", "Vælg"), ("ja", "Ja"), ("nej", "Nej")]),
                           validators=[Required("Vælg ja eller nej.")])
