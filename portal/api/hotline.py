"""/api/v1/hotline."""
from __future__ import annotations

from . import common

bp = common.blueprint("api_hotline", "hotline", "Hotline")
