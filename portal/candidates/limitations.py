"""Skånehensyn at the approval step (review AV 4): the fact that there are some, never what they are.

Matching never weighs a citizen's skånehensyn (:mod:`matching.rerank`), so the consultant's
approval is where they are respected. The ranking card's »Godkend og foreslå« and the proposal
page waiting for assessment say that the citizen HAS skånehensyn, show the opening's own
»Mulige skånehensyn« (the company's text, no health data) and link to the skånehensyn page,
which logs the read (``read_limitations``) and asks a consultant outside the citizen's case for
a purpose first (:mod:`portal.citizens.need_to_know`). Neither page carries the flags or the
description: :func:`with_limitations` returns citizen ids only, and the description is tested
for being non-empty in SQL, never loaded. Companies never see any of it.
"""
from __future__ import annotations

from collections.abc import Iterable

import sqlalchemy as sa

from ..extensions import db
from store.models import Citizen


def with_limitations(citizen_ids: Iterable[int]) -> set[int]:
    """Which of ``citizen_ids`` have skånehensyn (a flag ticked or a description written), in one
    statement; an empty input asks nothing."""
    ids = sorted({int(i) for i in citizen_ids})
    if not ids:
        return set()
    described = sa.func.length(sa.func.trim(sa.func.coalesce(Citizen.limitations_text, ""))) > 0
    rows = db.session.execute(
        sa.select(Citizen.id, Citizen.limitation_flags, described).where(Citizen.id.in_(ids)))
    return {citizen_id for citizen_id, flags, has_text in rows if flags or has_text}
