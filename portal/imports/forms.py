"""The upload form of the import page (one form, the kind chosen by a hidden field)."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import HiddenField, RadioField
from wtforms.validators import AnyOf

from ..formutil import DanishForm, choices

MODES = {"dry": "Tørkørsel: vis hvad der ville ske, gem intet", "run": "Importér: gem de gyldige rækker"}


class ImportForm(DanishForm):
    kind = HiddenField(validators=[AnyOf(("citizens", "openings"), "Ukendt type import.")])
    file = FileField("Fil (CSV UTF-8 eller Excel .xlsx)", validators=[FileRequired("Vælg en fil.")])
    cvs = FileField("CV-filer (valgfri zip med filer navngivet efter eksternt id, fx A123.pdf)")
    mode = RadioField("Hvad skal der ske?", choices=choices(MODES), default="dry",
                      validators=[AnyOf(tuple(MODES), "Vælg tørkørsel eller import.")])
