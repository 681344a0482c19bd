"""Routes under /admin/teams: list, create, rename and (when nobody belongs to it) delete
teams. The work and the audit log are in :mod:`.team_service`."""
from __future__ import annotations

from flask import flash, redirect, render_template, request, url_for

from ..access import admin_required
from ..extensions import db
from ..formutil import DanishForm
from store.models import Team
from . import bp, team_service
from .forms import TeamForm
from .service import AccountRuleError


@bp.route("/teams", methods=["GET", "POST"])
@admin_required
def teams():
    """Every team with its users and citizens counted; the form creates a team.

    :raise 400: with the Danish form error (the typed name kept).
    """
    form = TeamForm()
    if form.validate_on_submit():
        try:
            team = team_service.create_team(form.name.data)
        except AccountRuleError as refusal:
            form.name.errors.append(str(refusal))
        else:
            flash(f"Teamet {team.name} er oprettet. Sæt konsulenter på det under Brugere.", "success")
            return redirect(url_for("admin.teams"))
    status = 400 if request.method == "POST" else 200
    return render_template("admin/teams.html", form=form, rows=team_service.team_rows()), status


@bp.route("/teams/<int:team_id>", methods=["GET", "POST"])
@admin_required
def team(team_id: int):
    """Rename a team; the page lists its users (each linked to their edit page) and says
    whether and why not the team can be deleted.

    :raise 404: if ``team_id`` does not exist.  :raise 400: with the Danish form error.
    """
    team = db.get_or_404(Team, team_id)
    form = TeamForm(formdata=None, obj=team) if request.method == "GET" else TeamForm()
    if form.validate_on_submit():
        old = team.name
        try:
            changed = team_service.rename_team(team, form.name.data)
        except AccountRuleError as refusal:
            form.name.errors.append(str(refusal))
        else:
            flash(f"{old} hedder nu {team.name}." if changed else f"Ingen ændringer for {team.name}.", "success")
            return redirect(url_for("admin.teams"))
    return _team_page(team, form), 400 if request.method == "POST" else 200


def _team_page(team: Team, form: TeamForm) -> str:
    row = team_service.team_row(team.id)
    return render_template("admin/team.html", team=team, form=form, row=row, delete_form=DanishForm(),
                           members=team_service.members(team.id), why_not=team_service.why_not_deletable(row))


@bp.post("/teams/<int:team_id>/slet")
@admin_required
def delete_team(team_id: int):
    """Delete a team nobody belongs to; else back to its page with the reason.

    :raise 404: if ``team_id`` does not exist.  :raise 400: without a valid CSRF token.
    """
    team = db.get_or_404(Team, team_id)  # CSRF is checked app-wide (CSRFProtect) before this runs
    name = team.name
    try:
        team_service.delete_team(team)
    except AccountRuleError as refusal:
        flash(str(refusal), "error")
        return redirect(url_for("admin.team", team_id=team_id))
    flash(f"Teamet {name} er slettet.", "success")
    return redirect(url_for("admin.teams"))
