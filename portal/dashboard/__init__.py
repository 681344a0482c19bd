"""Policy goals dashboard (statusskema): the job centre's monthly follow-up."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("dashboard", __name__, url_prefix="/maal")

from . import routes  # noqa: E402,F401
