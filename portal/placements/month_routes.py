"""Company routes for one month of all placements: /forloeb/timer (hours) and its payroll export.

Company users only (others get 403, as in :mod:`.routes`). The placements are always the
current company's; the form's placement ids are never read, only ``timer-<id>`` for the
placements the page lists. The rules are in :mod:`.monthly` and :mod:`.payroll`.
"""
from __future__ import annotations

from datetime import date

from flask import Response, flash, redirect, render_template, request, url_for
from flask_login import current_user

from .. import audit
from ..access import company_required
from ..auth.sessions import confirm_first
from ..formutil import DanishForm
from . import bp, monthly, payroll, service
from .forms import month_label, month_value
from store import clock


def _chosen_month(today: date) -> tuple[date, str | None]:
    """The month asked for by ``?maaned=YYYY-MM`` (or the default) and a Danish notice if refused."""
    default = monthly.default_month(today)
    month, refused = monthly.chosen_month(request.args.get("maaned"), today)
    if refused:
        return default, f"{refused} Viser {month_label(default)}."
    return month or default, None


def _refuse(message: str):
    """Nothing saved or sent for a refused month: back to the page (the default month), saying why."""
    flash(message, "error")
    return redirect(url_for("placements.hours_month"))


def _render(month: date, today: date, page, form: DanishForm, notice: str | None = None, status: int = 200):
    previous = service.add_months(month, -1)
    following = service.add_months(month, 1)
    rows = page.items
    return render_template(
        "placements/hours_month.html", month=month, rows=rows, page=page, form=form, notice=notice,
        month_label=month_label, month_value=month_value, today=today,
        default_rule=monthly.default_month_rule(today),
        previous=previous if previous >= monthly.earliest_month(today) else None,
        earliest=monthly.earliest_month(today), following=following if following <= monthly.latest_month(today) else None,
        errors=sum(1 for row in rows if row.error), questions=sum(1 for row in rows if row.question),
        months_rule=service.HOURS_MONTHS_RULE, deadline=monthly.deadline_note(month, today),
    ), status


def _side() -> int:
    return request.args.get("side", 1, type=int) or 1


def _posted_ids() -> list[int]:
    """The placement ids of the ``timer-<id>`` inputs posted (looked up as the company's by
    :func:`.monthly.month_page`, never trusted)."""
    names = (name.removeprefix("timer-") for name in request.form if name.startswith("timer-"))
    return [int(name) for name in names if name.isdigit() and len(name) < 12][:monthly.PER_PAGE * 2]


@bp.get("/timer")
@company_required
def hours_month():
    """The company's placements that run in the month, with their hours, editable in one form a
    page (:data:`.monthly.PER_PAGE` a page, ``?side=N``; a page past the end is the last one)."""
    today = clock.today()
    month, notice = _chosen_month(today)
    page = monthly.month_page(current_user.company_id, month, today, _side())
    return _render(month, today, page, DanishForm(), notice)


@bp.post("/timer")
@company_required
def save_hours_month():
    """Save the hours of every row of the posted page (``?side=N``); with any bad row nothing is
    saved and every input is kept.

    A row counts as changed only against the hours the page showed (``vist-<id>``), so a
    stale page never reverts another user's save; a row changed on both sides is refused at
    its field (:func:`.monthly.read_input`).

    Implausible figures (far above the weekly hours) are asked about first, every input
    kept; the next post with the same figures saves them.

    :raise 400: with the Danish error beside each bad row (or a missing CSRF token).
    """
    today = clock.today()
    month, refused = monthly.chosen_month(request.args.get("maaned"), today)
    if refused:
        return _refuse(f"{refused} Timerne er ikke gemt.")
    month = month or monthly.default_month(today)
    page = monthly.month_page(current_user.company_id, month, today, _side(), _posted_ids())
    rows = page.items
    form = DanishForm()
    if not form.validate_on_submit():
        form.form_errors.append("Formularen var udløbet. Dine tal er ikke gemt; tjek dem, og gem igen.")
        monthly.read_input(rows, request.form)
        return _render(month, today, page, form, status=400)
    changes = monthly.read_input(rows, request.form)
    if any(row.error for row in rows):
        return _render(month, today, page, form, status=400)
    if monthly.ask_implausible(rows, changes, month, request.form):
        return _render(month, today, page, form)
    count = monthly.save(rows, changes, month, current_user)
    if count is None:  # another save landed first on a row this one changed: nothing is saved,
        # the row is refused with the other figure; confirmed figures stay confirmed
        monthly.ask_implausible(rows, changes, month, request.form)
        return _render(month, today, page, form, status=400)
    flash(f"Timer for {month_label(month)} er gemt for {count} forløb." if count
          else f"Ingen ændringer i timerne for {month_label(month)}.", "success")
    if count and (late := monthly.late_note(month, today)):
        flash(late, "info")
    if others := sum(1 for row in rows if row.notice):
        flash(f"{others} forløb havde fået nye timer af en anden, mens du havde siden åben. Du havde ikke "
              f"rettet {'det' if others == 1 else 'dem'}, så de står, som den anden gemte dem.", "info")
    return redirect(url_for("placements.hours_month", maaned=month_value(month),
                            side=page.page if page.page > 1 else None))


@bp.get("/timer/eksport.<any(xlsx, csv):fmt>")
@company_required
def export_hours_month(fmt: str):
    """The month's rows for payroll as XLSX or CSV (fresh login; audited; no CPR, no case data)."""
    today = clock.today()
    month, refused = monthly.chosen_month(request.args.get("maaned"), today)
    if refused:
        return _refuse(f"{refused} Der er ikke hentet nogen fil.")
    month = month or monthly.default_month(today)
    if stale := confirm_first("før du henter timerne", url_for("placements.hours_month",
                                                                maaned=month_value(month))):
        return stale
    rows = payroll.month_lines(current_user.company_id, month, today)
    audit.record_now("export_hours", purpose=f"company:{current_user.company_id} {month:%Y-%m} {fmt} "
                                             f"rows:{len(rows)}")
    body = payroll.render(fmt, f"Timer {month_label(month)}", rows)  # »Timer november 2026«, as the cells
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(body, mimetype=mimetype, headers={
        "Content-Disposition": f'attachment; filename="timer-{month:%Y-%m}.{fmt}"', "Cache-Control": "no-store"})
