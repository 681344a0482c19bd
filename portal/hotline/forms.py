"""Hotline forms, validated server-side with Danish messages.

No form carries ownership or state: company, assignee and status come from
``current_user`` and the service, so extra fields such as ``company_id`` or
``status`` in a POST are simply never read.
"""
from __future__ import annotations

from wtforms import Field, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from ..formutil import ChoiceField, DanishForm, choices, clean_text, no_hidden_characters
from store.models.vocab import HOTLINE_CATEGORIES, HOTLINE_URGENCIES
from .service import RequestData

SUBJECT_MAX = 200
MESSAGE_MAX = 5000


def _text(label: str, max_length: int, *, area: bool = False, min_length: int = 1) -> Field:
    field_class = TextAreaField if area else StringField
    render_kw = {"rows": 6} if area else None
    return field_class(label, filters=[clean_text], render_kw=render_kw, validators=[
        DataRequired(f"Udfyld feltet »{label}«."),
        Length(min=min_length, max=max_length, message=f"Skal være mellem {min_length} og {max_length} tegn."),
        no_hidden_characters,
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
    """Close a request (CSRF only)."""
