"""Log-in, log-out and setting a password from a one-time link."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__, url_prefix="/auth")

from . import routes, sessions  # noqa: E402,F401  (routes register on bp)
