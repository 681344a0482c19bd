"""/admin/indsigt/<id>: the answer to a citizen's request for access (GDPR art. 15, review AU 1).

Administrators only: the answer holds the access log (an administrator's page) and the
skånehensyn, which only the citizen's own case workers read without a purpose, and answering a
request for access is the data controller's task, which the job centre gives its administrators
and DPO, not the consultant on the case. As the other exports, each needs a fresh login, and
each reading is audited before anything is gathered (fail closed, 503): ``citizen_access_export``
with how it was read (``html``, ``json``, ``zip``), and, since it shows the skånehensyn, a
``read_limitations`` through the glass with the purpose »indsigt efter art. 15«.

- the page: readable Danish, one section after another, and printable (the menus, links and
  buttons are left out of the print, :file:`css/access-export.css`);
- ``.json``: the same data, machine-readable;
- ``.zip``: the JSON and every stored CV file (``cv/<nr>-<name>``, the name as the CV page
  downloads it, :func:`portal.citizens.uploads.download_name`).

:raise 403: anyone but an administrator. :raise 404: unknown or anonymised citizen.
"""
from __future__ import annotations

import io
import zipfile
from datetime import date, datetime
from decimal import Decimal
from pathlib import Path

from flask import Response, abort, current_app, make_response, render_template, url_for
from flask_login import current_user

from store import clock
from store.models import Citizen

from .. import audit
from ..access import AUDIT_DOWN, admin_required, citizen_or_404
from ..auth.sessions import confirm_first
from ..citizens.uploads import download_name
from ..errors import render_error
from ..i18n import format_date, format_number
from . import access_export, bp

def _log(citizen: Citizen, how: str) -> None:
    """Audit the export before anything is gathered. :raise 503: the log cannot be written."""
    try:
        audit.record_many_now([
            {"action": "citizen_access_export", "citizen_id": citizen.id, "purpose": how},
            {"action": "read_limitations", "citizen_id": citizen.id, "purpose": "break-glass: indsigt efter art. 15"}])
    except audit.AuditWriteError as exc:
        current_app.logger.error("citizen_access_export not logged for citizen %s: %s", citizen.id, exc)
        abort(make_response(*render_error(503, AUDIT_DOWN)))


def _ready(citizen_id: int) -> tuple[Citizen | None, Response | None]:
    """The citizen once the login is fresh (or the confirmation's redirect); the caller audits."""
    page = url_for(".citizen_access", citizen_id=citizen_id)
    if stale := confirm_first("før du laver et udtræk til indsigt", page):
        return None, stale
    return citizen_or_404(citizen_id), None


def _sections(citizen: Citizen) -> list[dict]:
    config = current_app.config
    made_by = f"{current_user.name} ({current_user.email})"
    return access_export.gather(citizen, retention_days=int(config["RETENTION_DAYS"]), made_by=made_by,
                                organisation=config["ORGANISATION_NAME"])


def shown(value) -> str:
    """A value of the export as the page shows it."""
    if value is None or value == "" or value == []:
        return "–"
    if isinstance(value, bool):
        return "Ja" if value else "Nej"
    if isinstance(value, (date, datetime)):
        return format_date(value)
    if isinstance(value, (float, Decimal)):
        return format_number(value, 2, trim=True)
    return str(value)


def as_table(value) -> bool:
    """Whether a list is shown as a table: records of short, plain values (the access log's rows,
    hours, consents, messages); records holding lists or long texts are shown one by one."""
    return (isinstance(value, list) and bool(value) and all(isinstance(item, dict) for item in value)
            and all(not isinstance(inner, (dict, list)) and len(shown(inner)) <= 300
                    for item in value for inner in item.values()))


@bp.get("/indsigt/<int:citizen_id>")
@admin_required
def citizen_access(citizen_id: int):
    """The export as a page."""
    citizen, stale = _ready(citizen_id)
    if stale:
        return stale
    _log(citizen, "html")
    return render_template("admin/citizen_access.html", citizen=citizen, sections=_sections(citizen), shown=shown,
                           as_table=as_table)


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})


@bp.get("/indsigt/<int:citizen_id>.json")
@admin_required
def citizen_access_json(citizen_id: int):
    """The export as one JSON file."""
    citizen, stale = _ready(citizen_id)
    if stale:
        return stale
    _log(citizen, "json")
    return _download(access_export.as_json(_sections(citizen)), "application/json",
                     f"indsigt-borger-{citizen.id}-{clock.today().isoformat()}.json")


@bp.get("/indsigt/<int:citizen_id>.zip")
@admin_required
def citizen_access_zip(citizen_id: int):
    """The JSON and every stored CV file in one ZIP file."""
    citizen, stale = _ready(citizen_id)
    if stale:
        return stale
    _log(citizen, "zip")
    folder = Path(current_app.config["UPLOAD_FOLDER"])
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("indsigt.json", access_export.as_json(_sections(citizen)))
        for cv in citizen.cv_documents:
            if cv.stored_name and (path := folder / cv.stored_name).is_file() and path.parent == folder:
                # The name the CV page downloads it under (review AV 5): æøå kept, as UTF-8 in the ZIP.
                archive.write(path, f"cv/{cv.id}-{download_name(cv.original_filename, cv.content_type)}")
    return _download(out.getvalue(), "application/zip", f"indsigt-borger-{citizen.id}-{clock.today().isoformat()}.zip")
