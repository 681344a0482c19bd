"""Placements (forløb): companies log hours; consultants start, follow up and end them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/forloeb")

from . import routes  # noqa: E402,F401
from . import consultant  # noqa: E402,F401
from . import month_routes  # noqa: E402,F401
