"""/api/v1/proposals."""
from __future__ import annotations

from . import common

bp = common.blueprint("api_proposals", "proposals", "Kandidater delt med virksomheden")
