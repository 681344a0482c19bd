"""Webhook forms. Ownership never comes from a form: the company is the current user's."""
from __future__ import annotations

from wtforms import BooleanField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from store.models.api import WEBHOOK_EVENTS

from ..formutil import DanishForm, choices, no_hidden_characters
from ..urlguard import MAX_URL_LENGTH


def _strip(value: str | None) -> str:
    return (value or "").strip()


class EndpointForm(DanishForm):
    """Register or edit an endpoint: address, description, events (and, when editing, active)."""

    url = StringField("Adresse (URL)", filters=[_strip], validators=[
        DataRequired("Udfyld feltet »Adresse (URL)«."),
        Length(max=MAX_URL_LENGTH, message=f"Adressen må højst være {MAX_URL_LENGTH} tegn."),
        no_hidden_characters])
    description = StringField("Beskrivelse (valgfri)", filters=[_strip], validators=[
        Length(max=200, message="Beskrivelsen må højst være 200 tegn."), no_hidden_characters])
    events = SelectMultipleField("Hændelser", choices=choices(WEBHOOK_EVENTS),
                                 widget=ListWidget(prefix_label=False), option_widget=CheckboxInput(),
                                 validators=[DataRequired("Vælg mindst én hændelse.")])
    active = BooleanField("Aktiv (hændelser sendes)", default=True)

    def __init__(self, *args, events: dict[str, str] | None = None, **kwargs) -> None:
        """``events``: the events the owner may choose (a company's lack the job centre's own)."""
        super().__init__(*args, **kwargs)
        if events is not None:
            self.events.choices = choices(events)


class ActionForm(DanishForm):
    """A button that changes something (CSRF only): rotate, delete, test, send again."""
