"""Who may see a hotline request, for the web (:mod:`.routes`) and the API
(:mod:`portal.api.hotline`) alike (review BN 8: the rule is not a view, and the API imported a
routes module's private function for it).

Company users reach only their own company's requests (another company's is 404, logged);
consultants and administrators reach all. Need-to-know, a request about a placement outside the
reader's case, is :mod:`.need_to_know`'s, asked after this.
"""
from __future__ import annotations

from flask import abort
from flask_login import current_user

from ..access import get_owned_or_404
from ..extensions import db
from store.models import HotlineRequest


def load_request(request_id: int) -> HotlineRequest:
    """The request, if the current user may see it.

    :raise 404: if unknown, or another company's (for company users).
    """
    if current_user.role == "company":
        return get_owned_or_404(HotlineRequest, request_id)
    found = db.session.get(HotlineRequest, request_id)
    if found is None:
        abort(404)
    return found
