"""Candidates: consultants see ranked, explained candidates for an opening and decide."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("candidates", __name__, url_prefix="/kandidater")

from . import routes  # noqa: E402,F401
from . import consent  # noqa: E402,F401
