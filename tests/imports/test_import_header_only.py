"""A file with the header row and no rows under it (review: a report of zeros said nothing):
every kind refuses it with »Filen har ingen rækker under overskrifterne.«, in the dry run and
the import, on the page and in the CLI, and writes nothing."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.imports.runner import NO_ROWS, run_import
from portal.imports.wage_hours import run_wage_hours
from store.models import AuditEvent, Citizen, Opening, PriorWageHours

from .files import HEADER, csv_bytes, xlsx_bytes

HEADERS = {
    "citizens": HEADER,
    "openings": ["Eksternt id", "CVR", "Type", "Titel", "Timer mindst", "Timer højst", "Postnummer", "Status"],
    "wage_hours": ["Eksternt id", "Måned", "Løntimer"],
}
CLI_KIND = {"citizens": "citizens", "openings": "openings", "wage_hours": "wage-hours"}
MESSAGE = "Filen har ingen rækker under overskrifterne."
pytestmark = pytest.mark.usefixtures("frozen_today")


def _files(kind: str) -> list[bytes]:
    header = HEADERS[kind]
    return [csv_bytes([], header=header), csv_bytes([], header=header, bom=False) + b";;\r\n\r\n",
            xlsx_bytes([], header=header)]


def _written(app) -> int:
    with app.app_context():
        return sum(db.session.scalar(sa.select(sa.func.count()).select_from(model))
                   for model in (Citizen, Opening, PriorWageHours))


def _run(app, kind: str, data: bytes, dry_run: bool):
    with app.app_context():
        if kind == "wage_hours":
            return run_wage_hours(io.BytesIO(data), "fil.csv", actor=None, dry_run=dry_run)
        return run_import(kind, io.BytesIO(data), "fil.csv", actor=None, dry_run=dry_run)


@pytest.mark.parametrize("kind", HEADERS)
@pytest.mark.parametrize("dry_run", [True, False])
def test_a_header_only_file_is_refused_with_a_message_and_writes_nothing(app, kind, dry_run):
    assert NO_ROWS.startswith(MESSAGE)
    for data in _files(kind):
        report = _run(app, kind, data, dry_run)
        assert report.file_problems == [NO_ROWS]
        assert not any(report.counts.values()) and not report.links
    assert _written(app) == 0
    with app.app_context():  # the refusal is audited as any refused file
        assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(
            AuditEvent.action.like("import_%"))) == 3


def test_a_file_with_wrong_headers_and_no_rows_names_the_headers_first(app):
    report = _run(app, "wage_hours", csv_bytes([], header=["Navn", "Måned"]), True)
    assert report.file_problems and NO_ROWS not in report.file_problems


@pytest.mark.parametrize("kind", HEADERS)
def test_the_cli_refuses_a_header_only_file(app, kind, tmp_path):
    path = tmp_path / "fil.csv"
    path.write_bytes(csv_bytes([], header=HEADERS[kind]))
    cli = app.test_cli_runner()
    for extra in (["--dry-run"], []):
        result = cli.invoke(args=["import", CLI_KIND[kind], str(path), *extra])
        assert result.exit_code == 1 and f"Filen er afvist: {MESSAGE}" in result.output
    assert _written(app) == 0


@pytest.mark.parametrize("kind", HEADERS)
def test_the_page_refuses_a_header_only_file(app, client, auth, make_user, kind):
    auth.login(make_user("admin").email)
    for mode in ("dry", "run"):
        response = client.post("/admin/import/", content_type="multipart/form-data", data={
            "kind": kind, f"{kind}-mode": mode, f"{kind}-file": (io.BytesIO(csv_bytes([], header=HEADERS[kind])), "fil.csv"),
            f"{kind}-csrf_token": auth.csrf_token("/admin/import/")})
        html = response.get_data(as_text=True)
        assert response.status_code == 422 and "Filen er afvist. Intet er gemt." in html and MESSAGE in html
    assert _written(app) == 0
