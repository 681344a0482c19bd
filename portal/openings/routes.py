"""Routes under /opslag: a company lists, creates, edits and closes its own openings.

Only company users come here (403 for everyone else); an opening of another company,
or an id that cannot exist, is 404. Consultants see openings in the candidates area.
"""
from __future__ import annotations

from flask import abort, flash, redirect, render_template, request, url_for
from flask_login import current_user

from matching.geo import POSTCODES
from ..access import company_required, get_owned_or_404
from store.models import Opening
from ..interviews.queries import held_among
from .. import merge, once
from ..placements.service import company_contact
from store import clock
from . import bp, candidate_list, conflict, interview_times, progress, requirements, service
from .forms import KIND_HELP, CloseForm, OpeningForm, form_values, publishing_form

def _own_opening(opening_id: int) -> Opening:
    """The current company's opening ``opening_id``.

    Ids a database column cannot hold never get here: the app's ``int`` converter
    already answers 404 for them.

    :raise 404: if the id is unknown or another company's.
    """
    return get_owned_or_404(Opening, opening_id)


def _render_form(form: OpeningForm, opening: Opening | None, form_id: str | None = None,
                 left_behind: requirements.Preview | None = None):
    return render_template("openings/form.html", form=form, opening=opening,
                           kind_help=KIND_HELP, postcodes=POSTCODES, form_id=form_id, left_behind=left_behind)


def _flash_warnings(form: OpeningForm) -> None:
    for note in form.warnings():
        flash(note, "warning")


@bp.get("/")
@company_required
def index():
    """The company's openings with their shared-candidate counts, and per opening the candidates
    with interview times to choose and the booked interviews ahead (review W 4)."""
    rows = service.list_for_company(current_user.company_id)
    return render_template("openings/index.html", rows=rows,
                           interviews=interview_times.counts_by_opening(current_user.company_id, clock.utcnow()))


@bp.route("/ny", methods=["GET", "POST"])
@company_required
def new():
    """Create an opening for the current user's company.

    The same rendered form sent again (a double click, Back and send) creates nothing: it
    goes to the opening the first one created (:mod:`portal.once`); sent again with other
    values, it comes back with them to be sent as a new opening.
    """
    form = OpeningForm()
    if form.validate_on_submit():
        sent, repeat = once.guard(
            url_for("openings.index"), "Opslaget er allerede oprettet.",
            "Opslaget fra denne formular er allerede oprettet (se »Opslag«), så det, du har ændret, "
            "er ikke gemt. Tryk »Opret opslag« igen for at oprette endnu et opslag med det.")
        if repeat is not None:
            return repeat
        if sent.repeated:
            return _render_form(form, None, once.form_id()), 409
        opening = service.create_opening(current_user.company_id, current_user.id, form.to_data())
        once.done(sent, url_for("openings.detail", opening_id=opening.id))
        flash(f"Opslaget »{opening.title}« er oprettet.", "success")
        _flash_warnings(form)
        return redirect(url_for("openings.detail", opening_id=opening.id))
    return _render_form(form, None, once.form_id())


@bp.get("/<int:opening_id>")
@company_required
def detail(opening_id: int):
    """One opening and the candidates shared so far (pseudonyms; names only after disclosure).

    :raise 404: if the opening is not the current company's.
    """
    opening = _own_opening(opening_id)
    listed = candidate_list.for_opening(opening)  # split and worded as the candidate export (review AM 7)
    return render_template("openings/detail.html", opening=opening,
                           town=service.town_of(opening.postcode), listed=listed,
                           status_text=candidate_list.status_text,
                           # a "declined" after the held interview is said as the outcome it was
                           after_interview=held_among(c.proposal_id for c in listed.shared
                                                                 if c.response == "declined"),
                           places=service.places(opening),
                           # times to choose and booked interviews, on the card (review W 4)
                           interviews=interview_times.by_candidate(opening.company_id, opening.id,
                                                                   clock.utcnow()),
                           search=progress.search_state(opening),
                           contact=company_contact(current_user.company),
                           close_form=CloseForm())


@bp.route("/<int:opening_id>/rediger", methods=["GET", "POST"])
@company_required
def edit(opening_id: int):
    """Edit an opening; a form loaded before someone else's save is refused. A change of the
    requirements that leaves candidates shown to the company behind asks first (review W1).

    :raise 404: if the opening is not the current company's.
    """
    opening = _own_opening(opening_id)
    form = OpeningForm(obj=opening, current_status=opening.status, stored_start=opening.start_date,
                       places=service.places(opening))
    if not form.is_submitted():
        form.base.data = conflict.fingerprints(opening)
    if form.validate_on_submit():
        # New requirements that candidates shown to the company no longer meet: said first,
        # saved once confirmed (review W1; the confirmation names the count it was shown).
        preview = requirements.newly_unfit(opening, form.to_data())
        if preview.leaves and request.form.get("left_behind") != str(preview.leaves):
            return _render_form(form, opening, left_behind=preview)
        try:
            saved = service.update_opening(opening, form.to_data(), _int_or_none(form.version.data))
        except service.StaleOpening:
            return _stale_edit(form, opening)
        if saved:
            flash(f"Ændringerne i »{opening.title}« er gemt.", "success")
            if saved.left_behind:
                n = saved.left_behind
                flash(f"{n} {'kandidat' if n == 1 else 'kandidater'} opfylder ikke opslagets nye krav og står nu som "
                      "»ikke aktuel lige nu«. I skal ikke svare på "
                      f"{'kandidaten' if n == 1 else 'dem'}; jobcentret har fået besked og kontakter jer.", "info")
            if saved.opened:
                flash(_opened_message(saved, service.places(opening).free), "info")
            _flash_warnings(form)
        else:
            flash("Der var ingen ændringer at gemme.", "info")
        return redirect(url_for("openings.detail", opening_id=opening.id))
    return _render_form(form, opening)


def _opened_message(saved: service.Saved, free: int) -> str:
    """What the company is told when its edit made the opening open (review W7); with no free
    place (every place taken or promised to a hire) no candidate can start (review Z 9)."""
    done = "er åbent igen" if saved.opened == "reopened" else "er slået op"
    if free == 0:
        return (f"Opslaget {done}, men alle pladser er besat, så ingen ny kandidat kan starte. Hæv antallet "
                "af pladser, hvis I vil have flere kandidater.")
    if saved.told:
        return f"Opslaget {done}, og jobcentret har fået besked. Jobcentret finder nu kandidater til det."
    return f"Opslaget {done}, og jobcentret kan finde kandidater til det."


def _stale_edit(form: OpeningForm, opening: Opening):
    """Someone saved the opening while this form was open: nothing is saved. The form comes back
    with this user's changes on top of the other person's (:func:`.conflict.merge`), the fields
    the other person changed named with their values, and the saved version's number and
    fingerprint, so saving again keeps both; a field both changed keeps this user's value.

    :return: the form with status 409.
    """
    merged = conflict.merge(opening, form.to_data(), form.base.data)
    again = OpeningForm(formdata=form_values(merged.data), current_status=opening.status,
                        stored_start=opening.start_date, places=service.places(opening))
    again.version.data, again.base.data = str(opening.version), conflict.fingerprints(opening)
    labels = {name: again[name].label.text for name in merged.theirs}
    theirs = [f"{labels[n]} ({conflict.shown_value(n, getattr(opening, n))})"
              for n in merged.theirs if n not in merged.both]
    both = [f"{labels[n]} (den anden: {conflict.shown_value(n, getattr(opening, n))})" for n in merged.both]
    again.form_errors.append(merge.conflict_message("Opslaget", theirs, both))
    return _render_form(again, opening), 409


@bp.route("/<int:opening_id>/luk", methods=["GET", "POST"])
@company_required
def close(opening_id: int):
    """Confirm (GET: what closing means for the candidates waiting), then close the opening
    (POST: it leaves matching; it can be reopened by editing its status).

    :raise 404: if the opening is not the current company's.
    :raise 400: a POST without a valid CSRF token.
    """
    opening = _own_opening(opening_id)
    if request.method == "GET":
        if opening.status == "closed":
            return redirect(url_for("openings.detail", opening_id=opening_id))
        # The booked interviews ahead that the company is shown: closing does not cancel them.
        booked = interview_times.interviews_for_company(opening.company_id, clock.utcnow(), opening.id)[1]
        return render_template("openings/close.html", opening=opening, close_form=CloseForm(),
                               waiting=service.awaiting_answer(opening), booked=booked)
    if not CloseForm().validate_on_submit():
        abort(400)
    try:
        closed = service.close_opening(opening)
    except service.StaleOpening:
        flash("Opslaget blev ændret samtidig. Prøv igen.", "error")
        return redirect(url_for("openings.detail", opening_id=opening_id))
    if closed:
        flash(f"Opslaget »{opening.title}« er lukket.", "success")
    else:
        flash("Opslaget var allerede lukket.", "info")
    return redirect(url_for("openings.detail", opening_id=opening_id))


@bp.post("/<int:opening_id>/slaa-op")
@company_required
def publish(opening_id: int):
    """Publish a draft (status open), so the job centre finds candidates for it; the same
    service step as an edit to "Åben" and as the API's publish (:func:`.service.update_opening`).
    An opening the edit form would refuse as open (a start date already passed) is not published:
    the company is sent to the form with what to fix.

    :raise 404: if the opening is not the current company's.
    :raise 400: without a valid CSRF token.
    """
    opening = _own_opening(opening_id)
    if not CloseForm().validate_on_submit():
        abort(400)
    back = redirect(url_for("openings.detail", opening_id=opening_id))
    if opening.status != "draft":
        flash("Opslaget er ikke en kladde og er ikke slået op igen.", "info")
        return back
    form = publishing_form(opening)
    if form.errors:
        flash("Opslaget er ikke slået op: " + " ".join(e for errors in form.errors.values() for e in errors)
              + " Ret opslaget, og vælg status »Åben«.", "error")
        return redirect(url_for("openings.edit", opening_id=opening_id))
    try:
        service.update_opening(opening, form.to_data(), _int_or_none(request.form.get("version")))
    except service.StaleOpening:
        flash("Opslaget blev ændret samtidig. Se det igen, og slå det op.", "error")
        return back
    flash(f"Opslaget »{opening.title}« er slået op. Jobcentret finder nu kandidater til det.", "success")
    return back


def _int_or_none(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
