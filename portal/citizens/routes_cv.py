"""Routes under /borgere/<id>: CV (file or text), caseworkers, skånehensyn (need-to-know:
:mod:`.need_to_know`)."""
from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import audit, files, merge, name_order
from ..access import AUDIT_DOWN, audited_read, citizen_or_404, consultant_required
from ..extensions import db
from ..formutil import choices
from ..errors import render_error
from matching.redact import redact_cpr
from store import clock
from store.models import Citizen, CvDocument, User
from . import bp, conflicts, cv_sharing, cv_versions, need_to_know, queries, service, uploads
from .forms import MAX_CV_CHARS, AssignForm, CvTextForm, CvUploadForm, LimitationsForm
from .pages import commit_or_flash, commit_or_refuse, on_stale, posted_version

# The citizen overview's CV excerpt shows no CPR number typed into the CV (review AZ, observation):
# every consultant sees the overview, and the number is no one's work there (the file has it).
bp.add_app_template_filter(redact_cpr, "no_cpr")


def _render_cv(citizen, upload_form, text_form):
    """The CV page, with what a company given the CV gets: the checked text, without the
    details named here, of the version each consent shares (:mod:`.cv_sharing`)."""
    current = citizen.current_cv
    withheld = cv_sharing.describe(cv_sharing.checked(current, citizen).withheld) if current else ""
    return render_template("citizens/cv.html", citizen=citizen, upload_form=upload_form,
                           text_form=text_form, withheld=withheld, sharing=cv_sharing.sharing(citizen),
                           replaced=cv_versions.replaced(citizen), keep_days=cv_versions.keep_days(),
                           today=clock.today())


@bp.get("/<int:citizen_id>/cv")
@consultant_required
def cv(citizen_id: int):
    """The CV page: upload a file or type/paste the CV."""
    citizen = citizen_or_404(citizen_id)
    audited_read(citizen, "cv")
    return _render_cv(citizen, CvUploadForm(), CvTextForm())


@bp.get("/<int:citizen_id>/cv/<int:cv_id>/fil")
@consultant_required
def cv_file(citizen_id: int, cv_id: int):
    """The uploaded CV file as stored, for staff; the download is logged first (fail closed).

    Only a version in use: the current CV, or the earlier one a consent in force shares with a
    company (:func:`.cv_sharing.sharing`, so staff can see what the company has). A CV replaced
    since is no longer handed out (review AJ 5): no page lists it, and one uploaded to the wrong
    citizen must not stay downloadable by its id.

    Sent as an attachment with its checked type (never the client's), a safe file name and
    ``Cache-Control: no-store``. :raise 404: unknown citizen, a CV of another citizen, a typed
    CV (no file), or a version not in use. :raise 503: the audit log cannot be written.
    """
    citizen = citizen_or_404(citizen_id)
    cv = db.session.get(CvDocument, cv_id)
    if cv is None or cv.citizen_id != citizen.id or not cv.stored_name or not _in_use(citizen, cv):
        abort(404)
    try:
        audit.record_now("cv_downloaded", citizen_id=citizen.id, purpose=f"staff: cv file {cv.id}")
    except audit.AuditWriteError as exc:
        current_app.logger.error("cv_downloaded not logged for citizen %s: %s", citizen.id, exc)
        abort(make_response(*render_error(503, AUDIT_DOWN)))
    name = uploads.download_name(cv.original_filename, cv.content_type)
    response = files.current().send(cv.stored_name, download_name=name,
                                    mimetype=uploads.MEDIA_TYPES.get(cv.content_type, "application/octet-stream"))
    response.headers["Cache-Control"] = "no-store"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response


def _in_use(citizen: Citizen, cv: CvDocument) -> bool:
    """The current CV, or a version a consent in force shares with a company."""
    return cv is citizen.current_cv or any(item.cv is cv for item in cv_sharing.sharing(citizen))


@bp.post("/<int:citizen_id>/cv/fil")
@consultant_required
def upload_cv(citizen_id: int):
    """Accept a CV file checked by content; a refused file is a form error, never a 500."""
    citizen = citizen_or_404(citizen_id)
    form = CvUploadForm()
    if form.validate_on_submit():
        try:
            service.ensure_editable(citizen)
            accepted = uploads.accept_cv(form.file.data.read(), form.file.data.filename)
        except service.CitizenChangeError as exc:
            form.file.errors.append(exc.message_da)
        except uploads.ExtractionError as exc:
            _log_rejected(citizen.id, exc)
            form.file.errors.append(exc.message_da)
        else:
            if _store_cv(citizen, accepted):
                return redirect(url_for(".detail", citizen_id=citizen.id))
    audited_read(citizen, "cv")
    # the CV text typed in the page's other form came along (jobbro.js carryFields): shown again
    kept = (request.form.get("kept_text") or "")[:MAX_CV_CHARS]
    return _render_cv(citizen, form, CvTextForm(formdata=None, data={"text": kept} if kept.strip() else None)), 400


TOO_LARGE = "Filen er for stor. Den største tilladte størrelse er 5 MB. Gem CV'et i en mindre fil, eller skriv det ind nedenfor."
TOO_LONG = "Teksten er for lang til at blive sendt (over 5 MB). Indsæt kun selve CV'et."


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error: RequestEntityTooLarge):
    """A body over ``MAX_CONTENT_LENGTH`` sent to the CV page comes back to it with the error at
    the field, like any other refused file (413); elsewhere under /borgere, the portal's 413 page.

    The oversized body is never read: the forms are built without form data. A file refused
    this way is logged as ``upload_rejected`` (``cv:too_large``), as any other refused file.
    """
    # Raised by the CSRF check before the view's role check: this handler must do that check
    # itself, and must not abort (an error inside an error handler becomes a 500).
    field = {"citizens.upload_cv": "upload", "citizens.save_cv_text": "text"}.get(request.endpoint or "")
    citizen = db.session.get(Citizen, (request.view_args or {}).get("citizen_id") or 0)
    if (field is None or citizen is None or citizen.anonymised_at is not None
            or not current_user.is_authenticated or current_user.role not in ("consultant", "admin")):
        return render_error(413)
    if field == "upload":  # a rejected upload, logged as every other one (SECURITY.md)
        limit = current_app.config["MAX_CONTENT_LENGTH"]
        _log_rejected(citizen.id, uploads.ExtractionError(
            "too_large", f"request body over MAX_CONTENT_LENGTH ({limit})", max_mb=f"{limit / 2**20:g}"))
    try:
        audit.record_now("read_citizen", citizen_id=citizen.id, purpose="cv")
    except audit.AuditWriteError:
        return render_error(413)
    upload_form, text_form = CvUploadForm(formdata=None), CvTextForm(formdata=None)
    if field == "upload":
        upload_form.file.errors = [TOO_LARGE]
    else:
        text_form.text.errors = [TOO_LONG]
    return _render_cv(citizen, upload_form, text_form), 413


def _log_rejected(citizen_id: int, exc: uploads.ExtractionError) -> None:
    # str(exc) is the English reason without file name or contents (safe for logs).
    current_app.logger.info("CV upload refused for citizen %s: %s", citizen_id, exc)
    try:
        audit.record_now("upload_rejected", citizen_id=citizen_id, purpose=f"cv:{exc.code}",
                         result="rejected")
    except audit.AuditWriteError:
        current_app.logger.error("upload_rejected not logged for citizen %s", citizen_id)


def _saved(citizen) -> str:
    """What a saved CV means for matching: updated soon, or what the citizen still lacks (review
    AK 7: »Matchingen opdateres om lidt« stood above »Kan ikke matches endnu«)."""
    missing = citizen.missing_for_matching
    if missing:
        said = f"CV'et er gemt. Borgeren kan ikke matches endnu: mangler {', '.join(missing)}."
    else:
        said = "CV'et er gemt. Matchingen opdateres om lidt."
    if len(citizen.cv_documents) > 1:  # review AU 2: the one replaced is kept a while, then deleted
        said += (f" Det tidligere CV gemmes i {cv_versions.keep_days()} dage og slettes derefter; var det nye "
                 "en fejl, så slet det på CV-siden, og det tidligere bruges igen.")
    return said


def _store_cv(citizen, accepted: uploads.AcceptedCv) -> bool:
    store = files.current()
    stored_name = store.save(accepted.data, accepted.kind)
    try:
        service.add_cv_file(citizen, accepted, stored_name, current_user)
        ok = commit_or_flash(lambda: _saved(citizen))  # the text read after the commit (review BH 1)
    except Exception:  # a refused version check too: its page is :func:`stale_upload`
        db.session.rollback()
        store.discard(stored_name)
        raise
    if not ok:
        store.discard(stored_name)
    else:
        _flash_earlier_shared(citizen)
    return ok


def _flash_earlier_shared(citizen: Citizen) -> None:
    """Tell the consultant which companies keep the CV version their consent shares, now that
    a newer CV is stored (review AJ 6): the new one goes to them only with a new consent."""
    names = sorted({item.proposal.opening.company.name for item in cv_sharing.sharing(citizen) if item.newer}, key=name_order.sort_key)
    if names:
        flash(f"{', '.join(names)} får fortsat det CV, borgeren sagde ja til at dele. Det nye CV får "
              "virksomheden først, når borgeren har givet samtykke igen: forny samtykket på forslaget "
              "(se CV-siden).", "info")


@bp.post("/<int:citizen_id>/cv/tekst")
@consultant_required
def save_cv_text(citizen_id: int):
    """Save a typed or pasted CV as the current CV."""
    citizen = citizen_or_404(citizen_id)
    form = CvTextForm()
    if form.validate_on_submit():
        try:
            service.add_cv_text(citizen, form.text.data, current_user)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            form.text.errors.append(exc.message_da)
        else:
            if commit_or_flash(lambda: _saved(citizen)):  # the text read after the commit (review BH 1)
                _flash_earlier_shared(citizen)
                return redirect(url_for(".detail", citizen_id=citizen.id))
    audited_read(citizen, "cv")
    return _render_cv(citizen, CvUploadForm(formdata=None), form), 400


STALE_CV_TEXT = ("Borgeren blev ændret af en anden, lige mens du gemte, så CV'et er ikke gemt. Din tekst står "
                 "stadig i feltet: tryk »Gem CV-tekst« igen for at gemme den.")
STALE_CV_FILE = ("Borgeren blev ændret af en anden, lige mens du uploadede, så CV'et er ikke gemt. Vælg "
                 "filen igen, og tryk »Upload CV«.")


@on_stale("save_cv_text")
def stale_cv_text(citizen_id: int):
    """The CV text's save refused by the version check (review BH 1): the pasted text is in the
    field again, with why (409); sending it again saves it."""
    citizen = citizen_or_404(citizen_id)
    form = CvTextForm()
    form.text.errors = [STALE_CV_TEXT]
    audited_read(citizen, "cv")
    return _render_cv(citizen, CvUploadForm(formdata=None), form), 409


@on_stale("upload_cv")
def stale_upload(citizen_id: int):
    """The CV file's save refused by the version check (review BH 1): nothing kept of the file
    (:func:`_store_cv` deleted it); the page asks for it again and keeps the CV text typed beside it."""
    citizen = citizen_or_404(citizen_id)
    form = CvUploadForm(formdata=None)
    form.file.errors = [STALE_CV_FILE]
    kept = (request.form.get("kept_text") or "")[:MAX_CV_CHARS]
    audited_read(citizen, "cv")
    return _render_cv(citizen, form, CvTextForm(formdata=None, data={"text": kept} if kept.strip() else None)), 409


@bp.route("/<int:citizen_id>/sagsbehandlere", methods=["GET", "POST"])
@consultant_required
def assign(citizen_id: int):
    """Assign VK and adviser; changing an existing VK must be confirmed. A page opened before
    someone else's save writes only what this user changed (:mod:`.conflicts`); a field both
    changed is refused (409) with the other person's choice named.

    A seat on the case is a need to know (:mod:`.need_to_know`): someone outside the case (not
    its VK, adviser or team, nor an administrator) changes it only with a purpose, logged with
    the change (``caseworkers_break_glass``); a change without one is refused at its field (400).
    The caseworkers who gain, lose or keep a seat are told, in the same commit (review AV 6, AZ 1).
    """
    citizen = citizen_or_404(citizen_id)
    form, glass = _assign_forms(citizen)
    if request.method == "GET":
        conflicts.load(form, citizen, conflicts.CASEWORKER_FIELDS)
    elif form.validate_on_submit():
        posted = conflicts.caseworker_values(form.vk_id.data, form.adviser_id.data)
        found = conflicts.found(form, citizen, posted, conflicts.CASEWORKER_FIELDS) if posted_version(form) else None
        if found is not None and (clash := conflicts.caseworker_clash(citizen, posted, found)):
            return _stale_assign(citizen, form, glass, conflicts.caseworkers_message(citizen, clash))
        posted.update(found.take if found is not None else {})
        vk, adviser = (db.session.get(User, posted["vk_id"]) if posted["vk_id"] else None,
                       db.session.get(User, posted["adviser_id"]) if posted["adviser_id"] else None)
        try:
            # the caseworkers who gain, lose or keep a seat are told by the service (review AV 6, AZ 1, BN 3)
            changed = service.assign_caseworkers(citizen, vk, adviser, form.confirm_vk_change.data, by=current_user)
        except service.CitizenChangeError as exc:
            db.session.rollback()
            # at the field it is about (review BM 3); the read-only refusal is about the form
            field = form._fields.get(exc.field) if exc.field else None
            (field.errors if field is not None else form.form_errors).append(exc.message_da)
        else:
            if changed and glass is not None and _glass_refused(glass, citizen):
                db.session.rollback()  # nothing is changed without the purpose
                audited_read(citizen, "assign")
                return _assign_page(citizen, form, glass), 400
            if changed and glass is not None:
                audit.record("caseworkers_break_glass", citizen_id=citizen.id,
                             purpose=need_to_know.glass_purpose(glass.purpose.data))
            if changed and not commit_or_refuse():  # a save landed while this one was on its way
                return _assign_refused_while_saving(citizen, form, glass)
            flash(("Sagsbehandlerne er gemt, og din begrundelse er logget." if glass is not None
                   else "Sagsbehandlerne er gemt.") if changed else "Ingen ændringer at gemme.",
                  "success" if changed else "info")
            if note := conflicts.kept_note(citizen, found):
                flash(note, "info")
            return redirect(url_for(".detail", citizen_id=citizen.id))
    audited_read(citizen, "assign")
    return _assign_page(citizen, form, glass)


def _assign_forms(citizen: Citizen) -> tuple[AssignForm, need_to_know.AssignGlassForm | None]:
    """The caseworker form (the posted one on a POST) with the consultants to choose from, and
    the purpose form when the user is outside the case (:func:`.need_to_know.may_assign`)."""
    people = queries.consultants()
    for current in (citizen.vk, citizen.adviser):  # keep a disabled caseworker selectable
        if current is not None and current not in people:
            people.append(current)
    form = AssignForm(vk_id=citizen.vk_id or 0, adviser_id=citizen.adviser_id or 0)
    glass = None if need_to_know.may_assign(current_user, citizen) else need_to_know.AssignGlassForm()
    options = choices([(0, "– ingen –"), *((u.id, u.name if u.active else f"{u.name} (deaktiveret)")
                                           for u in people)])
    form.vk_id.choices, form.adviser_id.choices = options, list(options)
    return form, glass


@on_stale("assign")
def stale_assign(citizen_id: int):
    """The caseworkers' save refused by the version check before its commit (an autoflush in the
    unit): as at the commit, :func:`_assign_refused_while_saving`."""
    citizen = citizen_or_404(citizen_id)
    form, glass = _assign_forms(citizen)
    return _assign_refused_while_saving(citizen, form, glass)


def _assign_refused_while_saving(citizen: Citizen, form: AssignForm, glass):
    """Another save of the citizen landed while this one was on its way (rolled back): nothing
    saved. The form comes back (409) with this user's choices, a field only the other person
    changed taking their value (so saving again does not undo it), what they changed and the
    saved caseworkers named, and the saved version in it, so saving again writes it."""
    posted = conflicts.caseworker_values(form.vk_id.data, form.adviser_id.data)
    found = conflicts.found(form, citizen, posted, conflicts.CASEWORKER_FIELDS) if posted_version(form) else None
    for name, value in (found.take if found is not None else {}).items():
        form[name].data = value or 0
    fresh, _ = _assign_forms(citizen)  # the choices with the caseworkers saved now
    form.vk_id.choices, form.adviser_id.choices = fresh.vk_id.choices, fresh.adviser_id.choices
    return _stale_assign(citizen, form, glass, conflicts.caseworkers_changed_while_saving(citizen, posted, found))


def _glass_refused(glass: need_to_know.AssignGlassForm, citizen: Citizen) -> bool:
    """Whether the purpose of a change by someone outside the case is missing or refused (the
    reason at its field)."""
    if not glass.validate():
        return True
    if problem := need_to_know.purpose_problem(glass.purpose.data, citizen):
        glass.purpose.errors = [problem]
        return True
    return False


def _assign_page(citizen: Citizen, form: AssignForm, glass):
    return render_template("citizens/assign.html", citizen=citizen, form=form, glass_form=glass)


def _stale_assign(citizen: Citizen, form: AssignForm, glass, message: str):
    """The caseworker form refused as stale: this user's choices kept, the saved version's
    number and fingerprints in it, so saving again writes them (409)."""
    conflicts.load(form, citizen, conflicts.CASEWORKER_FIELDS)
    form.form_errors.append(message)
    audited_read(citizen, "assign")
    return _assign_page(citizen, form, glass), 409


@bp.route("/<int:citizen_id>/skaanehensyn", methods=["GET", "POST"])
@consultant_required
def limitations(citizen_id: int):
    """Skånehensyn: special-category data, shown only after the read is logged, and without a
    purpose only to those who work on the case (:mod:`.need_to_know`). Anyone else gets the
    purpose form and nothing of them; their POST of a change is 403 (audited).

    If the audit log cannot be written the page says so and shows nothing of them (503).
    """
    citizen = citizen_or_404(citizen_id)
    audited_read(citizen, "limitations")
    reason = need_to_know.basis(current_user, citizen)
    if reason is None:
        if request.method == "POST":
            audit.record_now("authorisation_denied", citizen_id=citizen.id,
                             purpose="limitations: change without need to know", result="denied")
            abort(403)
        return _limitations_page(citizen, glass_form=need_to_know.BreakGlassForm(formdata=None))
    form = LimitationsForm()
    if form.validate_on_submit():
        posted = conflicts.limitation_values(form.flags.data or [], form.text.data or "")
        if posted_version(form) and (found := conflicts.found(form, citizen, posted, conflicts.LIMITATION_FIELDS)):
            return _stale_limitations(citizen, posted, found, reason)
        try:
            changed = service.update_limitations(citizen, form.flags.data or [], form.text.data or "")
        except service.CitizenChangeError as exc:
            db.session.rollback()
            flash(exc.message_da, "error")
        else:
            if changed and not commit_or_refuse():  # a save landed while this one was on its way
                return _limitations_refused_while_saving(citizen, form, reason)
            # nothing changed says so too, as the caseworker form does (review BM 7: else no feedback)
            flash("Skånehensyn er gemt." if changed else "Ingen ændringer at gemme.", "success" if changed else "info")
            return redirect(url_for(".limitations", citizen_id=citizen.id))
    if request.method == "GET":
        form.flags.data, form.text.data = list(citizen.limitation_flags or []), citizen.limitations_text
        conflicts.load(form, citizen, conflicts.LIMITATION_FIELDS)
    return _limitations_page(citizen, form=form, purpose=need_to_know.direct_purpose(reason))


@on_stale("limitations")
def stale_limitations(citizen_id: int):
    """The skånehensyn's save refused by the version check before its commit (an autoflush in
    the unit): as at the commit, :func:`_limitations_refused_while_saving`. Someone whom the
    other save took off the case meanwhile may no longer change them (403, as the route)."""
    citizen = citizen_or_404(citizen_id)
    reason = need_to_know.basis(current_user, citizen)
    if reason is None:
        return render_error(403)
    return _limitations_refused_while_saving(citizen, LimitationsForm(), reason)


def _limitations_refused_while_saving(citizen: Citizen, form: LimitationsForm, reason: str):
    """Another save of the citizen landed while this one was on its way (rolled back): nothing
    saved; the form comes back merged as for a stale page (:func:`_stale_limitations`), or,
    when the other save changed no skånehensyn, with what was typed and why."""
    posted = conflicts.limitation_values(form.flags.data or [], form.text.data or "")
    found = conflicts.found(form, citizen, posted, conflicts.LIMITATION_FIELDS)
    return _stale_limitations(citizen, posted, found or merge.Merge([], [], {}), reason)


def _stale_limitations(citizen: Citizen, posted: dict, found: merge.Merge, reason: str):
    """Someone saved the skånehensyn while this form was open: nothing is saved. The form comes
    back (409) with this user's changes on top of the other person's (``found``), their values
    named, and the saved version, so saving again keeps both; the saved ones are above it."""
    values = {**posted, **found.take}
    again = LimitationsForm(formdata=None, flags=values["limitation_flags"], text=values["limitations_text"])
    conflicts.load(again, citizen, conflicts.LIMITATION_FIELDS)
    again.form_errors.append(conflicts.limitations_message(citizen, found) if found.theirs
                             else conflicts.changed_while_saving("det, du skrev,"))
    page = _limitations_page(citizen, form=again, purpose=need_to_know.direct_purpose(reason))
    return (page[0], 503) if isinstance(page, tuple) else (page, 409)


@bp.post("/<int:citizen_id>/skaanehensyn/begrundelse")
@consultant_required
def limitations_break_glass(citizen_id: int):
    """"Break the glass": a consultant outside the citizen's case (or an administrator) states
    why they need the skånehensyn; the purpose is logged (fail closed) and this response shows
    them, read-only. A refused purpose is shown at its field, with nothing of them.

    :raise 503: the audit log cannot be written.
    """
    citizen = citizen_or_404(citizen_id)
    audited_read(citizen, "limitations")
    if need_to_know.basis(current_user, citizen) is not None:  # no glass to break
        return redirect(url_for(".limitations", citizen_id=citizen.id))
    form = need_to_know.BreakGlassForm()
    if form.validate_on_submit():
        if problem := need_to_know.purpose_problem(form.purpose.data, citizen):
            form.purpose.errors = [problem]
        else:
            return _limitations_page(citizen, purpose=need_to_know.glass_purpose(form.purpose.data),
                                     glass_purpose=form.purpose.data)
    return _limitations_page(citizen, glass_form=form)


def _limitations_page(citizen: Citizen, *, form=None, glass_form=None, purpose: str = "",
                      glass_purpose: str = ""):
    """The page: with ``purpose`` the skånehensyn, logged first (``read_limitations`` with that
    purpose); with ``glass_form`` only the purpose form. 503 when the log cannot be written."""
    if purpose:
        try:
            audit.record_now("read_limitations", citizen_id=citizen.id, purpose=purpose)
        except audit.AuditWriteError as exc:
            current_app.logger.error("read_limitations not logged for citizen %s: %s", citizen.id, exc)
            return render_template("citizens/limitations.html", citizen=citizen, form=None,
                                   audit_failed=True), 503
    return render_template("citizens/limitations.html", citizen=citizen, form=form, audit_failed=False,
                           glass_form=glass_form, glass_purpose=glass_purpose,
                           shown=bool(purpose), direct=form is not None)
