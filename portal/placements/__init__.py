"""Placements (forløb): companies log hours; consultants start, follow up and end them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("placements", __name__, url_prefix="/forloeb")

from . import routes  # noqa: E402,F401
from . import consultant  # noqa: E402,F401
from . import month_routes  # noqa: E402,F401
from . import lifecycle  # noqa: E402

# The hours a cancellation removes, named and carried by its confirmation page (review AR 1).
bp.add_app_template_global(lifecycle.hours_text, "cancel_hours_text")
bp.add_app_template_global(lifecycle.hours_token, "cancel_hours_token")
