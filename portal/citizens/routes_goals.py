"""Routes under /borgere/<id>/jobmaal: the citizen's jobmål in priority order (1..10).

Add, edit the text in place (the priority stays), move up or down, and remove (only from
the confirmation the page shows first). A title with a health word is saved only once the
consultant ticks that it is a job title (the box appears with the warning). A goal is loaded by id *and* the citizen in the
URL: another citizen's goal is 404. The rules are in :mod:`.service`. An edit from a page
opened before someone else renamed or removed the jobmål saves nothing and says so, keeping
the typed text (:func:`edit_job_goal`).
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for

from ..access import audited_read, citizen_or_404, consultant_required
from ..extensions import db
from store.models import Citizen, JobGoal
from . import bp, service
from .forms import (JOB_GOAL_HINT, ActionForm, JobGoalEditForm, JobGoalForm, JobGoalMoveForm,
                    JobGoalRemoveForm, clean_line)
from .pages import STALE_MESSAGE, commit_or_flash, commit_or_refuse, on_stale


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
        edit_form = JobGoalEditForm(formdata=None, new_title=goal.title, old_title=goal.title)
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


STALE_GOAL = ("Borgeren blev ændret af en anden, lige mens du gemte, så jobmålet er ikke tilføjet. Din tekst "
              "står stadig i feltet: tryk »Tilføj jobmål« igen for at tilføje det.")


@on_stale("job_goals")
def stale_add(citizen_id: int):
    """A jobmål's adding refused by the citizen's version check (review BH 1): the typed title
    is in the field again, with why (409)."""
    citizen = citizen_or_404(citizen_id)
    form = JobGoalForm()
    form.title.errors = [STALE_GOAL]
    audited_read(citizen, "job_goals")
    return _render(citizen, form, status=409)


@on_stale("edit_job_goal")
def stale_edit(citizen_id: int):
    """A rename refused by the version check before its commit: as :func:`edit_job_goal`'s."""
    citizen = citizen_or_404(citizen_id)
    form = JobGoalEditForm()
    goal = _goal_or_none(citizen, (request.view_args or {}).get("goal_id") or 0)
    if goal is None:
        return _removed_meanwhile(citizen, form.new_title.data)
    return _stale_rename(citizen, goal, form, goal.title)


STALE_REMOVE = ("Borgeren blev ændret af en anden, lige mens du fjernede jobmålet, så det er ikke fjernet. "
                "Listen viser jobmålene, som de er nu: bekræft igen, hvis det stadig skal fjernes.")
STALE_MOVE = ("Borgeren blev ændret af en anden, lige mens du flyttede jobmålet, så rækkefølgen er ikke ændret. "
              "Listen viser jobmålene, som de er nu: flyt det igen, hvis det stadig skal flyttes.")


@on_stale("remove_job_goal")
@on_stale("move_job_goal")
def stale_list_change(citizen_id: int):
    """A removal or move refused by the version check: the list as it is now, and why; a removal
    of a jobmål still there asks to confirm it again, where it stands."""
    citizen = citizen_or_404(citizen_id)
    goal = _goal_or_none(citizen, (request.view_args or {}).get("goal_id") or 0)
    if request.endpoint == f"{bp.name}.move_job_goal":
        flash(STALE_MOVE, "error")
        return redirect(url_for(".job_goals", citizen_id=citizen_id), 303)
    if goal is None or len(citizen.job_goals) < 2:
        flash(STALE_MESSAGE, "error")
        return redirect(url_for(".job_goals", citizen_id=citizen_id), 303)
    flash(STALE_REMOVE, "error")
    return redirect(url_for(".job_goals", citizen_id=citizen_id, fjern=goal.id, _anchor=f"jobmaal-{goal.id}"), 303)


def _goal_or_404(citizen: Citizen, goal_id: int) -> JobGoal:
    goal = _goal_or_none(citizen, goal_id)
    if goal is None:
        abort(404)
    return goal


@bp.post("/<int:citizen_id>/jobmaal/<int:goal_id>/ret")
@consultant_required
def edit_job_goal(citizen_id: int, goal_id: int):
    """Change a jobmål's text; its place in the priority stays.

    The form carries the text its page showed (``old_title``): when someone else renamed the
    jobmål since, nothing is saved, and the form comes back (409) naming their text and keeping
    the typed one, to be saved over theirs by sending it again; one removed meanwhile comes back
    as the add form holding the typed text.

    :raise 404: goal of another citizen.  Refused (400): the add form's rules, or a duplicate;
        the page shows the error beside the typed text.
    """
    citizen = citizen_or_404(citizen_id)
    edit_form = JobGoalEditForm()
    valid = edit_form.validate_on_submit()
    if valid and db.session.get(JobGoal, goal_id) is None:
        return _removed_meanwhile(citizen, edit_form.new_title.data)
    goal = _goal_or_404(citizen, goal_id)
    if valid:
        if _renamed_meanwhile(goal, edit_form):
            return _stale_rename(citizen, goal, edit_form, goal.title)
        try:
            changed = service.rename_job_goal(citizen, goal, edit_form.new_title.data,
                                              confirmed=edit_form.new_title_confirmed.data)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            edit_form.new_title.errors.append(exc.message_da)
            edit_form.ask_confirmation = isinstance(exc, service.JobGoalNeedsConfirmation)
        else:
            if changed and not commit_or_refuse():  # a save landed while this one was on its way
                goal = _goal_or_none(citizen, goal_id)
                if goal is None:
                    return _removed_meanwhile(citizen, edit_form.new_title.data)
                return _stale_rename(citizen, goal, edit_form, goal.title)
            flash("Jobmålet er rettet." if changed else "Jobmålet er uændret.", "success" if changed else "info")
            return redirect(url_for(".job_goals", citizen_id=citizen_id))
    if edit_form.csrf_token.errors:
        edit_form.form_errors.append("Formularen er udløbet. Dit jobmål er ikke gemt; gem igen.")
    audited_read(citizen, "job_goals")
    return _render(citizen, JobGoalForm(formdata=None), editing=goal.id, edit_form=edit_form, status=400)


def _renamed_meanwhile(goal: JobGoal, form: JobGoalEditForm) -> bool:
    """Whether the goal's text is no longer the one the form's page showed (and the typed text is
    not that new text either). A POST without ``old_title`` (a page from before it) is not checked."""
    if form.old_title.name not in request.form:
        return False
    return goal.title != form.old_title.data and goal.title != clean_line(form.new_title.data)


def _stale_rename(citizen: Citizen, goal: JobGoal, form: JobGoalEditForm, theirs: str):
    """Someone renamed the jobmål while this form was open: nothing saved; the typed text stays in
    the field, their text is named, and the form now carries it, so sending again replaces it (409)."""
    form.old_title.data = theirs
    form.new_title.errors.append(
        f"Jobmålet er ændret af en anden til »{theirs}«, mens du rettede det, så din rettelse er ikke gemt. "
        "Din tekst står i feltet: tryk »Gem jobmål« igen for at bruge den i stedet, eller »Fortryd« for "
        "at beholde den andens.")
    audited_read(citizen, "job_goals")
    return _render(citizen, JobGoalForm(formdata=None), editing=goal.id, edit_form=form, status=409)


def _removed_meanwhile(citizen: Citizen, typed: str):
    """The jobmål was removed while this form was open: nothing saved; the typed text comes back
    in the add form, to be added as a new jobmål if it is still wanted (409)."""
    add_form = JobGoalForm(formdata=None, title=typed)
    add_form.title.errors = ["Jobmålet, du rettede, er fjernet af en anden imens, så din rettelse er ikke "
                             "gemt. Din tekst står i feltet: tryk »Tilføj jobmål« for at tilføje den som "
                             "et nyt jobmål."]
    audited_read(citizen, "job_goals")
    return _render(citizen, add_form, status=409)


def _goal_or_none(citizen: Citizen, goal_id: int) -> JobGoal | None:
    goal = db.session.get(JobGoal, goal_id)
    return goal if goal is not None and goal.citizen_id == citizen.id else None


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
