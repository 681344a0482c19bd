"""Who may act on a proposal, for the web (:mod:`.routes`, :mod:`portal.openings.responses`) and
the API (:mod:`portal.api.proposals`) alike (review BN 8: the rule is not a view, and importing a
routes module for it registered views as a side effect).

A company user acts only on its own opening's visible proposals (anything else is 404 and
logged); consultants and administrators on every proposal. Review BH 4: a company sending an
answer or an interview step for a candidate of its own opening that it was shown, and that
stopped being current while it typed (the case closed, the opening filled, the consent
withdrawn), is no authorisation failure: it goes back to the opening, is told so (never why,
never a name), and finds the text it typed there to copy (:func:`left_behind`).
"""
from __future__ import annotations

from flask import abort, flash, redirect, url_for
from flask_login import current_user
from werkzeug.datastructures import MultiDict

from .. import audit
from ..extensions import db
from ..formutil import keep_form, kept_form
from ..proposals import VISIBLE_TO_COMPANY, no_longer_current  # the one rule (review BN 5)
from store.models import Proposal

ANSWER_NOT_SAVED = "Kandidaten er ikke længere aktuel; jeres svar er ikke gemt."
STEP_NOT_SAVED = "Kandidaten er ikke længere aktuel; det, I sendte, er ikke gemt."
_UNSENT_FORM = "unsent-no-longer-current:{}"  # the texts typed (portal.formutil.keep_form), per opening


class NoLongerCurrent(Exception):
    """The company's own candidate it was shown is no longer current (:func:`no_longer_current`)."""

    def __init__(self, proposal: Proposal) -> None:
        super().__init__(proposal.id)
        self.proposal = proposal


def load_proposal(proposal_id: int, opening_id: int | None = None, *, left: bool = False) -> Proposal:
    """The proposal, if the current user may act on it (and it is on ``opening_id`` when given).

    :raise NoLongerCurrent: with ``left``, for a company user: a candidate of its own opening it
        was shown that is no longer current (the view says so, :func:`left_behind`; not logged
        as an authorisation failure).
    :raise 404: unknown id or another opening's proposal; for a company user also another
        company's opening or a proposal it cannot see.
    """
    proposal = db.session.get(Proposal, proposal_id)
    if opening_id is not None and proposal is not None and proposal.opening_id != opening_id:
        proposal = None
    if proposal is not None and current_user.role != "company":
        return proposal
    if (left and proposal is not None and proposal.opening.company_id == current_user.company_id
            and no_longer_current(proposal)):
        raise NoLongerCurrent(proposal)
    if (proposal is None or proposal.opening.company_id != current_user.company_id
            or proposal.status not in VISIBLE_TO_COMPANY):
        audit.record_now("authorisation_denied", purpose=f"Proposal:{proposal_id}", result="not_found")
        abort(404)
    return proposal


def left_behind(proposal: Proposal, message: str, typed: dict[str, str]):
    """Back to the opening of ``proposal`` (no longer current), told ``message``; ``typed`` (label ->
    text) is kept for the opening's page to show, to be copied (:func:`unsent_texts`)."""
    flash(message, "error")
    kept = [(label, text) for label, text in typed.items() if text and text.strip()]
    if kept and keep_form(_UNSENT_FORM.format(proposal.opening_id), MultiDict(kept)):
        return redirect(url_for("openings.detail", opening_id=proposal.opening_id, _anchor="ikke-gemt"))
    return redirect(url_for("openings.detail", opening_id=proposal.opening_id, _anchor=f"kandidat-{proposal.id}"))


def unsent_texts(opening_id: int) -> list[tuple[str, str]]:
    """What the company typed for a candidate of ``opening_id`` that stopped being current, as
    (label, text), once, right after :func:`left_behind`; else empty (the template global
    ``unsent_texts``, registered by :mod:`.routes`)."""
    kept = kept_form(_UNSENT_FORM.format(opening_id))
    return list(kept.items(multi=True)) if kept is not None else []
