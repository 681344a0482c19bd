"""Tokens for the API tests: made through the token service, used as Bearer headers."""
from __future__ import annotations

from datetime import timedelta

from portal.api import tokens
from portal.extensions import db
from store import clock
from store.models import User


def make_token(app, user: User, scope: str = "write", days: int = 30) -> str:
    """A live token of ``user`` (the raw value, as a client would hold it)."""
    with app.test_request_context():
        owner = db.session.get(User, user.id)
        _row, raw = tokens.create_token(owner, f"Test {scope}", scope, clock.today() + timedelta(days=days))
        return raw


def bearer(raw: str, **extra) -> dict:
    return {"Authorization": f"Bearer {raw}", **extra}


OPENING = {"kind": "smaajob", "title": "Lagerhjælp om lørdagen", "description": "Pakning af varer.",
           "hours_min": 4, "hours_max": 10, "postcode": "8722", "status": "draft"}
