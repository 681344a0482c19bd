"""Citizens: consultants keep CV, jobmål and profile up to date (the matching input)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("citizens", __name__, url_prefix="/borgere")

from . import routes  # noqa: E402,F401
