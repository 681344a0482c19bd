"""/api/v1/citizens."""
from __future__ import annotations

from . import common

bp = common.blueprint("api_citizens", "citizens", "Borgere (jobcentret)")
