"""Consultant routes under /forloeb: start a placement from a proposal, follow up, end or cancel it.

Consultants and administrators only (company users get 403). Like /borgere, a consultant
may act on any citizen of the job centre; an anonymised citizen is 404. Every page that
shows the citizen writes a "read_citizen" audit event first (fail closed). The rules live
in :mod:`.lifecycle`; these views validate the form, call it and redirect.
"""
from __future__ import annotations

from datetime import timedelta

from flask import abort, flash, redirect, render_template, request, url_for
from markupsafe import Markup
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from .. import company_filter
from ..access import audited_read, citizen_or_404, consultant_required
from ..extensions import db
from ..formutil import attach_error
from ..i18n import format_date
from store.models import Placement, Proposal
from store import clock
from . import bp, followup, lifecycle, retention, service
from .forms import month_label
from .lifecycle_forms import CancelForm, EndForm, FollowUpForm, RetentionForm, StartForm, clean_note
from store.models.vocab import OPENING_KINDS, PLACEMENT_EVENT_KINDS as EVENT_KINDS

CHANGED_MEANWHILE = ("Borgeren blev ændret af en kollega i samme øjeblik, så intet blev gemt. "
                     "Se siden igen, og prøv en gang til.")


@bp.get("/opfoelgning")
@consultant_required
def followups():
    """Running placements of my citizens (or my team's, or all for administrators), flagged;
    ``?kraever=1`` shows only those that need follow-up (the start page's count); ``?side=N``
    pages through them (:data:`.followup.PER_PAGE` a page). ``?virksomhed=<id>`` narrows the
    list to one company's placements (:mod:`portal.company_filter`; within it a consultant may
    pick every citizen, ``omfang=all``, which is then the default), and ``?timer=mangler`` shows
    instead the placements without hours for last month (:func:`.followup.list_followups`), as
    the Code of Care partners' list counts them. A malformed or unknown company, or another
    ``timer``, is said on the page (400/404) and lists nothing."""
    chosen = company_filter.read(request.args)
    hours = request.args.get("timer") or None
    scopes = followup.scopes_for(current_user, chosen.company_id)
    scope = request.args.get("omfang") or ("all" if chosen.company is not None else "mine")
    scope = scope if scope in scopes else "mine"
    sort = request.args.get("sort", "start")
    sort = sort if sort in followup.SORTS else "start"
    today = clock.today()
    previous = service.add_months(service.month_start(today), -1)
    problem, status = chosen.problem, chosen.status
    if problem is None and hours not in (None, followup.MISSING_HOURS):
        problem, status = (f"Ukendt visning af timer. Brug »{followup.MISSING_HOURS}« for forløbene uden timer for "
                           f"{month_label(previous)}. Listen er derfor ikke vist."), 400
    missing = hours == followup.MISSING_HOURS
    view = None if problem else followup.follow_up_view(
        current_user, scope, today, sort, request.args.get("kraever") == "1",
        request.args.get("side", 1, type=int) or 1, chosen.company_id, missing)
    # Every link of the page keeps the list's filters (``dict(args, key=...)`` changes one).
    args = {"omfang": scope, "sort": sort, "kraever": 1 if view and view.flagged_only else None,
            "virksomhed": chosen.company_id, "timer": followup.MISSING_HOURS if missing else None}
    return render_template("placements/followups.html", rows=view.rows if view else [], view=view, scope=scope,
                           scopes=scopes, sort=sort, today=today, args=args, company=chosen.company,
                           problem=problem, last_month=month_label(previous)), status


def _proposal_or_404(proposal_id: int) -> Proposal:
    proposal = db.session.get(Proposal, proposal_id)
    if proposal is None:
        abort(404)
    citizen_or_404(proposal.citizen_id)
    return proposal


def _start_form(proposal: Proposal, today) -> StartForm:
    opening, citizen = proposal.opening, proposal.citizen
    start = opening.start_date if opening.start_date and opening.start_date >= today else today
    end = start + timedelta(weeks=opening.duration_weeks) if opening.duration_weeks else None
    hours = min(opening.hours_max, citizen.hours_available)
    return StartForm(formdata=None, today=today, kind=opening.kind, start_date=start,
                     weekly_hours=hours, planned_end=end)


@bp.route("/ny/<int:proposal_id>", methods=["GET", "POST"])
@consultant_required
def start(proposal_id: int):
    """The start form for a disclosed proposal (GET), and creating the placement (POST).

    :raise 404: unknown proposal or anonymised citizen.  :raise 400: form errors (CSRF included).
    """
    proposal = _proposal_or_404(proposal_id)
    today = clock.today()
    try:
        lifecycle.check_startable(proposal, today)
    except lifecycle.LifecycleError as err:
        flash(err.message, "error")
        # the pair's placement, when there is one (an old »start forløbet« notice), else the proposal
        placed = lifecycle.pair_placement(proposal, today)
        return redirect(url_for("placements.consultant_detail", placement_id=placed.id) if placed is not None
                        else url_for("candidates.proposal", proposal_id=proposal.id))
    form = StartForm(today=today) if request.method == "POST" else _start_form(proposal, today)
    if form.is_submitted() and not form.validate():  # the database's rules too, in the same round
        for err in lifecycle.start_rule_errors(proposal.citizen, _valid(form.kind), _valid(form.weekly_hours),
                                               proposal.opening, form.other_kind_confirmed):
            attach_error(form, err)
    elif form.is_submitted():
        data = lifecycle.StartData(form.kind.data, form.start_date.data, form.weekly_hours.data,
                                   form.planned_end.data, bool(form.mark_filled.data), form.other_kind_confirmed)
        try:
            result = lifecycle.start_placement(proposal, data, current_user, today)
        except lifecycle.LifecycleError as err:
            db.session.rollback()
            attach_error(form, err)
        except StaleDataError:
            db.session.rollback()
            flash(CHANGED_MEANWHILE, "error")
            return redirect(url_for("candidates.proposal", proposal_id=proposal.id))
        else:
            filled = " Opslaget er markeret som besat." if result.filled else ""
            flash(f"Forløbet er startet.{filled}", "success")
            for warning in result.warnings:
                flash(warning, "warning")
            if result.filled:
                _flash_waiting(proposal, today)
            return redirect(url_for("placements.consultant_detail", placement_id=result.placement.id))
    audited_read(proposal.citizen, "placement_start")
    active = lifecycle.active_on_opening(proposal.opening_id, today)
    offer_filled = lifecycle.fills_opening(proposal.opening, today)
    waiting = lifecycle.other_live_proposals(proposal.opening, proposal.id, today) if offer_filled else []
    # The confirmation of another kind than the opening's, offered once such a kind was sent
    # (not for a kind the citizen may not take: that one must be changed anyway).
    ask_kind = (form.kind.data in OPENING_KINDS and form.kind.data != proposal.opening.kind
                and not lifecycle.start_rule_errors(proposal.citizen, form.kind.data, None))
    if not form.other_kind_confirmed:
        form.other_kind.data = False
    return render_template("placements/start.html", proposal=proposal, form=form, active=active,
                           offer_filled=offer_filled, waiting=waiting, ask_kind=ask_kind
                           ), 400 if request.method == "POST" else 200


def _flash_waiting(proposal: Proposal, today) -> None:
    """After a start that filled the opening: the proposals left without a seat, once more."""
    waiting = lifecycle.other_live_proposals(proposal.opening, proposal.id, today)
    if waiting:
        names = ", ".join(p.citizen.name for p in waiting)
        others = "1 andet forslag venter" if len(waiting) == 1 else f"{len(waiting)} andre forslag venter"
        # A link to where they are ended (the flash keeps its Markup through the session).
        flash(Markup("Opslaget er besat, men {} stadig på det ({}). Giv dem og virksomheden besked om, at "
                     'pladsen er besat, og <a href="{}">afslut forslagene på opslagets kandidatside</a>.').format(
            others, names, url_for("candidates.ranking", opening_id=proposal.opening_id)), "warning")


def _valid(field):
    """A field's value when it passed its own checks, else None."""
    return None if field.errors else field.data


def _placement_or_404(placement_id: int) -> Placement:
    placement = db.session.get(Placement, placement_id)
    if placement is None:
        abort(404)
    citizen_or_404(placement.citizen_id)
    return placement


def _detail(placement: Placement, end_form: EndForm | None = None,
            followup_form: FollowUpForm | None = None, status: int = 200,
            retention_forms: dict[int, RetentionForm] | None = None, cancel_form: CancelForm | None = None):
    today = clock.today()
    audited_read(placement.citizen, "placement_page")
    if status == 400:  # the refused form is far down the page: say so at the top
        section = ("fastholdelsen" if retention_forms else "»Registrér opfølgning«" if followup_form is not None
                   else "»Aflys forløbet«" if cancel_form is not None
                   else "»Ret afslutning«" if placement.end_reason else "»Afslut forløb«")
        flash(f"Ikke gemt: ret det, der er markeret under {section} længere nede.", "error")
    if end_form is None:
        end_form = EndForm(formdata=None, start=placement.start_date, today=today,
                           end_date=_suggested_end(placement, today), end_reason=placement.end_reason)
    events = lifecycle.events_of(placement.id)
    return render_template(
        "placements/consultant_detail.html", placement=placement, today=today,
        label=service.placement_label(placement), end_form=end_form,
        name_hidden=service.name_hidden(placement, today),
        followup_form=followup_form or FollowUpForm(formdata=None),
        cancelled=service.is_cancelled(placement),
        followup_open=service.followed_up(placement, today),
        cancel_refusal=lifecycle.cancel_refusal(placement, today),
        cancel_form=cancel_form or CancelForm(formdata=None),
        # No end date can pass while the start is further ahead than an end may be (review BH 11).
        end_from=placement.start_date - lifecycle.MAX_END_AHEAD
        if placement.start_date > today + lifecycle.MAX_END_AHEAD else None,
        logged=sorted(placement.hours, key=lambda h: h.month, reverse=True),
        total=sum((h.hours for h in placement.hours), service.ZERO),
        last_12=service.hours_in_window(placement, today), month_label=month_label,
        events=events, event_kinds=EVENT_KINDS,
        retention=_retention_forms(placement, today, retention_forms or {}),
        retention_applies=retention.applies(placement),
        retention_later=retention.later_placements(placement, today) if retention.applies(placement) else [],
        retention_opens={m: retention.opens_on(placement, m) for m in retention.CHECKPOINTS}
        if retention.applies(placement) else {},
        # the months the follow-up list flags as without hours (the last year's, a week or more run)
        # (none asked while the processing is restricted: no hours are registered meanwhile)
        missing_hours="" if service.is_cancelled(placement) or placement.citizen.restricted else followup.months_text(
            followup.missing_months(placement, today, {h.month for h in placement.hours})),
        # the finished months since the start with no follow-up dated in them (a week or more run)
        missing_followups="" if service.is_cancelled(placement) else followup.months_text(
            followup.months_without_followup(placement, today, followup.followup_dates(events))),
    ), status


def _retention_forms(placement: Placement, today, posted: dict[int, RetentionForm]) -> dict[int, RetentionForm]:
    """Checkpoint months -> its form (a posted one with errors, else prefilled with the answer)."""
    forms = {}
    for months in retention.open_checkpoints(placement, today):
        answer = retention.answer(placement, months)
        forms[months] = posted.get(months) or RetentionForm(
            formdata=None, prefix=f"r{months}",
            employed=None if answer is None else ("ja" if answer else "nej"))
    return forms


def _suggested_end(placement: Placement, today):
    """The stored end (ended or planned) if it may be registered, else today (or the start)."""
    latest = today + lifecycle.MAX_END_AHEAD
    if placement.end_date is not None and placement.start_date <= placement.end_date <= latest:
        return placement.end_date
    return min(max(today, placement.start_date), latest)


def _refused_while_restricted(placement: Placement, what: str) -> bool:
    """Nothing new is registered about a citizen whose processing is restricted (art. 18); the
    page no longer offers it, so a form sent before the restriction is told why."""
    if not placement.citizen.restricted:
        return False
    flash(f"Ikke gemt: der registreres ikke {what}, mens behandlingen af borgerens oplysninger er begrænset.",
          "error")
    return True


@bp.get("/<int:placement_id>/konsulent")
@consultant_required
def consultant_detail(placement_id: int):
    """A placement as the consultant sees it: citizen, hours by month, trail, end/correct forms.

    :raise 404: unknown placement or anonymised citizen.
    """
    return _detail(_placement_or_404(placement_id))


@bp.post("/<int:placement_id>/afslut")
@consultant_required
def end(placement_id: int):
    """End the placement, or correct the end of an ended one (never a delete); a cancelled one is refused.

    :raise 404: unknown placement or anonymised citizen.  :raise 400: form errors.
    """
    placement = _placement_or_404(placement_id)
    today = clock.today()
    if service.is_cancelled(placement):  # the page no longer offers the end form
        flash("Ikke gemt: forløbet er aflyst før start og kan ikke afsluttes eller rettes. Skal borgeren alligevel "
              "i forløb, så start et nyt fra forslaget.", "error")
        return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
    form = EndForm(start=placement.start_date, today=today)
    if not form.validate_on_submit():
        return _detail(placement, end_form=form, status=400)
    try:
        corrected = lifecycle.end_placement(placement, form.end_date.data, form.end_reason.data,
                                            clean_note(form.note.data), current_user, today)
    except lifecycle.LifecycleError as err:
        db.session.rollback()
        attach_error(form, err)
        return _detail(placement, end_form=form, status=400)
    except StaleDataError:
        db.session.rollback()
        flash(CHANGED_MEANWHILE, "error")
        return redirect(url_for("placements.consultant_detail", placement_id=placement_id))
    flash(_ended_message(placement, corrected, today), "success")
    return redirect(url_for("placements.consultant_detail", placement_id=placement.id))


def _ended_message(placement: Placement, corrected: bool, today) -> str:
    """The flash after an end or its correction; an end registered ahead runs until that day
    (:func:`.service.is_active`), so it is not called ended (review AH 5)."""
    if placement.end_date > today:
        ends = f"forløbet slutter {format_date(placement.end_date)} og kører indtil da"
        return f"Afslutningen er rettet: {ends}." if corrected else f"Slutdatoen er registreret: {ends}."
    return "Afslutningen er rettet." if corrected else "Forløbet er afsluttet."


@bp.post("/<int:placement_id>/aflys")
@consultant_required
def cancel(placement_id: int):
    """Cancel a placement that never started (:func:`.lifecycle.cancel_placement`; never a delete).

    The first post with a reason shows a confirmation page and writes nothing; the page posts
    the reason again confirmed (``confirmed=y``), which cancels. A placement that may not be
    cancelled (started, follow-up, already cancelled) is refused with the reason at the top. Hours
    logged before the start are named on the confirmation page and removed with the cancellation.

    :raise 404: unknown placement or anonymised citizen.  :raise 400: an empty or too long reason.
    """
    placement = _placement_or_404(placement_id)
    today = clock.today()
    back = url_for("placements.consultant_detail", placement_id=placement.id)
    if refusal := lifecycle.cancel_refusal(placement, today):
        flash(f"Ikke aflyst: {refusal}", "error")
        return redirect(back)
    form = CancelForm()
    if not form.validate_on_submit():
        return _detail(placement, cancel_form=form, status=400)
    reason = clean_note(form.reason.data)
    if form.confirmed.data != "y":
        audited_read(placement.citizen, "placement_page")
        return render_template("placements/confirm_cancel.html", placement=placement, form=form, back=back,
                               label=service.placement_label(placement), hours=lifecycle.pre_start_hours(placement))
    try:
        lifecycle.cancel_placement(placement, reason, current_user, today, form.timer.data)
    except lifecycle.LifecycleError as err:
        db.session.rollback()
        flash(f"Ikke aflyst: {err.message}", "error")
        return redirect(back)
    except StaleDataError:
        db.session.rollback()
        flash(CHANGED_MEANWHILE, "error")
        return redirect(back)
    flash("Forløbet er aflyst. Det tæller ikke med i målene, og virksomheden ser det som »Aflyst«.", "success")
    if (opening := placement.opening) is not None and opening.status == "filled" \
            and not lifecycle.active_on_opening(opening.id, today):
        # The start may have marked the opening filled; only the company reopens an opening.
        flash(f"Opslaget »{opening.title}« står stadig som besat. Er pladsen ledig igen, så bed {opening.company.name} "
              "om at åbne opslaget igen (»Ret opslag« → status »Åben«).", "warning")
    return redirect(back)


@bp.post("/<int:placement_id>/opfoelgning")
@consultant_required
def follow_up(placement_id: int):
    """Register a follow-up on the placement (a note is required) while it is followed up as
    running (:func:`.lifecycle.followup_refusal`: an end registered ahead takes one until that
    day); an ended or cancelled one is refused with a message.

    :raise 404: unknown placement or anonymised citizen.
    :raise 400: form errors, an empty note, or a placement that has not started yet.
    """
    placement = _placement_or_404(placement_id)
    form = FollowUpForm()
    if _refused_while_restricted(placement, "opfølgning"):
        return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
    if refusal := lifecycle.followup_refusal(placement, clock.today()):  # the page no longer offers it
        flash(refusal, "error")
        return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
    if not form.validate_on_submit():
        return _detail(placement, followup_form=form, status=400)
    try:
        lifecycle.record_followup(placement, clean_note(form.followup_note.data), current_user,
                                  clock.today())
    except lifecycle.LifecycleError as err:
        db.session.rollback()
        not_started = [one.message for one in err.every if one.field is None]
        if not_started:  # the page offers no form before the start: say why at the top
            flash(not_started[0], "error")
            return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
        attach_error(form, err)
        return _detail(placement, followup_form=form, status=400)
    flash("Opfølgningen er registreret.", "success")
    return redirect(url_for("placements.consultant_detail", placement_id=placement.id))


@bp.post("/<int:placement_id>/fastholdelse/<int:months>")
@consultant_required
def record_retention(placement_id: int, months: int):
    """Record whether the citizen is still in the job ``months`` (3 or 6) after the end.

    :raise 404: unknown placement or checkpoint, or anonymised citizen.  :raise 400: form errors.
    """
    if months not in retention.CHECKPOINTS:
        abort(404)
    placement = _placement_or_404(placement_id)
    if _refused_while_restricted(placement, "fastholdelse"):
        return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
    form = RetentionForm(prefix=f"r{months}")
    if not form.validate_on_submit():
        return _detail(placement, retention_forms={months: form}, status=400)
    try:
        retention.record(placement, months, form.employed.data == "ja", current_user, clock.today())
    except retention.RetentionError as err:
        db.session.rollback()
        flash(err.message, "error")
        return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
    flash(f"Fastholdelse efter {months} måneder er registreret.", "success")
    return redirect(url_for("placements.consultant_detail", placement_id=placement.id))
