"""/admin/indsigt/<id>: the answer to a citizen's request for access (GDPR art. 15, review AU 1).

Administrators only: the answer holds the access log (an administrator's page) and the
skånehensyn, which only the citizen's own case workers read without a purpose, and answering a
request for access is the data controller's task, which the job centre gives its administrators
and DPO, not the consultant on the case. As the other exports, each needs a fresh login, and
each reading is audited before anything is gathered (fail closed, 503): ``citizen_access_export``
with how it was read (``html``, ``json``, ``zip``), and, since it shows the skånehensyn, a
``read_limitations`` through the glass whose purpose is the request's reference, typed by the
administrator (review AZ 3): »break-glass: indsigt efter art. 15, reference: <reference>«, the
reference checked as every purpose in the log (:func:`portal.citizens.need_to_know.purpose_problem`).

A GET (also of ``.json`` and ``.zip``) shows only the form asking for the reference; the page and
the files are answers to its POST (CSRF), so a link alone never makes anyone read the data. The
page's downloads post the same reference again, and each is logged again.

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

from flask import Response, abort, current_app, make_response, redirect, render_template, request, url_for
from flask_login import current_user
from wtforms import StringField
from wtforms.validators import DataRequired, Length

from store import clock
from store.models import Citizen

from .. import audit, files
from ..access import AUDIT_DOWN, admin_required, citizen_or_404
from ..auth.sessions import confirm_first
from ..citizens import need_to_know
from ..citizens.forms import no_hidden_characters, no_nul
from ..text import clean_line
from ..citizens.uploads import download_name
from ..errors import render_error
from ..formutil import DanishForm
from ..i18n import format_date, format_number
from . import access_export, bp

# What the skånehensyn read's purpose says before the reference (``need_to_know.glass_purpose``).
PURPOSE_START = "indsigt efter art. 15, reference: "
MAX_REFERENCE = need_to_know.MAX_PURPOSE - len(PURPOSE_START)


class AccessRequestForm(DanishForm):
    """The reference of the citizen's request for access, asked before the export is made."""

    reference = StringField("Anmodningens reference", filters=[clean_line], validators=[
        DataRequired("Skriv anmodningens reference, fx journalnummeret."),
        Length(max=MAX_REFERENCE, message=f"Skriv referencen kort: højst {MAX_REFERENCE} tegn."),
        no_nul, no_hidden_characters])


def _log(citizen: Citizen, how: str, reference: str) -> None:
    """Audit the export before anything is gathered. :raise 503: the log cannot be written."""
    try:
        audit.record_many_now([
            {"action": "citizen_access_export", "citizen_id": citizen.id, "purpose": how},
            {"action": "read_limitations", "citizen_id": citizen.id,
             "purpose": need_to_know.glass_purpose(PURPOSE_START + reference)}])
    except audit.AuditWriteError as exc:
        current_app.logger.error("citizen_access_export not logged for citizen %s: %s", citizen.id, exc)
        abort(make_response(*render_error(503, AUDIT_DOWN)))


def _ready(citizen_id: int) -> tuple[Citizen | None, Response | None]:
    """The citizen once the login is fresh (or the confirmation's redirect); the caller audits."""
    page = url_for(".citizen_access", citizen_id=citizen_id)
    if stale := confirm_first("før du laver et udtræk til indsigt", page):
        return None, stale
    return citizen_or_404(citizen_id), None


def _sections(citizen: Citizen, reference: str) -> list[dict]:
    config = current_app.config
    made_by = f"{current_user.name} ({current_user.email})"
    return access_export.gather(citizen, retention_days=int(config["RETENTION_DAYS"]), made_by=made_by,
                                organisation=config["ORGANISATION_NAME"], reference=reference)


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


def _asked(citizen: Citizen) -> tuple[AccessRequestForm, str | None]:
    """The posted form and its reference, or None when it is missing or refused (said at the field)."""
    form = AccessRequestForm()
    if not form.validate_on_submit():
        return form, None
    if problem := need_to_know.purpose_problem(form.reference.data, citizen):
        form.reference.errors = [problem]
        return form, None
    return form, form.reference.data


def _ask(citizen: Citizen, form: AccessRequestForm, status: int = 200):
    """The form asking for the request's reference; nothing of the citizen's data."""
    return render_template("admin/citizen_access_request.html", citizen=citizen, form=form), status


@bp.route("/indsigt/<int:citizen_id>", methods=["GET", "POST"])
@admin_required
def citizen_access(citizen_id: int):
    """GET: the form asking for the request's reference. POST: the export as a page."""
    citizen, stale = _ready(citizen_id)
    if stale:
        return stale
    form, reference = _asked(citizen) if _posted() else (AccessRequestForm(formdata=None), None)
    if reference is None:
        return _ask(citizen, form, 400 if _posted() else 200)
    _log(citizen, "html", reference)
    return render_template("admin/citizen_access.html", citizen=citizen, sections=_sections(citizen, reference), shown=shown,
                           as_table=as_table, reference=reference)


def _download(body: bytes | str, mimetype: str, name: str) -> Response:
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"',
                                                      "Cache-Control": "no-store"})


def _file_asked(citizen_id: int) -> tuple[Citizen | None, str | None, Response | tuple | None]:
    """A file's POST: the citizen and the reference, or the answer instead (the confirmation's
    redirect, the form again with the refusal); a GET goes to the form."""
    if not _posted():
        return None, None, redirect(url_for(".citizen_access", citizen_id=citizen_id))
    citizen, stale = _ready(citizen_id)
    if stale:
        return None, None, stale
    form, reference = _asked(citizen)
    if reference is None:
        return None, None, _ask(citizen, form, 400)
    return citizen, reference, None


def _posted() -> bool:
    return request.method == "POST"


@bp.route("/indsigt/<int:citizen_id>.json", methods=["GET", "POST"])
@admin_required
def citizen_access_json(citizen_id: int):
    """The export as one JSON file (POST with the reference; a GET goes to the form)."""
    citizen, reference, answer = _file_asked(citizen_id)
    if answer is not None:
        return answer
    _log(citizen, "json", reference)
    return _download(access_export.as_json(_sections(citizen, reference)), "application/json",
                     f"indsigt-borger-{citizen.id}-{clock.today().isoformat()}.json")


@bp.route("/indsigt/<int:citizen_id>.zip", methods=["GET", "POST"])
@admin_required
def citizen_access_zip(citizen_id: int):
    """The JSON and every stored CV file in one ZIP file (POST with the reference; a GET goes
    to the form)."""
    citizen, reference, answer = _file_asked(citizen_id)
    if answer is not None:
        return answer
    _log(citizen, "zip", reference)
    store = files.current()
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("indsigt.json", access_export.as_json(_sections(citizen, reference)))
        for cv in citizen.cv_documents:
            if cv.stored_name and store.exists(cv.stored_name):
                # The name the CV page downloads it under (review AV 5): æøå kept, as UTF-8 in the ZIP.
                archive.write(store.path(cv.stored_name),
                              f"cv/{cv.id}-{download_name(cv.original_filename, cv.content_type)}")
    return _download(out.getvalue(), "application/zip", f"indsigt-borger-{citizen.id}-{clock.today().isoformat()}.zip")
