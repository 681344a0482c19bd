"""Candidates: consultants see ranked, explained candidates for an opening and decide."""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("candidates", __name__, url_prefix="/kandidater")


@bp.app_template_filter("relevance_step")
def relevance_step_range(relevance: float) -> tuple[float, float]:
    """The step of 0.05 a pair's relevance falls in, as (low, high): what orders the ranking
    within a band before the score (``matching.ranking.relevance_step``)."""
    from matching.ranking import RELEVANCE_STEP, relevance_step

    low = relevance_step(relevance) * RELEVANCE_STEP
    return round(low, 2), round(low + RELEVANCE_STEP, 2)

from . import routes  # noqa: E402,F401
from . import consent  # noqa: E402,F401
