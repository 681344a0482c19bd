"""Routes under /maal (being built)."""
from __future__ import annotations

from flask import render_template

from ..access import consultant_required
from . import bp


@bp.get("/")
@consultant_required
def index():
    return render_template("dashboard/index.html")
