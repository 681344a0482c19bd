"""A company's downloads: all its placements with their hours, and the candidates of an opening.

Company users only (403 for others), always the current company's rows (404 for another
company's opening), behind a fresh login, audited, formula-safe cells (:mod:`portal.exports`).
A company sees exactly what its pages show: pseudonyms and allow-listed facts, a name only
once the identity is released with a live consent (each name read is audited, fail closed).
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("company_exports", __name__)

from . import routes  # noqa: E402,F401
