"""Route under /borgere/<id>/cv: deleting a CV version stored by mistake (:mod:`.cv_removal`)."""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import files
from ..access import audited_read, citizen_or_404, consultant_required
from ..extensions import db
from ..i18n import format_date
from store.models import Citizen, CvDocument
from . import bp, cv_removal, service
from .forms import CV_DELETE_NOTE_HINT, CvDeleteForm, audit_text_problem
from .pages import commit_or_refuse, on_stale


@bp.route("/<int:citizen_id>/cv/<int:cv_id>/slet", methods=["GET", "POST"])
@consultant_required
def delete_cv(citizen_id: int, cv_id: int):
    """Ask for confirmation and a reason, then delete the CV version (:func:`.cv_removal.remove`).

    The page says which version becomes current (or that the citizen then has no CV), and a
    version a company has under a consent in force is refused with a link to each proposal,
    where the consent is withdrawn (409). A note the audit log may not keep is refused at the
    field (400). The form carries the version's key (:func:`.cv_removal.version_key`): a POST
    for a version deleted meanwhile, also when its id now belongs to a CV saved since, deletes
    nothing and says so (409). :raise 404: unknown citizen or a CV of another citizen.
    """
    citizen = citizen_or_404(citizen_id)
    cv = db.session.get(CvDocument, cv_id)
    if request.method == "POST":
        sent = request.form.get("version", "")
        theirs = cv is not None and cv.citizen_id != citizen.id
        if theirs and not sent:
            abort(404)
        if cv is None or theirs or cv not in citizen.cv_documents or sent != cv_removal.version_key(cv):
            return render_template("citizens/cv_delete_gone.html", citizen=citizen, cv_id=cv_id,
                                   unnamed=not sent and cv is not None), 409
    elif cv is None or cv.citizen_id != citizen.id or cv not in citizen.cv_documents:  # a first-CV marker: no CV
        abort(404)
    form = CvDeleteForm()
    form.version.data = cv_removal.version_key(cv)
    status = 200
    if form.validate_on_submit():
        note = form.note.data or ""
        if problem := audit_text_problem(note, name=citizen.name or "", phone=citizen.phone or ""):
            form.note.errors.append(f"Uddybningen gemmes i adgangsloggen og må ikke indeholde: {problem}")
        else:
            try:
                stored_name = cv_removal.remove(citizen, cv, form.reason_text(), current_user,
                                                keep_day=form.reason.data != "other_person")
                # only after the commit: a failed one keeps the file its row names
                files.current().delete_after_commit(db.session, [stored_name])
            except cv_removal.CvShared:
                db.session.rollback()
                status = 409
            except service.CitizenChangeError as exc:
                db.session.rollback()
                form.note.errors.append(exc.message_da)
            else:
                if not commit_or_refuse():  # a save landed while this one was on its way
                    return stale_delete(citizen_id)
                flash(_deleted_message(citizen), "success")
                return redirect(url_for(".cv", citizen_id=citizen.id))
    if request.method == "POST" and status == 200:
        status = 400
    return _page(citizen, cv, form, status)


def _page(citizen: Citizen, cv: CvDocument, form: CvDeleteForm, status: int):
    """The confirmation page as the citizen is now (409 while a company has the version)."""
    audited_read(citizen, "cv")
    shared = cv_removal.shared_with(citizen, cv)
    return render_template("citizens/cv_delete.html", citizen=citizen, cv=cv, form=form, shared=shared,
                           next_cv=cv_removal.after_removal(citizen, cv),
                           profiles=cv_removal.profiles_from(citizen), note_hint=CV_DELETE_NOTE_HINT), 409 if shared else status


STALE_DELETE = ("Borgeren blev ændret af en anden, lige mens du slettede, så CV'et er ikke slettet. Siden viser "
                "borgerens CV'er, som de er nu. Din begrundelse står stadig i formularen: tjek den, og tryk »Slet "
                "CV'et« igen.")


@on_stale("delete_cv")
def stale_delete(citizen_id: int):
    """The deletion refused by the citizen's version check (at an autoflush or the commit; rolled
    back, the file kept): the page, as the citizen's CVs are now, comes back with the reason and
    note as sent, and why (409); a version deleted meanwhile is the »already gone« page."""
    citizen = citizen_or_404(citizen_id)
    cv_id = (request.view_args or {}).get("cv_id") or 0
    cv = db.session.get(CvDocument, cv_id)
    if cv is None or cv.citizen_id != citizen.id or cv not in citizen.cv_documents:
        return render_template("citizens/cv_delete_gone.html", citizen=citizen, cv_id=cv_id, unnamed=False), 409
    form = CvDeleteForm()
    form.version.data = cv_removal.version_key(cv)
    form.form_errors.append(STALE_DELETE)
    return _page(citizen, cv, form, 409)


def _deleted_message(citizen: Citizen) -> str:
    """What the deletion left: the CV that is current again, or none (and so no matching)."""
    current = citizen.current_cv
    if current is None:
        return ("CV'et er slettet: filen og teksten er fjernet. Borgeren har nu intet CV og kan ikke "
                "matches, før et nyt CV er gemt.")
    return (f"CV'et er slettet: filen og teksten er fjernet. CV'et fra {format_date(current.created_at)} er nu borgerens nuværende "
            "CV, og matchingen opdateres om lidt.")
