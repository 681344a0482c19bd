"""Skånehensyn at the approval step (review AV 4): the fact that there are some, never what they are.

Matching never weighs a citizen's skånehensyn (:mod:`matching.rerank`), so the consultant's
approval is where they are respected. The ranking card's »Godkend og foreslå« and the proposal
page waiting for assessment say that the citizen HAS skånehensyn, show the opening's own
»Mulige skånehensyn« (the company's text, no health data) and link to the skånehensyn page,
which logs the read (``read_limitations``) and asks a consultant outside the citizen's case for
a purpose first (:mod:`portal.citizens.need_to_know`). Neither page carries the flags or the
description: :func:`with_limitations` returns citizen ids only, and the description is tested
for being non-empty in SQL, never loaded. Companies never see any of it.

Even the fact is health data (GDPR art. 9), so it is said only to the consultants who may read the
skånehensyn without a purpose (:func:`portal.citizens.need_to_know.basis`: the citizen's VK,
adviser and team). A consultant outside the case gets, on every card, the same neutral line
whether or not there are any: a link to the page that asks for a purpose and logs the read.
"""
from __future__ import annotations

from collections.abc import Iterable
from types import SimpleNamespace

import sqlalchemy as sa

from ..citizens.need_to_know import basis
from ..extensions import db
from store.models import Citizen, User

HAS = "has"  # the user may know, and there are skånehensyn: say so
ASK = "ask"  # the user may not know without a purpose: the neutral line, whatever there is


def with_limitations(citizen_ids: Iterable[int], user: User) -> dict[int, str]:
    """What ``user`` is told at approval about each of ``citizen_ids``: :data:`HAS` (a flag ticked
    or a description written, and ``user`` has a need to know), :data:`ASK` (``user`` is outside
    the case: the same for every citizen), or nothing (``user`` knows there are none); one
    statement, an empty input asks nothing."""
    ids = sorted({int(i) for i in citizen_ids})
    if not ids:
        return {}
    described = sa.func.length(sa.func.trim(sa.func.coalesce(Citizen.limitations_text, ""))) > 0
    rows = db.session.execute(
        sa.select(Citizen.id, Citizen.limitation_flags, described, Citizen.vk_id, Citizen.adviser_id,
                  Citizen.team_id).where(Citizen.id.in_(ids)))
    told: dict[int, str] = {}
    for citizen_id, flags, has_text, vk_id, adviser_id, team_id in rows:
        case = SimpleNamespace(vk_id=vk_id, adviser_id=adviser_id, team_id=team_id)  # what basis reads
        if basis(user, case) is None:
            told[citizen_id] = ASK
        elif flags or has_text:
            told[citizen_id] = HAS
    return told
