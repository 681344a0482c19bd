"""Hotline forms, validated server-side with Danish messages.

No form carries ownership or state: company, assignee and status come from
``current_user`` and the service, so extra fields such as ``company_id`` or
``status`` in a POST are simply never read.
"""
from __future__ import annotations

from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from .. import private_details
from ..formutil import ChoiceField, DanishForm, choices, no_cpr, no_hidden_characters
from ..text import clean_text
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES
from .service import RequestData

SUBJECT_MAX = 200
MESSAGE_MAX = 5000
NOTE_MAX = 1000
# What a closing note may not hold, as it goes by mail too (portal.private_details).
NOTE_REFUSED_KINDS = ("identity", "health", "cpr", "criminal", "benefit")


def _text(label: str, max_length: int, *, area: bool = False, min_length: int = 1) -> Field:
    field_class = TextAreaField if area else StringField
    render_kw = {"rows": 6} if area else None
    return field_class(label, filters=[clean_text], render_kw=render_kw, validators=[
        DataRequired(f"Udfyld feltet »{label}«."),
        Length(min=min_length, max=max_length, message=f"Skal være mellem {min_length} og {max_length} tegn."),
        no_hidden_characters, no_cpr(),  # the other side reads it (review BH 9)
    ])


class RequestForm(DanishForm):
    """A new hotline request. ``placement_options`` are the company's own active placements."""

    category = ChoiceField("Hvad drejer det sig om?", choices=choices(HOTLINE_CATEGORIES), default="fravaer")
    urgency = ChoiceField("Hvor haster det?", choices=choices(HOTLINE_URGENCIES), default="normal")
    placement = ChoiceField("Forløb (valgfrit)", default="")
    subject = _text("Emne", SUBJECT_MAX, min_length=3)
    message = _text("Beskriv situationen", MESSAGE_MAX, area=True)

    def __init__(self, *args, placement_options: list[tuple[str, str]] = (), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.placement.choices = choices([("", "Intet bestemt forløb"), *placement_options])

    def to_data(self) -> RequestData:
        """The validated values for :func:`.service.create_request`."""
        return RequestData(category=self.category.data, urgency=self.urgency.data,
                           subject=self.subject.data, message=self.message.data,
                           placement_id=int(self.placement.data) if self.placement.data else None)


class MessageForm(DanishForm):
    """A reply or follow-up on a request."""

    body = _text("Besked", MESSAGE_MAX, area=True)


class CloseForm(DanishForm):
    """Close a request. Staff write a note to the company (``note``): required when the request
    waits for an answer (``note_required``: closed without one), optional when it is answered.
    The note is for the company: it stays in the thread and goes with the mail
    (``hotline_closed``), so it may not hold the citizen's name, health, benefit, CPR number or
    criminal record (:data:`NOTE_REFUSED_KINDS`). A company user's form has no note
    (``with_note=False``): what such a post carries as a note is never read.
    """

    note = TextAreaField("Begrundelse til virksomheden", filters=[clean_text], render_kw={"rows": 4}, validators=[
        Length(max=NOTE_MAX, message=f"Begrundelsen må højst være {NOTE_MAX} tegn. Gør den kortere."),
        no_hidden_characters,
    ])

    def __init__(self, *args, with_note: bool = True, note_required: bool = False, citizen=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.note_required = note_required
        self.citizen = citizen
        if not with_note:
            del self.note

    def validate_note(self, field: Field) -> None:
        if not field.data:
            if self.note_required:
                raise ValidationError("Skriv kort til virksomheden, hvorfor henvendelsen lukkes uden svar.")
            return
        found = [d for d in private_details.find(field.data, self.citizen) if d.kind in NOTE_REFUSED_KINDS]
        if found:
            raise ValidationError("Begrundelsen sendes også som mail til virksomheden og må ikke indeholde "
                                  f"{private_details.describe(found)}. Skriv den uden.")


class DutyForm(DanishForm):
    """Who is on duty for requests without an active assignee: a consultant, or nobody ("").
    The choices are the active consultants (:func:`.duty.candidates`), set by the route; a user
    who is not among them is refused at the field."""

    user = ChoiceField("Vagthavende konsulent", default="")

    def __init__(self, *args, candidates=(), **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.user.choices = choices([("", "Ingen vagthavende (fordeling som hidtil)"),
                                     *((str(u.id), f"{u.name} ({u.email})") for u in candidates)])

    def chosen_id(self) -> int | None:
        return int(self.user.data) if self.user.data else None
