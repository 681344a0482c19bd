"""Openings: companies post and manage their småjob, praktik, løntilskud and job openings."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("openings", __name__, url_prefix="/opslag")

from . import routes  # noqa: E402,F401
from . import responses  # noqa: E402,F401
from . import candidate  # noqa: E402,F401
