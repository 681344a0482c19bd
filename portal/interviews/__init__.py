"""Interview booking between a company and the job centre for a disclosed candidate."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("interviews", __name__, url_prefix="/samtaler")

from . import routes  # noqa: E402,F401
