"""Danish locale: Flask-Babel and WTForms' messages in Danish.

The portal speaks Danish only: the locale is always ``da`` and times are shown in
Europe/Copenhagen (the database stores UTC).

WTForms ships no Danish catalogue, so ``translations/da/LC_MESSAGES/wtforms.po`` holds one;
:class:`portal.formutil.DanishForm` hands it to every form.
"""
from __future__ import annotations

import io
from functools import cache
from pathlib import Path

from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from flask_babel import Babel

TIMEZONE = "Europe/Copenhagen"
WTFORMS_CATALOGUE = Path(__file__).with_name("translations") / "da" / "LC_MESSAGES" / "wtforms.po"

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel: Danish, Copenhagen time."""
    babel.init_app(app, default_locale="da", default_timezone=TIMEZONE)


@cache
def wtforms_translations() -> Translations:
    """WTForms' built-in messages in Danish (compiled from the .po file once per process)."""
    with WTFORMS_CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="da", domain="wtforms")
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain="wtforms")
