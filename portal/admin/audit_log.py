"""/admin/adgangslog: the audit log, read-only, for administrators (review E4), and its CSV file.

Who read or changed what, when and with which result: filtered by citizen number (the
answer to a citizen's request for access, GDPR art. 15), user, action, result and period;
newest first, :data:`~.audit_view.PER_PAGE` events a page. Both the page and the file need
a fresh login, and each reading is itself an audit event (``audit_log_viewed``,
``audit_log_exported``, with the filters as codes and numbers) written before anything is
shown: if it cannot be written, nothing is shown (503), as for any read of citizen data.

:raise 403: for anyone but an administrator.
"""
from __future__ import annotations

from flask import Response, abort, current_app, flash, make_response, redirect, render_template, request, url_for

from .. import audit
from ..access import admin_required
from ..auth.sessions import confirm_first
from ..errors import render_error
from ..exports import render_csv
from ..i18n import format_number
from store import clock
from . import audit_view, bp

AUDIT_DOWN = "Adgangsloggen kan ikke vises lige nu, fordi læsningen af den ikke kan logges. Prøv igen om lidt."
# Quick filters for what is most often looked for; each is an ordinary filter of the page.
SHORTCUTS = (("Mislykkede log-ind", {"handling": "login_failed"}),
             ("Adgang nægtet", {"handling": "authorisation_denied"}),
             ("Skånehensyn læst", {"handling": "read_limitations"}),
             ("Sletninger", {"handling": "citizen_erased"}),
             ("Alle afviste og fejlede", {"afviste": "y"}))


def _this_page() -> str:
    """The page as requested, filters included, for coming back after a password confirmation
    (as typed: ``confirm_first`` knows it is the page itself, not a download link on it)."""
    return request.full_path.rstrip("?")


def _log_reading(action: str, filters: audit_view.Filters, extra: str = "") -> None:
    """Audit the reading before anything is shown. :raise 503: the log cannot be written."""
    try:
        audit.record_now(action, citizen_id=filters.citizen_id, purpose=f"{filters.described()}{extra}")
    except audit.AuditWriteError as exc:
        current_app.logger.error("%s not logged: %s", action, exc)
        abort(make_response(*render_error(503, AUDIT_DOWN)))


@bp.get("/adgangslog")
@admin_required
def audit_log():
    """One page of audit events, newest first, with the filters of the query string.

    A filter that does not parse is shown at its field, and no events are listed (never the
    whole log in place of the one asked for).
    """
    if stale := confirm_first("før du ser adgangsloggen", _this_page()):
        return stale
    form = audit_view.AuditFilterForm(request.args)
    if not form.validate():
        return render_template("admin/audit_log.html", form=form, page=None, rows=[], filters=None,
                               shortcuts=SHORTCUTS), 400
    filters = form.filters()
    page_number = form.side.data or 1
    _log_reading("audit_log_viewed", filters, f" page:{page_number}")
    page = audit_view.page_of(filters, page_number)
    return render_template("admin/audit_log.html", form=form, page=page, rows=audit_view.rows_of(page.items),
                           filters=filters, shortcuts=SHORTCUTS,
                           citizen_exists=audit_view.citizen_exists(filters.citizen_id),
                           max_export=audit_view.MAX_EXPORT_ROWS)


@bp.get("/adgangslog.csv")
@admin_required
def audit_log_csv():
    """The events of the page's filters as a CSV file (Danish Excel; cells formula-safe).

    At most :data:`~.audit_view.MAX_EXPORT_ROWS` events: a larger selection is sent back to
    the page with a message to narrow it.
    """
    page_url = url_for(".audit_log", **request.args.to_dict(flat=True))
    if stale := confirm_first("før du henter adgangsloggen", page_url):
        return stale
    form = audit_view.AuditFilterForm(request.args)
    if not form.validate():
        return redirect(page_url)
    filters = form.filters()
    total = audit_view.count_of(filters)
    if total > audit_view.MAX_EXPORT_ROWS:
        flash(f"Udvalget har {format_number(total)} hændelser, og en fil kan højst have "
              f"{format_number(audit_view.MAX_EXPORT_ROWS)}. Afgræns med periode, handling, bruger eller borger.",
              "error")
        return redirect(page_url)
    _log_reading("audit_log_exported", filters, f" rows:{total}")
    rows = audit_view.rows_of(audit_view.all_of(filters))
    body = render_csv(audit_view.CSV_HEADER, [row.csv() for row in rows])
    name = f"adgangslog-{clock.today().isoformat()}.csv"
    return Response(body, mimetype="text/csv", headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                         "Cache-Control": "no-store"})
