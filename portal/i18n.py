"""Danish locale: Flask-Babel, the display filters and WTForms' messages in Danish.

The portal speaks Danish only: the locale is always ``da`` and times are shown in
Europe/Copenhagen (the database stores UTC). Templates show every number and date through
the filters registered here (Babel's Danish data), so the same value reads the same on every
page:

==========================  ======================  ===================================
filter                      example                 shows
==========================  ======================  ===================================
``dknum``                   ``1205|dknum``          ``1.205``
``dknum(decimals)``         ``0.8251|dknum(2)``     ``0,83`` (rounded half up)
``dknum(2, trim=True)``     ``7.5|dknum(2, True)``  ``7,5`` (at most 2 decimals)
``dkdate``                  a date / a datetime     ``05.03.2026`` / ``05.03.2026 kl. 14.07``
``dkmonth``                 a date                  ``marts 2026``
``hours_dk``                ``16.5|hours_dk``       ``16,5`` (hours: at most 2 decimals)
``hours_range(high)``       ``37|hours_range(37)``  ``37``; ``10–15``; ``mindst 10``
``hours_count``             ``1|hours_count``       ``1 time``; ``0,5 time``; ``1,5 timer``
``plural(one, many)``       ``n|plural(a, b)``      ``a`` after 1, else ``b``
``text_lang``               a CV's text             ``en`` (None: Danish or unsure)
==========================  ======================  ===================================

``text_lang`` gives a text written in another language (English CVs are common among
citizens on integrationsydelse) its ``lang`` attribute, so a screen reader reads it with that
language's pronunciation (WCAG 3.1.2): ``<blockquote{% if t|text_lang %} lang="…"{% endif %}>``.

A time is written the Danish way, »kl.« before it and a dot between hours and minutes
(Retskrivningsordbogen; as the mails' ``kl. 12.00``, :func:`format_clock`), so a template never
writes »kl.« before ``dkdate``. What the portal shows (``dkdate``, :func:`format_date` and
:func:`format_moment`, also in messages built in Python) keeps »kl.« and the time together with
a non-breaking space (U+00A0, :data:`KL`), so a line never breaks between them. Exports and
mails do not: spreadsheet cells keep ``05.03.2026 14:07`` (:func:`format_timestamp`), which Excel
reads as a time, and a plain-text mail has plain spaces (:func:`plain_spaces`, in
:func:`portal.mail.compose`; a mail program wraps its lines by itself, and a plain space reads the
same everywhere).

Hours (worked, per week, a total) always go through ``hours_dk``: a half hour logged is
shown as such on every page, never rounded to a whole hour on one page and not on another.

WTForms ships no Danish catalogue, so ``translations/da/LC_MESSAGES/wtforms.po`` holds one;
:class:`portal.formutil.DanishForm` hands it to every form.
"""
from __future__ import annotations

import decimal
import io
from collections.abc import Iterable
from datetime import date, datetime, time, timezone
from functools import cache, lru_cache
from pathlib import Path

from babel import Locale
from babel import dates as babel_dates
from babel import numbers as babel_numbers
from babel.lists import format_list
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po
from babel.support import Translations
from flask import Flask
from flask_babel import Babel
from store import clock

# Parsed once: Babel would parse a locale string again on every formatted number and date.
LOCALE = Locale.parse("da_DK")
TIMEZONE = "Europe/Copenhagen"
DANISH_TIME = clock.LOCAL
WTFORMS_CATALOGUE = Path(__file__).with_name("translations") / "da" / "LC_MESSAGES" / "wtforms.po"
MISSING = "–"
NBSP = "\u00a0"
KL = f"kl.{NBSP}"  # »kl.« and the time never apart (what the portal shows)

babel = Babel()


def init_app(app: Flask) -> None:
    """Bind Flask-Babel (Danish, Copenhagen time) and register the display filters."""
    babel.init_app(app, default_locale="da", default_timezone=TIMEZONE)
    app.jinja_env.filters.update(dknum=format_number, dkdate=format_date, dkmonth=format_month,
                                 hours_dk=format_hours, hours_range=format_hours_range,
                                 hours_count=format_hours_count, hours_word=hours_word, plural=plural,
                                 text_lang=text_language, genitive=genitive)
    app.jinja_env.globals["addressed_as_i"] = addressed_as_i


def addressed_as_i() -> bool:
    """True when the reader is a company user: the portal says »I« to a company, »du« to staff
    (a global, so that macros imported without context can ask)."""
    from flask_login import current_user

    return bool(getattr(current_user, "is_authenticated", False) and current_user.role == "company")


def genitive(name: str | None) -> str:
    """A Danish name in the genitive: »Anna Holms«, and an apostrophe after s, x or z (»Simon
    Lund Friis'«, »Max'«), as Retskrivningsordbogen writes it (review AY 3)."""
    name = (name or "").rstrip()
    if not name:
        return name
    return f"{name}'" if name[-1].lower() in "sxz" else f"{name}s"


def text_language(text: str | None) -> str | None:
    """The language code to mark ``text`` with, when it is confidently not Danish (nor a
    Scandinavian neighbour, which the identifier keeps as one family); None otherwise."""
    from matching.language import language_of

    language = language_of(text or "")
    return None if language in (None, "nordic") else language


def format_number(value: float | int | decimal.Decimal | None, decimals: int = 0, trim: bool = False) -> str:
    """``value`` with Danish separators: "1.205", "0,83", "-21,1".

    Args:
        value: the number; ``None`` (no figure) is shown as a dash.
        decimals: decimals shown, rounded half up (0,825 → "0,83", 2,5 → "3").
        trim: show at most ``decimals`` decimals, dropping trailing zeros ("7,5", "160").
    """
    if value is None:
        return MISSING
    return _format_number(type(value), value, decimals, trim)


# A ranking page formats a few hundred numbers, mostly the same few (scores, hours, km); Babel
# takes ~25 µs for each. The type is part of the key: 1 == 1.0 == Decimal(1) hash alike.
@lru_cache(maxsize=8192)
def _format_number(kind: type, value: float | int | decimal.Decimal, decimals: int, trim: bool) -> str:
    digit = "#" if trim else "0"
    pattern = "#,##0" + ("." + digit * decimals if decimals > 0 else "")
    with decimal.localcontext() as context:
        context.rounding = decimal.ROUND_HALF_UP
        return babel_numbers.format_decimal(value, format=pattern, locale=LOCALE)


def format_hours(value: float | int | decimal.Decimal | None) -> str:
    """Hours without needless decimals: "16,5" · "160" · "7,25" · "1.205" (None: a dash).

    Hours are stored with two decimals, so nothing logged is ever rounded away.
    """
    return format_number(value, 2, trim=True)


def hours_word(value: float | int | decimal.Decimal) -> str:
    """"time" for a number of hours up to one ("0,5 time", "1 time"), else "timer" ("0 timer",
    "1,5 timer", "2 timer"), as Danish says it."""
    return "time" if 0 < abs(value) <= 1 else "timer"


def format_hours_count(value: float | int | decimal.Decimal, decimals: int = 2, trim: bool = True) -> str:
    """Hours with their word: "1 time", "0,5 time", "7,5 timer" (``decimals``/``trim`` as
    :func:`format_number`; the defaults are :func:`format_hours`')."""
    return f"{format_number(value, decimals, trim=trim)} {hours_word(value)}"


def plural(count: int | float | decimal.Decimal | None, one: str, many: str) -> str:
    """The Danish word for ``count`` things: ``one`` after exactly 1, ``many`` otherwise
    ("1 sag", "0 sager", "3 sager"); the number itself is the caller's."""
    return one if count == 1 else many


def and_list(items: Iterable[str], separator: str | None = None) -> str:
    """Items the Danish way, »a, b og c« (»a og b«, »a«; "" for none): Babel's list pattern, so
    every sentence that names several things joins them alike (review BN 12).

    ``separator`` replaces the comma between the items before the last, for items that hold
    commas themselves: ``separator="; "`` gives »a, x; b og c«, still »… og c« at the end."""
    items = list(items)
    if separator is not None and len(items) > 2:
        items = [separator.join(items[:-1]), items[-1]]
    return format_list(items, locale=LOCALE)


def plain_spaces(text: str) -> str:
    """``text`` with plain spaces for non-breaking ones: a plain-text mail's body, which may be
    built from what the portal shows (»kl. 12.00«, :data:`KL`)."""
    return text.replace(NBSP, " ")


def format_clock(value: datetime | time) -> str:
    """A clock time the Danish way, with a dot: "12.00" (Retskrivningsordbogen), for "kl. 12.00".
    ``value`` is shown as it is (a datetime already in local time)."""
    return f"{value:%H.%M}"


def format_hours_range(low: float | int | decimal.Decimal | None,
                       high: float | int | decimal.Decimal | None) -> str:
    """An opening's hours per week: "10–15", "37" when both ends are equal, "mindst 10"
    without an upper end."""
    if high is None:
        return f"mindst {format_hours(low)}"
    if low is None or low == high:
        return format_hours(high)
    return f"{format_hours(low)}–{format_hours(high)}"


def format_date(value: date | datetime | str | None) -> str:
    """dd.mm.yyyy, and for a time »dd.mm.yyyy kl. HH.MM« in Danish local time (a non-breaking
    space after »kl.«, :data:`KL`).

    A naive datetime is taken as UTC (SQLite returns them naive; the models store UTC). A
    string is read as ISO 8601 (the indexer's run summaries are JSON); one that is not is
    shown as it is.
    """
    if value is None or value == "":
        return MISSING
    if isinstance(value, str):
        try:
            value = (date if len(value) == 10 else datetime).fromisoformat(value)
        except ValueError:
            return value
    if isinstance(value, datetime):
        if value.tzinfo is None:
            value = value.replace(tzinfo=timezone.utc)
        return _format_datetime(value)
    return _format_date(value)


# A start page shows a few hundred dates, many the same (Babel: ~50 µs each).
@lru_cache(maxsize=8192)
def _format_date(value: date) -> str:
    return babel_dates.format_date(value, "dd.MM.yyyy", locale=LOCALE)


@lru_cache(maxsize=8192)
def _format_datetime(value: datetime) -> str:
    return babel_dates.format_datetime(value, f"dd.MM.yyyy '{KL}'HH.mm", tzinfo=DANISH_TIME, locale=LOCALE)


def format_timestamp(value: datetime, seconds: bool = False) -> str:
    """A time for a spreadsheet cell: dd.mm.yyyy HH:MM (``seconds``: HH:MM:SS) in Danish local
    time, which Excel and LibreOffice read as a time (a page shows :func:`format_date`'s
    »kl. HH.MM«). Naive is UTC."""
    pattern = "dd.MM.yyyy HH:mm:ss" if seconds else "dd.MM.yyyy HH:mm"
    return babel_dates.format_datetime(_aware(value), pattern, tzinfo=DANISH_TIME, locale=LOCALE)


def format_moment(value: datetime) -> str:
    """A time to the second, for a log where events of one click lie close together, the Danish
    way: »20.01.2026 kl. 11.05.00« in Danish local time (a non-breaking space after »kl.«,
    :data:`KL`). Naive is UTC."""
    return babel_dates.format_datetime(_aware(value), f"dd.MM.yyyy '{KL}'HH.mm.ss", tzinfo=DANISH_TIME,
                                       locale=LOCALE)


def _aware(value: datetime) -> datetime:
    return value if value.tzinfo is not None else value.replace(tzinfo=timezone.utc)


def format_month(value: date | None, abbreviated: bool = False) -> str:
    """Month and year with Babel's Danish month names: "marts 2026" (abbreviated "mar. 2026")."""
    if value is None:
        return MISSING
    return babel_dates.format_date(value, "LLL y" if abbreviated else "LLLL y", locale=LOCALE)


@cache
def wtforms_translations() -> Translations:
    """WTForms' built-in messages in Danish (compiled from the .po file once per process)."""
    with WTFORMS_CATALOGUE.open("rb") as po:
        catalogue = read_po(po, locale="da", domain="wtforms")
    compiled = io.BytesIO()
    write_mo(compiled, catalogue)
    compiled.seek(0)
    return Translations(compiled, domain="wtforms")
