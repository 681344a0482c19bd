"""Routes under /kandidater/forslag: a consultant walks a proposal through identity release.

approved → consent recorded → disclosed, or consent withdrawn (SECURITY.md). The rules live
in :mod:`portal.proposals`; these views only validate the form, call it and redirect.
"""
from __future__ import annotations

from datetime import timedelta

import sqlalchemy as sa
from flask import flash, redirect, render_template, url_for
from flask_login import current_user
from matching.encoders import EncoderUnavailable
from wtforms import BooleanField, DateField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length

from .. import audit, proposals
from ..access import consultant_required
from ..auth.sessions import confirm_first
from ..extensions import db
from ..formutil import DanishForm, choices
from store.models import Placement, Proposal
from store.models.vocab import CONSENT_CHANNELS
from ..placements.lifecycle import LifecycleError, check_startable
from ..placements.service import today_local
from . import bp, service
from .forms import DecisionForm
from store import clock


class ConsentForm(DanishForm):
    """The citizen's consent as the consultant records it; the text version is fixed server-side."""

    channel = SelectField("Hvordan gav borgeren samtykke?", choices=choices(CONSENT_CHANNELS),
                          validators=[InputRequired("Vælg hvordan borgeren gav samtykke.")])
    deadline = DateField("Samtykket gælder til og med", validators=[
        InputRequired("Angiv en gyldig dato (dd-mm-åååå), fx en dato der findes.")])
    text_read = BooleanField(f"Borgeren har fået samtykketeksten ({proposals.CONSENT_TEXT_VERSION})",
                             validators=[DataRequired("Bekræft at borgeren har fået samtykketeksten.")])


class StepForm(DanishForm):
    """CSRF only: disclose and withdraw take no input."""


class SharedGoalForm(DanishForm):
    """The jobmål text the company sees (rules in :func:`portal.proposals.check_shared_goal`)."""

    shared_goal = StringField("Jobmål vist for virksomheden", validators=[
        Length(max=proposals.MAX_SHARED_GOAL_LENGTH,
               message=f"Jobmålet til virksomheden: Højst {proposals.MAX_SHARED_GOAL_LENGTH} tegn.")])


def _proposal(proposal_id: int) -> Proposal:
    return db.get_or_404(Proposal, proposal_id)


def _back(proposal_id: int):
    return redirect(url_for("candidates.proposal", proposal_id=proposal_id))


@bp.get("/forslag/<int:proposal_id>")
@consultant_required
def proposal(proposal_id: int):
    """The proposal's state, consents and the next allowed steps.

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    audit.record("proposal_viewed", citizen_id=item.citizen_id, opening_id=item.opening_id,
                 purpose="identity release")
    db.session.commit()
    form = ConsentForm(formdata=None, deadline=clock.today() + timedelta(days=90))
    placements = db.session.scalars(
        sa.select(Placement).where(Placement.citizen_id == item.citizen_id,
                                   Placement.opening_id == item.opening_id)
        .order_by(Placement.start_date.desc())).all()
    return render_template("candidates/proposal.html", proposal=item, consent_form=form,
                           step_form=StepForm(), allowed=proposals.allowed_next(item),
                           active=proposals.active_consent(item), placements=placements,
                           can_start=_can_start(item), goal_form=_goal_form(item),
                           text_version=proposals.CONSENT_TEXT_VERSION, **_assessment(item))


def _assessment(item: Proposal) -> dict:
    """For a proposal waiting for the consultant: the decision form and why it cannot be approved."""
    if item.status != "proposed":
        return {}
    try:
        refused = _refusal(item)
    except EncoderUnavailable:
        refused = None  # checked again when the consultant approves
    return {"decision_form": DecisionForm(formdata=None), "refused": refused,
            "suggestion": proposals.suggest_shared_goal((item.explanation or {}).get("matched_goals") or [])}


def _refusal(item: Proposal) -> str | None:
    """Why the pair cannot be approved today (a hard limit, not matchable), as the ranking says it.

    A proposal may wait a while: the opening may have closed or the citizen's hours changed.
    Raises EncoderUnavailable when the pair cannot be scored right now.
    """
    return service.refusal(service.score_pair(item.opening, item.citizen), item.citizen, item.opening)


@bp.post("/forslag/<int:proposal_id>/vurdering")
@consultant_required
def assess(proposal_id: int):
    """Approve or reject a proposal waiting in "proposed" (a logged human decision).

    Needs a fresh login, like the decision on the ranking page. Approval is refused while
    the pair breaks a hard limit or cannot be matched (:func:`.service.refusal`, as on the ranking).

    :raise 404: if the proposal does not exist.
    """
    if stale := confirm_first("før du træffer beslutningen",
                              url_for("candidates.proposal", proposal_id=proposal_id)):
        return stale
    item = _proposal(proposal_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Beslutningen kunne ikke gemmes: " + "; ".join(
            e for errors in form.errors.values() for e in errors), "error")
        return _back(item.id)
    reason = form.reason.data.strip()
    if form.decision.data == "reject":
        return _step(item, lambda: proposals.reject(item, current_user, reason),
                     "Forslaget er fravalgt.")
    if item.status == "proposed":
        try:
            refused = _refusal(item)
        except EncoderUnavailable:
            refused = ("Matchingen kan ikke beregne borgerens match lige nu, så godkendelsen er ikke "
                       "gemt. Prøv igen om lidt.")
        if refused:
            flash(refused, "error")
            return _back(item.id)

    def approve() -> None:
        shared = proposals.check_shared_goal(form.shared_goal.data or "")
        proposals.approve(item, current_user, reason)
        if shared:
            proposals.set_shared_goal(item, current_user, shared)

    return _step(item, approve, "Forslaget er godkendt; virksomheden kan nu se kandidaten under pseudonym. "
                 "Næste skridt er borgerens samtykke.")


def _goal_form(item: Proposal) -> SharedGoalForm:
    return SharedGoalForm(formdata=None, shared_goal=item.shared_goal)


def _can_start(proposal: Proposal) -> bool:
    """The placements area's own rule, so the button never offers a start it would refuse."""
    try:
        check_startable(proposal, today_local())
    except LifecycleError:
        return False
    return True


@bp.post("/forslag/<int:proposal_id>/samtykke")
@consultant_required
def record_consent(proposal_id: int):
    """Record the citizen's consent (channel, deadline; text version and time set here).

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    form = ConsentForm()
    if not form.validate_on_submit():
        return _refuse(item, form)
    return _step(item, lambda: proposals.record_consent(
        item, current_user, channel=form.channel.data, deadline=form.deadline.data),
        "Samtykket er registreret.")


@bp.post("/forslag/<int:proposal_id>/videregiv")
@consultant_required
def disclose(proposal_id: int):
    """Share the citizen's name with the company; needs a fresh login.

    :raise 404: if the proposal does not exist.
    """
    if stale := confirm_first("før du deler borgerens identitet",
                              url_for("candidates.proposal", proposal_id=proposal_id)):
        return stale
    item = _proposal(proposal_id)
    if not StepForm().validate_on_submit():
        return _refuse(item, None)
    return _step(item, lambda: proposals.disclose(item, current_user),
                 "Borgerens navn er nu delt med virksomheden.")


@bp.post("/forslag/<int:proposal_id>/tilbagekald")
@consultant_required
def withdraw(proposal_id: int):
    """Withdraw the citizen's consent; the company no longer sees the name.

    :raise 404: if the proposal does not exist.
    """
    item = _proposal(proposal_id)
    if not StepForm().validate_on_submit():
        return _refuse(item, None)
    return _step(item, lambda: proposals.withdraw(item, current_user),
                 "Samtykket er trukket tilbage; virksomheden ser ikke længere navnet.")


@bp.post("/forslag/<int:proposal_id>/jobmaal")
@consultant_required
def shared_goal(proposal_id: int):
    """Approve the jobmål text the company sees for this proposal (audited).

    :raise 404: if the proposal does not exist.  :raise 400: the text is refused.
    """
    item = _proposal(proposal_id)
    form = SharedGoalForm()
    if form.validate_on_submit():
        try:
            proposals.set_shared_goal(item, current_user, form.shared_goal.data or "")
        except proposals.TransitionError as err:
            db.session.rollback()
            form.shared_goal.errors = [*form.shared_goal.errors, str(err)]
        else:
            flash("Jobmålet, som virksomheden ser, er gemt.", "success")
            return _back(item.id)
    return render_template("candidates/proposal.html", proposal=item, consent_form=ConsentForm(formdata=None),
                           step_form=StepForm(), allowed=proposals.allowed_next(item),
                           active=proposals.active_consent(item), goal_form=form,
                           text_version=proposals.CONSENT_TEXT_VERSION, **_assessment(item)), 400


def _step(item: Proposal, action, success: str):
    try:
        action()
    except proposals.TransitionError as err:
        db.session.rollback()
        flash(str(err), "error")
        return _back(item.id)
    flash(success, "success")
    return _back(item.id)


def _refuse(item: Proposal, form: ConsentForm | None):
    if form is None:
        flash("Handlingen kunne ikke udføres. Genindlæs siden og prøv igen.", "error")
        return _back(item.id)
    return render_template("candidates/proposal.html", proposal=item, consent_form=form,
                           step_form=StepForm(), allowed=proposals.allowed_next(item),
                           active=proposals.active_consent(item), goal_form=_goal_form(item),
                           text_version=proposals.CONSENT_TEXT_VERSION, **_assessment(item)), 400
