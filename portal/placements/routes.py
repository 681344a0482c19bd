"""Company routes under /forloeb: a company follows its placements and logs hours per month.

These routes are for company users only; consultants and administrators get 403 here
(their routes, to start, follow up and end placements, are in :mod:`.consultant`). A
placement is loaded by id *and* the current company: another company's is 404. Nothing
about the citizen is shown here (see :mod:`.service`); an ended placement shows its end
reason, never the consultant's note.
"""
from __future__ import annotations

from datetime import date

from flask import flash, redirect, render_template, request, url_for
from flask_login import current_user

from ..access import company_required, get_owned_or_404
from ..extensions import db
from ..i18n import format_hours, format_hours_count
from store.models import Placement
from store import clock
from . import bp, kinds, monthly, plausibility, service
from .forms import HoursForm, month_label, month_value, parse_month, parse_shown, shown_value


@bp.get("/")
@company_required
def index():
    """The company's placements with hours, :data:`.service.PER_PAGE` a page (``?side=N``);
    Code of Care partners also see their results (of every placement, not the page's). The
    month column is the month companies are asked for (:func:`.monthly.default_month`), and a
    month or placement with nothing registered reads "–", never a 0 that looks registered."""
    today = clock.today()
    month = monthly.default_month(today)  # the month companies are asked for (last month until its hours are due)
    page = service.page_for_company(current_user.company_id, today, request.args.get("side", 1, type=int) or 1,
                                    month)
    summary = service.partner_summary(current_user.company_id, today) if current_user.is_code_of_care else None
    return render_template("placements/index.html", rows=page.items, page=page, summary=summary, today=today,
                           month=month_label(month), month_value=month_value(month),
                           contact=service.company_contact(current_user.company))


def _asked_month(placement: Placement, today: date) -> date | None:
    """The month companies are asked for now (:func:`.monthly.default_month`: last month until
    its hours are due, :func:`portal.dates.hours_due`, as /forloeb/timer), if hours may be logged for it."""
    month = monthly.default_month(today)
    return month if month in service.allowed_months(placement, today) else None


def _render_detail(placement: Placement, today: date, form: HoursForm, status: int = 200,
                   question: str | None = None, refresh_shown: bool = False):
    """The placement's page. The hidden ``vist`` keeps what the page showed when first
    rendered: a post shown again (a typo, an expired form, the plausibility question) carries
    it on unchanged, so a colleague's save in between is still refused at the next save
    (review AH 4). It is set from the database for a new page, a post that did not carry it,
    and ``refresh_shown`` (the stale refusal, which shows the other figure deliberately)."""
    paused = service.hours_paused(placement)  # restricted (art. 18): the page says why there is no form
    months = service.allowed_months(placement, today)  # none while restricted
    asked = _asked_month(placement, today)
    if refresh_shown or not form.shown.raw_data:
        form.shown.data = shown_value({h.month: h.hours for h in placement.hours})  # what this page shows now
    return render_template(
        "placements/detail.html", placement=placement,
        label=service.company_labels([placement], today, "company: placement page")[placement.id],
        today=today, form=form, can_log=bool(months), paused=paused, paused_text=service.HOURS_PAUSED,
        logged=sorted(placement.hours, key=lambda h: h.month, reverse=True),
        total=sum((h.hours for h in placement.hours), service.ZERO),
        last_12=service.hours_in_window(placement, today), month_label=month_label,
        contact=service.company_contact(placement.company, placement), question=question,
        months_rule=service.HOURS_MONTHS_RULE, unpaid=kinds.is_unpaid(placement.kind),
        followup_note=kinds.followup_note(placement.kind), asked=asked,
        deadline=monthly.deadline_note(asked, today) if asked else None,
        asked_hours=next((h.hours for h in placement.hours if h.month == asked), None),
    ), status


def _form(placement: Placement, today: date, **kwargs) -> HoursForm:
    return HoursForm(months=service.allowed_months(placement, today), **kwargs)


@bp.get("/<int:placement_id>")
@company_required
def detail(placement_id: int):
    """The placement's months with hours, and the form to log a month.

    ``?maaned=YYYY-MM`` preselects a month and fills in its hours (for editing); without it
    the month companies are asked for is preselected (:func:`_asked_month`: last month until
    the 10th, as /forloeb/timer), never simply the newest.

    :raise 404: if the placement is unknown or another company's.
    """
    placement = get_owned_or_404(Placement, placement_id)
    today = clock.today()
    form = _form(placement, today, formdata=None)
    chosen = parse_month(request.args.get("maaned"))
    if chosen is None or chosen not in service.allowed_months(placement, today):
        chosen = _asked_month(placement, today)
    if chosen is not None:
        form.month.data = month_value(chosen)
        existing = next((h.hours for h in placement.hours if h.month == chosen), None)
        form.hours.data = format_hours(existing) if existing is not None else ""
    return _render_detail(placement, today, form)


def _refuse_stale(placement: Placement, today: date, form: HoursForm, stored):
    """Nothing saved: the month's hours were saved by someone else since the page showed them."""
    form.hours.errors = [*form.hours.errors, monthly.changed_by_another(stored)]
    db.session.expire(placement, ["hours"])  # the page shows (and carries as ``vist``) what is stored now
    return _render_detail(placement, today, form, 400, refresh_shown=True)


def _refuse_paused(placement: Placement):
    """Nothing saved: the citizen's processing is restricted (the page shows no form now)."""
    flash(service.HOURS_NOT_SAVED, "error")
    return redirect(url_for("placements.detail", placement_id=placement.id))


@bp.post("/<int:placement_id>/timer")
@company_required
def log_hours(placement_id: int):
    """Log (or correct) the hours of one month.

    Hours far above the placement's weekly hours are saved only once confirmed: the page asks
    (:mod:`.plausibility`), keeping what was typed, and saves when the same figure comes back.

    As on /forloeb/timer, a month whose hours someone saved since the page showed them (hidden
    ``vist``) is refused at the field with the other figure, the typed one kept; the page then
    shows the stored hours, so saving again overwrites them deliberately. The write itself is
    conditional on the shown figure (:func:`.service.log_hours`), for two saves at once too.

    While the citizen's processing is restricted nothing is saved (:func:`.service.refuse_if_paused`,
    the page no longer offers the form): back to the page, saying why.

    :raise 404: if the placement is unknown or another company's.
    :raise 400: with the form's Danish errors for bad input (CSRF included).
    """
    placement = get_owned_or_404(Placement, placement_id)
    today = clock.today()
    if service.hours_paused(placement):
        return _refuse_paused(placement)
    form = _form(placement, today)
    if not form.validate_on_submit():
        return _render_detail(placement, today, form, 400)
    month = form.parsed_month
    stored = service.stored_hours(placement.id, month)
    shown = parse_shown(form.shown.data)
    expected = stored if shown is None else shown.get(month)
    if expected != stored and form.parsed_hours != stored:
        return _refuse_stale(placement, today, form, stored)
    question = plausibility.warning(placement, month, form.parsed_hours, month_label(month))
    token = plausibility.confirmation_token(month, form.parsed_hours)
    if question and form.confirmed.data != token:
        form.confirmed.data = token
        return _render_detail(placement, today, form, question=question)
    try:
        _row, old = service.log_hours(placement, month, form.parsed_hours, current_user, expected=stored)
    except service.StaleHours as stale:
        return _refuse_stale(placement, today, form, stale.current)
    except service.HoursPaused:  # restricted since the check above
        db.session.rollback()
        return _refuse_paused(placement)
    new = format_hours_count(form.parsed_hours)
    change = f"gemt: {new}" if old is None else f"rettet fra {format_hours(old)} til {new}"
    flash(f"Timer for {month_label(month)} er {change}.", "success")
    if late := monthly.late_note(month, today):
        flash(late, "info")
    return redirect(url_for("placements.detail", placement_id=placement.id))
