"""Placements: companies follow their forløb and log the hours worked each month."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/forloeb")

from . import routes  # noqa: E402,F401
