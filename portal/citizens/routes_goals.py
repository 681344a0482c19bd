"""Routes under /borgere/<id>/jobmaal: the citizen's jobmål in priority order (1..10).

Add, edit the text in place (the priority stays), move up or down, and remove (only from
the confirmation the page shows first). A title with a health word is saved only once the
consultant ticks that it is a job title (the box appears with the warning). A goal is loaded by id *and* the citizen in the
URL: another citizen's goal is 404. The rules are in :mod:`.service`.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..access import consultant_required
from ..extensions import db
from store.models import Citizen, JobGoal
from . import bp, service
from .forms import (JOB_GOAL_HINT, ActionForm, JobGoalEditForm, JobGoalForm, JobGoalMoveForm,
                    JobGoalRemoveForm)
from .pages import audited_read, citizen_or_404, commit_or_flash


def _requested_goal(citizen: Citizen, arg: str) -> int | None:
    """The id in ``?ret=`` / ``?fjern=`` if it is one of the citizen's goals, else None."""
    raw = request.args.get(arg, "")
    if raw.isdigit() and any(g.id == int(raw) for g in citizen.job_goals):
        return int(raw)
    return None


def _render(citizen: Citizen, form: JobGoalForm, *, editing: int | None = None,
            edit_form: JobGoalEditForm | None = None, removing: int | None = None, status: int = 200):
    if edit_form is None and editing is not None:
        goal = next(g for g in citizen.job_goals if g.id == editing)
        edit_form = JobGoalEditForm(formdata=None, new_title=goal.title)
    return render_template("citizens/job_goals.html", citizen=citizen, form=form, editing=editing,
                           edit_form=edit_form, removing=removing, move_form=JobGoalMoveForm(),
                           remove_form=JobGoalRemoveForm(formdata=None), action_form=ActionForm(),
                           goal_hint=JOB_GOAL_HINT), status


@bp.route("/<int:citizen_id>/jobmaal", methods=["GET", "POST"])
@consultant_required
def job_goals(citizen_id: int):
    """List, add and reorder the citizen's jobmål (1..10, in priority order).

    ``?ret=<goal id>`` opens the goal's text for editing; ``?fjern=<goal id>`` asks to confirm
    its removal. :raise 404: unknown citizen.
    """
    citizen = citizen_or_404(citizen_id)
    form = JobGoalForm()
    if form.validate_on_submit():
        try:
            service.add_job_goal(citizen, form.title.data, confirmed=form.title_confirmed.data)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            form.title.errors.append(exc.message_da)
            form.ask_confirmation = isinstance(exc, service.JobGoalNeedsConfirmation)
        else:
            if commit_or_flash("Jobmålet er tilføjet."):
                return redirect(url_for(".job_goals", citizen_id=citizen_id))
    if request.method == "GET" or form.errors:
        audited_read(citizen, "job_goals")
    return _render(citizen, form, editing=_requested_goal(citizen, "ret"),
                   removing=_requested_goal(citizen, "fjern"))[0]


def _goal_or_404(citizen: Citizen, goal_id: int) -> JobGoal:
    goal = db.session.get(JobGoal, goal_id)
    if goal is None or goal.citizen_id != citizen.id:
        abort(404)
    return goal


@bp.post("/<int:citizen_id>/jobmaal/<int:goal_id>/ret")
@consultant_required
def edit_job_goal(citizen_id: int, goal_id: int):
    """Change a jobmål's text; its place in the priority stays.

    :raise 404: goal of another citizen.  Refused (400): the add form's rules, or a duplicate;
        the page shows the error beside the typed text.
    """
    citizen = citizen_or_404(citizen_id)
    goal = _goal_or_404(citizen, goal_id)
    edit_form = JobGoalEditForm()
    if edit_form.validate_on_submit():
        try:
            changed = service.rename_job_goal(citizen, goal, edit_form.new_title.data,
                                              confirmed=edit_form.new_title_confirmed.data)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            edit_form.new_title.errors.append(exc.message_da)
            edit_form.ask_confirmation = isinstance(exc, service.JobGoalNeedsConfirmation)
        else:
            if changed:
                commit_or_flash("Jobmålet er rettet.")
            else:
                flash("Jobmålet er uændret.", "info")
            return redirect(url_for(".job_goals", citizen_id=citizen_id))
    if edit_form.csrf_token.errors:
        edit_form.form_errors.append("Formularen er udløbet. Dit jobmål er ikke gemt; gem igen.")
    audited_read(citizen, "job_goals")
    return _render(citizen, JobGoalForm(formdata=None), editing=goal.id, edit_form=edit_form, status=400)


@bp.post("/<int:citizen_id>/jobmaal/<int:goal_id>/slet")
@consultant_required
def remove_job_goal(citizen_id: int, goal_id: int):
    """Remove one jobmål (not the last), once confirmed; unconfirmed, the page asks first.

    :raise 404: goal of another citizen.
    """
    citizen = citizen_or_404(citizen_id)
    goal = _goal_or_404(citizen, goal_id)
    form = JobGoalRemoveForm()
    if form.validate_on_submit():
        if form.confirmed.data != "ja":
            return redirect(url_for(".job_goals", citizen_id=citizen_id, fjern=goal.id, _anchor=f"jobmaal-{goal.id}"))
        try:
            service.remove_job_goal(citizen, goal)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            flash(exc.message_da, "error")
        else:
            commit_or_flash("Jobmålet er fjernet.")
    return redirect(url_for(".job_goals", citizen_id=citizen_id))


@bp.post("/<int:citizen_id>/jobmaal/<int:goal_id>/flyt")
@consultant_required
def move_job_goal(citizen_id: int, goal_id: int):
    """Move a jobmål one place up or down. :raise 404: goal of another citizen."""
    citizen = citizen_or_404(citizen_id)
    goal = _goal_or_404(citizen, goal_id)
    form = JobGoalMoveForm()
    if form.validate_on_submit():
        try:
            moved = service.move_job_goal(citizen, goal, form.direction.data)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            flash(exc.message_da, "error")
        else:
            if moved:
                commit_or_flash("Rækkefølgen er gemt.")
    return redirect(url_for(".job_goals", citizen_id=citizen_id))
