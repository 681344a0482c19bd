"""Code of Care partners: placements over time, retention, hours, and the yearly report (XLSX)."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("partners", __name__, url_prefix="/partner")

from . import routes  # noqa: E402,F401
