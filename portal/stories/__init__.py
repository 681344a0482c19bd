"""Success stories (gode historier): consultants write them, Code of Care partners read them."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("stories", __name__, url_prefix="/historier")

from . import routes  # noqa: E402,F401
