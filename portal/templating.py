"""Template globals: vocabularies (Danish labels), navigation and formatting."""
from __future__ import annotations

from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

from flask import Flask
from flask_login import current_user

from .auth.forms import LogoutForm
from store.models import vocab


def init_app(app: Flask) -> None:
    app.jinja_env.globals.update(vocab=vocab, navigation=navigation)

    @app.context_processor
    def _logout_form():
        # formdata=None: never read request.form here (a 413 page must not read the oversized body).
        return {"logout_form": LogoutForm(formdata=None) if current_user.is_authenticated else None}

    app.jinja_env.filters["dkdate"] = dk_date
    app.jinja_env.filters["dknum"] = dk_number


def navigation() -> list[tuple[str, str, bool]]:
    """Menu entries (endpoint, Danish label, current) for the current user's role."""
    if not current_user.is_authenticated:
        return []
    from .navigation import entries_for

    return entries_for(current_user)


DANISH_TIME = ZoneInfo("Europe/Copenhagen")


def dk_date(value: date | datetime | None) -> str:
    """dd.mm.yyyy, and for times HH:MM in Danish local time (stored times are UTC)."""
    if value is None:
        return "–"
    if isinstance(value, datetime):
        if value.tzinfo is None:  # SQLite returns naive datetimes; the models store UTC
            value = value.replace(tzinfo=timezone.utc)
        return value.astimezone(DANISH_TIME).strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def dk_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")
