"""The hotline: fast help for companies when something is about to go wrong."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("hotline", __name__, url_prefix="/hotline")

from . import routes  # noqa: E402,F401
