"""Routes under /forloeb (being built)."""
from __future__ import annotations

from flask import render_template

from ..access import company_required
from . import bp


@bp.get("/")
@company_required
def index():
    return render_template("placements/index.html")
