"""Routes under /kandidater: open openings, ranked candidates, decisions."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from matching.domain import Filters

from .. import audit
from ..access import consultant_required
from ..auth.sessions import confirm_first
from ..extensions import db
from ..matching_runtime import pending_changes
from store.models import Citizen, Opening
from . import bp, service
from .forms import DecisionForm, RankingFilterForm


@bp.get("/")
@consultant_required
def index():
    """Open openings to rank candidates for; by default the consultant's own companies."""
    mine = request.args.get("alle") != "1"
    openings = service.open_openings(current_user, mine_only=mine)
    return render_template("candidates/index.html", openings=openings, mine=mine)


@bp.get("/opslag/<int:opening_id>")
@consultant_required
def ranking(opening_id: int):
    """Ranked candidates with reasons; excluded ones with the reason on request.

    :raise 404: if the opening does not exist.
    """
    opening = db.get_or_404(Opening, opening_id)
    form = RankingFilterForm(request.args, meta={"csrf": False})
    if not form.validate():
        return render_template("candidates/ranking.html", opening=opening, form=form, result=None,
                               rows={}, pending=pending_changes(), decision_form=DecisionForm(),
                               suggestions={}), 400
    filters = Filters(
        benefit_groups=frozenset(form.benefit_groups.data) or None,
        readiness_groups=frozenset(form.readiness_groups.data) or None,
        max_distance_km=form.max_distance_km.data,
    )
    result, rows = service.rank_for_opening(opening, filters, k=form.k.data or 20,
                                            include_excluded=form.vis_frasorterede.data)
    audit.record("rank_candidates", opening_id=opening.id, purpose="matching")
    db.session.commit()
    return render_template("candidates/ranking.html", opening=opening, form=form, result=result,
                           rows=rows, pending=pending_changes(), decision_form=DecisionForm(),
                           decided=service.decided_citizens(opening.id),
                           suggestions=service.shared_goal_suggestions(result))


@bp.post("/opslag/<int:opening_id>/borger/<int:citizen_id>")
@consultant_required
def decide(opening_id: int, citizen_id: int):
    """Approve or reject a ranked candidate (a logged human decision).

    Needs a fresh login (SECURITY.md); a stale one is sent to confirm the password
    and back to the ranking.

    :raise 404: if the opening or the citizen does not exist.
    """
    if stale := confirm_first("før du træffer beslutningen", url_for("candidates.ranking", opening_id=opening_id)):
        return stale
    opening = db.get_or_404(Opening, opening_id)
    citizen = db.get_or_404(Citizen, citizen_id)
    form = DecisionForm()
    if not form.validate_on_submit():
        flash("Beslutningen kunne ikke gemmes: " + "; ".join(
            e for errors in form.errors.values() for e in errors), "error")
        return redirect(url_for("candidates.ranking", opening_id=opening.id))
    match = None
    if form.decision.data == "approve":
        result, _rows = service.rank_for_opening(opening, Filters(), k=200, include_excluded=False)
        match = next((m for m in result.matches if m.citizen_id == str(citizen.id)), None)
        if match is None:
            flash("Borgeren opfylder ikke opslagets krav (eller er ikke indekseret endnu) "
                  "og kan ikke godkendes.", "error")
            return redirect(url_for("candidates.ranking", opening_id=opening.id))
    try:
        service.record_decision(opening, citizen, form.decision.data == "approve",
                                form.reason.data.strip(), match, current_user,
                                shared_goal=form.shared_goal.data or "")
    except ValueError as err:
        flash(str(err), "error")
    else:
        verb = "godkendt og foreslået" if form.decision.data == "approve" else "fravalgt"
        flash(f"{citizen.name} er {verb} til «{opening.title}».", "success")
    return redirect(url_for("candidates.ranking", opening_id=opening.id))
