"""Route under /borgere/<id>/cv: deleting a CV version stored by mistake (:mod:`.cv_removal`)."""
from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import audited_read, citizen_or_404, consultant_required
from ..extensions import db
from ..i18n import format_date
from store.models import Citizen, CvDocument
from . import bp, cv_removal, service, uploads
from .forms import CvDeleteForm, audit_text_problem
from .pages import commit_or_refuse


@bp.route("/<int:citizen_id>/cv/<int:cv_id>/slet", methods=["GET", "POST"])
@consultant_required
def delete_cv(citizen_id: int, cv_id: int):
    """Ask for confirmation and a reason, then delete the CV version (:func:`.cv_removal.remove`).

    The page says which version becomes current (or that the citizen then has no CV), and a
    version a company has under a consent in force is refused with a link to each proposal,
    where the consent is withdrawn (409). A reason the audit log may not keep is refused at the
    field (400). :raise 404: unknown citizen or a CV of another citizen (on a POST, a version
    deleted meanwhile goes back to the CV page with a message).
    """
    citizen = citizen_or_404(citizen_id)
    cv = db.session.get(CvDocument, cv_id)
    if cv is None or cv.citizen_id != citizen.id:
        if request.method == "POST" and cv is None:
            flash("CV'et findes ikke mere: det er måske allerede slettet.", "info")
            return redirect(url_for(".cv", citizen_id=citizen.id))
        abort(404)
    form = CvDeleteForm()
    status = 200
    if form.validate_on_submit():
        if problem := audit_text_problem(form.reason.data, name=citizen.name or "", phone=citizen.phone or ""):
            form.reason.errors.append(f"Begrundelsen gemmes i adgangsloggen og må ikke indeholde: {problem}")
        else:
            try:
                stored_name = cv_removal.remove(citizen, cv, form.reason.data, current_user)
            except cv_removal.CvShared:
                db.session.rollback()
                status = 409
            except service.CitizenChangeError as exc:
                db.session.rollback()
                form.reason.errors.append(exc.message_da)
            else:
                if commit_or_refuse():
                    if stored_name:  # only after the commit: a failed one keeps the file its row names
                        uploads.delete_stored(current_app.config["UPLOAD_FOLDER"], stored_name)
                    flash(_deleted_message(citizen), "success")
                    return redirect(url_for(".cv", citizen_id=citizen.id))
                flash("Borgeren blev ændret af en anden imens. Se de nye oplysninger og prøv igen.", "error")
                return redirect(url_for(".cv", citizen_id=citizen.id))
    if request.method == "POST" and status == 200:
        status = 400
    audited_read(citizen, "cv")
    shared = cv_removal.shared_with(citizen, cv)
    return render_template("citizens/cv_delete.html", citizen=citizen, cv=cv, form=form, shared=shared,
                           next_cv=cv_removal.after_removal(citizen, cv),
                           profiles=cv_removal.profiles_from(citizen)), 409 if shared else status


def _deleted_message(citizen: Citizen) -> str:
    """What the deletion left: the CV that is current again, or none (and so no matching)."""
    current = citizen.current_cv
    if current is None:
        return ("CV'et er slettet: filen og teksten er fjernet. Borgeren har nu intet CV og kan ikke "
                "matches, før et nyt CV er gemt.")
    return (f"CV'et er slettet: filen og teksten er fjernet. CV'et fra {format_date(current.created_at)} er nu borgerens nuværende "
            "CV, og matchingen opdateres om lidt.")
