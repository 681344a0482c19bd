"""The administrator's import page: upload, dry run or import, the report, template files.

Uploads here may be larger than the portal's 5 MB form limit (``IMPORT_MAX_CONTENT_LENGTH``,
default 50 MB). The limit is raised for this request before the body is read, which is
why the view checks the CSRF token itself (``csrf.protect()``) instead of the app-wide
hook that would read the body first under the small limit. Too large a file gets the page
again with a Danish message (status 413), not a bare error page.

:raise 403: for anyone but an administrator (the import writes personal data in bulk).
"""
from __future__ import annotations

import sqlalchemy as sa
from flask import Response, abort, current_app, render_template, request, url_for
from flask_login import current_user
from werkzeug.exceptions import RequestEntityTooLarge

from .. import name_order
from ..access import admin_required
from ..auth.sessions import confirm_first
from ..extensions import csrf
from ..i18n import format_number
from .. import files
from ..extensions import db
from ..formutil import choices
from store import clock
from store.models import Team
from . import bp
from .citizens import COLUMNS as CITIZEN_COLUMNS
from .forms import ImportForm
from .openings import COLUMNS as OPENING_COLUMNS
from .runner import KINDS, MAX_ROWS, NO_TEAM_WARNING, STATUS_LABELS, run_import
from .template import render_template_xlsx
from .wage_hours import COLUMNS as WAGE_HOUR_COLUMNS, run_wage_hours

DEFAULT_MAX_BYTES = 50 * 1024 * 1024
# The page imports within the request (gunicorn's timeout is 60 s); larger files go to the CLI.
DEFAULT_WEB_MAX_ROWS = 1_000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _max_bytes() -> int:
    return int(current_app.config.get("IMPORT_MAX_CONTENT_LENGTH", DEFAULT_MAX_BYTES))


def _web_max_rows() -> int:
    return int(current_app.config.get("IMPORT_WEB_MAX_ROWS", DEFAULT_WEB_MAX_ROWS))


def team_choices(form: ImportForm) -> ImportForm:
    """``form`` with the teams to put a new citizen without a VK on (none: 0), the importing
    user's own team chosen when nothing was sent."""
    teams = db.session.execute(sa.select(Team.id, Team.name).order_by(*name_order.order_by(Team.name, Team.id))).all()
    form.team.choices = choices([(0, "– intet team: borgeren står kun under »Alle borgere« –"),
                                 *((team_id, name) for team_id, name in teams)])
    if not form.team.raw_data and current_user.team_id:
        form.team.data = current_user.team_id
    return form


def _page(form: ImportForm | None = None, report=None, status: int = 200, error: str = ""):
    forms = {kind: team_choices(ImportForm(formdata=None, prefix=kind)) for kind in KINDS}
    if form is not None:
        forms[form.kind] = form
    return render_template("imports/index.html", forms=forms, report=report, error=error,
                           citizen_columns=CITIZEN_COLUMNS, opening_columns=OPENING_COLUMNS,
                           wage_hour_columns=WAGE_HOUR_COLUMNS,
                           status_labels=STATUS_LABELS, no_team_warning=NO_TEAM_WARNING, max_mb=_max_bytes() // (1024 * 1024),
                           max_rows=format_number(_web_max_rows())), status


@bp.get("/")
@admin_required
def index():
    """The upload page with both imports and the column lists."""
    if stale := confirm_first("før du importerer data", url_for(".index")):
        return stale
    return _page()


@bp.post("/")
@csrf.exempt
@admin_required
def upload():
    """Run a dry run or an import of the uploaded file and show the report on the page."""
    request.max_content_length = _max_bytes()
    too_large = (f"Filen er for stor. Den må højst fylde {_max_bytes() // (1024 * 1024)} MB. "
                 "Del den op, eller brug kommandoen »flask --app portal import«.")
    try:
        csrf.protect()
        if stale := confirm_first("før du importerer data", url_for(".index")):
            return stale
        kind = request.form.get("kind", "")
        if kind not in KINDS:
            return _page(status=400, error="Ukendt type import. Genindlæs siden, og prøv igen.")
        form = team_choices(ImportForm(prefix=kind))
        valid = form.validate()
    except RequestEntityTooLarge:
        return _page(status=413, error=too_large)
    # A CSRFError goes to the application's handler, as on every other form: logged
    # ("csrf_failed"), and an expired session or a proxy's wrong Host header said so.
    if not valid:
        return _page(form, status=400)
    upload_file = form.file.data
    cvs = form.cvs.data if kind == "citizens" and form.cvs.data and form.cvs.data.filename else None
    too_many = (f"Filen har mere end {format_number(_web_max_rows())} rækker, som er grænsen for "
                f"upload her på siden. Brug kommandoen »flask --app portal import {_command(kind)} "
                f"FIL« på serveren (op til {format_number(MAX_ROWS)} rækker), eller del filen op.")
    if kind == "wage_hours":
        report = run_wage_hours(upload_file.stream, _shown_name(upload_file.filename),
                                actor=current_user._get_current_object(), dry_run=form.mode.data == "dry",
                                max_rows=_web_max_rows(), too_many=too_many)
        return _page(form, report, status=422 if report.file_problems else 200)
    report = run_import(kind, upload_file.stream, _shown_name(upload_file.filename),
                        actor=current_user._get_current_object(), dry_run=form.mode.data == "dry",
                        cvs=cvs.stream if cvs else None, cv_folder=files.current().folder,
                        lookalikes=form.lookalikes.data if kind == "citizens" else "refuse",
                        # 0: »intet team« chosen; not sent: the runner's default, the user's team
                        team_id=form.team.data if kind == "citizens" and form.team.raw_data else None,
                        max_rows=_web_max_rows(), too_many=too_many)
    return _page(form, report, status=422 if report.file_problems else 200)


def _command(kind: str) -> str:
    """The CLI's sub-command for ``kind`` (portal.imports.cli)."""
    return "wage-hours" if kind == "wage_hours" else kind


def _shown_name(filename: str | None) -> str:
    name = (filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    return "".join(ch for ch in name if ch.isprintable())[:120] or "fil"


@bp.get("/skabelon/<kind>.xlsx")
@admin_required
def template(kind: str):
    """The example file with headers, one example row and a guide sheet.

    :raise 404: unknown kind.
    """
    if kind not in KINDS:
        abort(404)
    body = render_template_xlsx(kind, clock.today())
    name = f"jobbro-import-{KINDS[kind]}.xlsx"
    return Response(body, mimetype=XLSX, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                  "Cache-Control": "no-store"})
