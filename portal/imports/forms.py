"""The upload form of the import page: one per kind, each with the kind as its prefix
(``ImportForm(prefix="citizens")``), so the page's two forms have distinct names and ids;
a plain hidden ``kind`` field says which form was sent."""
from __future__ import annotations

from flask_wtf.file import FileField, FileRequired
from wtforms import RadioField, SelectField
from wtforms.validators import AnyOf

from ..formutil import DanishForm, choices

MODES = {"dry": "Tørkørsel: vis hvad der ville ske, gem intet", "run": "Importér: gem de gyldige rækker"}
# A row that would create a citizen like one already in the portal (portal.imports.lookalikes).
LOOKALIKES = {"refuse": "Afvis rækken og vis borgeren, den ligner",
              "attach": "Knyt id'et til borgeren: det er den samme person, oprettet i portalen uden id",
              "create": "Opret alligevel: det er en anden person"}


class ImportForm(DanishForm):
    file = FileField("Fil (CSV UTF-8 eller Excel .xlsx)", validators=[FileRequired("Vælg en fil.")])
    cvs = FileField("CV-filer (valgfri zip med filer navngivet efter eksternt id, fx A123.pdf)")
    mode = RadioField("Hvad skal der ske?", choices=choices(MODES), default="dry",
                      validators=[AnyOf(tuple(MODES), "Vælg tørkørsel eller import.")])
    lookalikes = RadioField("Rækker, der ligner en borger i portalen (samme navn og samme e-mail eller telefon)",
                            choices=choices(LOOKALIKES), default="refuse",
                            validators=[AnyOf(tuple(LOOKALIKES), "Vælg, hvad der skal ske med rækkerne.")])

    # The team of a citizen the file creates without a VK (review AV 1); choices per request
    # (:func:`portal.imports.routes.team_choices`), 0 for none.
    team = SelectField("Team for nye borgere uden virksomhedskonsulent", coerce=int, default=0)

    def __init__(self, *args, prefix: str, **kwargs) -> None:
        super().__init__(*args, prefix=prefix, **kwargs)
        self.kind = prefix  # "citizens" or "openings"
