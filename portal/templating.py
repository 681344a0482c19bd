"""Template globals: vocabularies (Danish labels), navigation and formatting."""
from __future__ import annotations

from datetime import date, datetime

from flask import Flask
from flask_login import current_user

from .auth.forms import LogoutForm
from .models import vocab


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


def dk_date(value: date | datetime | None) -> str:
    if value is None:
        return "–"
    if isinstance(value, datetime):
        return value.strftime("%d.%m.%Y %H:%M")
    return value.strftime("%d.%m.%Y")


def dk_number(value: float | int | None, decimals: int = 0) -> str:
    if value is None:
        return "–"
    text = f"{value:,.{decimals}f}"
    return text.replace(",", "X").replace(".", ",").replace("X", ".")
