"""Routes under /borgere/<id> for the case itself: close/reopen, restriction, erasure.

Closing, reopening and the restriction are for consultants (and administrators); their
forms sit on the citizen page, and a refused change re-renders that page with the error
(400). Erasure is for administrators only, on its own page, behind a fresh login.
"""
from __future__ import annotations

from functools import partial

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_login import current_user

from ..access import admin_required, audited_read, citizen_or_404, consultant_required
from ..auth.sessions import confirm_first
from ..privacy import retention
from ..extensions import db
from ..matching_runtime import matching_service
from . import bp, case, case_endings, recipients
from .case_forms import CloseCaseForm, EraseForm, LiftRestrictionForm, ReopenCaseForm, RestrictForm
from .pages import commit_or_flash, on_stale
from . import service
from .service import CitizenChangeError
from store import clock
from store.index_status import rebuild_progress
from store.models import OutboxEvent


def case_forms(citizen) -> dict:
    """Blank forms for the case section of the citizen page, with what closing the case would
    end (``ending``) or, on a closed case, how many proposals ended with it (``ended_count``)."""
    closed = citizen.case_closed is not None
    ended = case_endings.ended_count(citizen.id) if closed else 0
    return {"close_form": CloseCaseForm(formdata=None, closed_on=clock.today()), "reopen_form": ReopenCaseForm(formdata=None),
            "restrict_form": RestrictForm(formdata=None), "lift_form": LiftRestrictionForm(formdata=None),
            "close_reasons": case.CLOSE_REASONS, "blocking_placements": [],
            # said beforehand, in the form: a running placement blocks the closing (no close offered)
            "running_placements": [] if closed else case.running_placements(citizen.id, clock.today()),
            "ending": None if closed else case_endings.preview(citizen),
            "ended_count": ended, "stay_ended": case_endings.stay_ended(ended) if ended else "",
            "ended_proposals": case_endings.ended_proposals(citizen.id),
            # the restrict form names them beforehand (they lose sight of the name while it
            # lasts), the lift form those who see it again; each is told (recipients.tell)
            "name_holders": recipients.name_holders(citizen, despite_restriction=citizen.restricted)}


def _refused(citizen, message: str | None = None, **forms):
    """Re-render the citizen page with a refused form (nothing was written); ``message`` is
    flashed at the top of the page, where the consultant lands (the form sits far below)."""
    from .routes import render_detail

    db.session.rollback()
    if message:
        flash(message, "error")
    audited_read(citizen, "case")
    return render_detail(citizen, **forms), 400


def _blame(form, exc: CitizenChangeError) -> None:
    """Show a refusal at the field it is about (a text unfit for the audit log), else atop the form."""
    target = getattr(form, exc.field, None) if exc.field else None
    if target is not None:
        target.errors = [*target.errors, exc.message_da]
    else:
        form.form_errors.append(exc.message_da)


def stale_case_message(not_done: str, button: str) -> str:
    """Said at a case form refused by the version check: ``not_done`` ("sagen er ikke afsluttet"),
    the page showing the citizen as saved now, what was filled in still in the form, and
    ``button`` to press again."""
    return (f"Borgeren blev ændret af en anden, lige mens du gemte, så {not_done}. Siden viser borgeren, "
            f"som den er gemt nu. Det, du udfyldte, står stadig i formularen: tjek det, og tryk »{button}« igen.")


STALE_CASE_FLASH = ("Intet er gemt: borgeren blev ændret af en anden, lige mens du gemte. Se under »Sagen«, "
                    "hvor det, du udfyldte, står stadig.")


def _stale_case(name: str, form_class, message: str, citizen_id: int):
    """A case change refused by the citizen's version check (review BH 1): nothing written; the
    citizen page, as saved now, comes back with the posted form (``name``) as it was sent and
    ``message`` at it, and a flash at the top that points there (409)."""
    from .routes import render_detail

    citizen = citizen_or_404(citizen_id)
    form = form_class()
    form.form_errors.append(message)
    flash(STALE_CASE_FLASH, "error")
    audited_read(citizen, "case")
    return render_detail(citizen, **{name: form}), 409


for _endpoint, _name, _form, _message in (
        ("close_case", "close_form", CloseCaseForm, stale_case_message("sagen er ikke afsluttet", "Afslut sag")),
        ("reopen_case", "reopen_form", ReopenCaseForm, stale_case_message("sagen er ikke genåbnet", "Genåbn sag")),
        ("restrict", "restrict_form", RestrictForm, stale_case_message("behandlingen er ikke begrænset", "Begræns behandling")),
        ("lift_restriction", "lift_form", LiftRestrictionForm,
         stale_case_message("begrænsningen er ikke ophævet", "Ophæv begrænsning"))):
    on_stale(_endpoint)(partial(_stale_case, _name, _form, _message))


def _done(citizen, message: str):
    commit_or_flash(message)
    return redirect(url_for(".detail", citizen_id=citizen.id))


@bp.post("/<int:citizen_id>/afslut")
@consultant_required
def close_case(citizen_id: int):
    """Close the case: out of the caseload list and matching, still findable; the citizen's
    live proposals end with it (the flash says how many, and which companies were told).

    :raise 404: unknown citizen.  Refused (400): bad date or reason, running placement.
    """
    citizen = citizen_or_404(citizen_id)
    form = CloseCaseForm()
    if not form.validate_on_submit():
        return _refused(citizen, CLOSE_NOT_SAVED + "ret det, der er markeret under »Afslut sag«.",
                        close_form=form)
    try:
        ended = case.close_case(citizen, form.closed_on.data, form.reason.data, today=clock.today(),
                                user=current_user)
    except case.ActivePlacementError as exc:
        form.form_errors.append(exc.message_da)
        return _refused(citizen, CLOSE_NOT_SAVED + exc.message_da + " Se forløbene under »Afslut sag«.",
                        close_form=form, blocking_placements=exc.placement_ids)
    except CitizenChangeError as exc:
        form.form_errors.append(exc.message_da)
        return _refused(citizen, CLOSE_NOT_SAVED + exc.message_da, close_form=form)
    return _done(citizen, "Sagen er afsluttet. Borgeren er taget ud af matchingen." + _ended_message(ended))


CLOSE_NOT_SAVED = "Sagen er ikke afsluttet: "


def _ended_message(ended: case_endings.EndingPreview) -> str:
    """What the closing did to the proposals, for the flash ("" when none ended)."""
    if not ended.count:
        return ""
    told = ", ".join(ended.companies)
    return (f" {case_endings.ended_now(ended.count)}" +
            (f"; {told} har fået besked om, at kandidaten ikke længere er aktuel." if told else "."))


@bp.post("/<int:citizen_id>/genaabn")
@consultant_required
def reopen_case(citizen_id: int):
    """Reopen a closed case for a short reason (audited).

    :raise 404: unknown citizen.  Refused (400): no reason, or the case is not closed.
    """
    citizen = citizen_or_404(citizen_id)
    form = ReopenCaseForm()
    if not form.validate_on_submit():
        if form.csrf_token.errors:
            form.form_errors.append("Formularen er udløbet. Prøv igen.")
        return _refused(citizen, reopen_form=form)
    try:
        ended = case.reopen_case(citizen, form.reason.data)
    except CitizenChangeError as exc:
        _blame(form, exc)
        return _refused(citizen, reopen_form=form)
    return _done(citizen, "Sagen er genåbnet." + (
        f" {case_endings.stay_ended(ended)}: foreslå borgeren igen fra kandidatlisten til de opslag, "
        "der passer." if ended else ""))


@bp.post("/<int:citizen_id>/begraens")
@consultant_required
def restrict(citizen_id: int):
    """Restrict processing (GDPR art. 18) for a stated ground. :raise 404: unknown citizen."""
    citizen = citizen_or_404(citizen_id)
    form = RestrictForm()
    if not form.validate_on_submit():
        return _refused(citizen, restrict_form=form)
    try:
        case.restrict(citizen, form.ground.data, (form.note.data or "").strip())
    except CitizenChangeError as exc:
        _blame(form, exc)
        return _refused(citizen, restrict_form=form)
    return _done(citizen, "Behandlingen er begrænset. Borgeren er taget ud af matchingen.")


@bp.post("/<int:citizen_id>/ophaev-begraensning")
@consultant_required
def lift_restriction(citizen_id: int):
    """Lift the restriction once the citizen has been told. :raise 404: unknown citizen."""
    citizen = citizen_or_404(citizen_id)
    form = LiftRestrictionForm()
    if not form.validate_on_submit():
        return _refused(citizen, lift_form=form)
    try:
        case.lift_restriction(citizen, (form.note.data or "").strip())
    except CitizenChangeError as exc:
        _blame(form, exc)
        return _refused(citizen, lift_form=form)
    return _done(citizen, "Begrænsningen er ophævet.")


def _erased_notice(citizen_id: int) -> Markup:
    """What an erasure did, as it stands (review BL 1): the portal's rows and files are gone
    now; the matching index drops the citizen when the indexer processes the queued delete.
    Says why that waits when the portal already knows (no call to the search backend here):
    a rebuild running, the process's breaker open, or the indexer's changes waiting for the
    backend (pending rows with an error: ``indexer.worker`` releases them so)."""
    retrying = db.session.scalar(sa.select(sa.func.count()).select_from(OutboxEvent).where(
        OutboxEvent.status == "pending", OutboxEvent.last_error.is_not(None)))
    rebuild = rebuild_progress(db.session)
    if rebuild is not None and not rebuild.stale:
        index = ("En genopbygning af matchingindekset er i gang; borgeren fjernes fra matchingindekset, "
                 "når indekseringen behandler sletningen efter den.")
    elif getattr(matching_service().backend, "open", False) or retrying:
        index = ("Søgeindekset kan ikke nås lige nu; borgeren fjernes fra matchingindekset, "
                 "når søgeindekset svarer igen.")
    else:
        index = "Indekseringen fjerner borgeren fra matchingindekset (normalt inden for få sekunder)."
    return Markup('Borger nr. {} er slettet fra portalen og fillageret. {} Se <a href="{}">Matchingindeks</a>.').format(
        citizen_id, index, url_for("admin.indexer"))


@bp.route("/<int:citizen_id>/slet", methods=["GET", "POST"])
@admin_required
def erase(citizen_id: int):
    """Erase the citizen from the database, the index and the file store (GDPR art. 17).

    Needs a fresh login; a stale one is sent to confirm the password and back here.

    :raise 403: not an administrator.  :raise 404: unknown citizen.
    """
    citizen = citizen_or_404(citizen_id)
    if stale := confirm_first("før du sletter en borger", url_for(".erase", citizen_id=citizen.id)):
        return stale
    form = EraseForm()
    ground = retention.restriction_ground(db.session, citizen.id)
    must_confirm = _must_confirm(citizen, ground)
    confirmed = not must_confirm or request.form.get("erase_despite_restriction") == "ja"
    unconfirmed = form.is_submitted() and not confirmed
    if form.validate_on_submit() and confirmed:
        try:
            case.erase(citizen, form.confirm_name.data, form.purpose.data.strip(), current_user)
        except case.AuditTextError as exc:
            db.session.rollback()
            _blame(form, exc)
        except CitizenChangeError as exc:
            db.session.rollback()
            form.confirm_name.errors.append(exc.message_da)
        else:
            db.session.commit()
            flash(_erased_notice(citizen_id), "success")
            return redirect(url_for(".index"))
    return _erase_page(citizen, form, ground, must_confirm, unconfirmed, 400 if form.errors or unconfirmed else 200)


def _erase_page(citizen, form: EraseForm, ground: str | None, must_confirm: bool, unconfirmed: bool, status: int):
    audited_read(citizen, "erase")
    return render_template("citizens/erase.html", citizen=citizen, form=form,
                           holders=recipients.name_holders(citizen, given=True),
                           restriction_ground=ground, restriction_text=case.RESTRICTION_GROUNDS.get(ground or ""),
                           must_confirm=must_confirm, unconfirmed=unconfirmed,
                           # the same person created twice: this erasure leaves the other record
                           lookalikes=service.likely_duplicates(citizen.name, phone=citizen.phone or "",
                                                                email=citizen.email or "", exclude_id=citizen.id)), status


STALE_ERASE = ("Borgeren blev ændret af en anden, lige mens du slettede, så intet er slettet. Siden viser borgeren, "
               "som den er gemt nu. Det, du skrev, står stadig i formularen: tjek siden, og tryk »Slet borgeren« igen.")


@on_stale("erase")
def stale_erase(citizen_id: int):
    """The erasure refused by the citizen's version check (the delete of a citizen changed
    meanwhile): nothing deleted (rolled back, the CV files kept); the page, as the citizen is
    now, comes back with the purpose and name typed, and why (409). A tick to erase despite a
    restriction is asked for again: the restriction may be new."""
    citizen = citizen_or_404(citizen_id)
    form = EraseForm()
    form.form_errors.append(STALE_ERASE)
    ground = retention.restriction_ground(db.session, citizen.id)
    return _erase_page(citizen, form, ground, _must_confirm(citizen, ground), False, 409)


def _must_confirm(citizen, ground: str | None) -> bool:
    """Whether erasing goes against the restriction's purpose (data kept for a legal claim, or
    restriction chosen over erasure; an unknown ground alike), so it needs an explicit tick."""
    return citizen.restricted and ground not in ("rigtighed", "indsigelse")
