"""Bulk exchange: citizens and openings from CSV/XLSX files (issue 10, "Bulk exchange").

``service`` holds the per-row upserts the JSON API reuses; ``reader`` streams a file,
``citizens``/``openings`` validate one row each, ``runner`` applies a whole file in
batches with a report; the blueprint is the administrator's upload page.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("imports", __name__, url_prefix="/admin/import")

from . import routes  # noqa: E402,F401
