"""/api/v1/placements."""
from __future__ import annotations

from . import common

bp = common.blueprint("api_placements", "placements", "Forløb")
