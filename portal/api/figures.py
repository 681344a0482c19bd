"""/api/v1/figures."""
from __future__ import annotations

from . import common

bp = common.blueprint("api_figures", "figures", "Månedens tal (jobcentret)")
