"""The mail preferences form: one checkbox per notification kind of the user's role."""
from __future__ import annotations

from wtforms import SelectMultipleField
from wtforms.widgets import CheckboxInput, ListWidget

from ..formutil import DanishForm


class MailChoicesForm(DanishForm):
    """Which kinds the user gets mails for. Choices are set per user (their role's kinds)."""

    kinds = SelectMultipleField("Send mig en e-mail, når", choices=[],
                                widget=ListWidget(prefix_label=False), option_widget=CheckboxInput())


class MarkAllReadForm(DanishForm):
    """"Markér alle som læst" (CSRF only)."""


class OpenForm(DanishForm):
    """Open one notification (CSRF only): marks it read, then goes to its link."""
