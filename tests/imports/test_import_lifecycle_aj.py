"""Review AJ: jobmål split on line breaks in a cell (8), the report says who cannot be matched
yet and why (7), and a row that looks like a citizen already in the portal is not created
silently (3)."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.imports.columns import split_list
from portal.imports.runner import run_import
from store.models import Citizen

from .files import citizen_row, csv_bytes, xlsx_bytes


def _run(app, data: bytes, **kwargs):
    with app.app_context():
        return run_import("citizens", io.BytesIO(data), "borgere.csv", actor=None, dry_run=False,
                          cv_folder=app.config["UPLOAD_FOLDER"], **kwargs)


def _goals(app, external_id: str) -> list[str]:
    with app.app_context():
        citizen = db.session.scalar(sa.select(Citizen).where(Citizen.external_id == external_id))
        return [g.title for g in citizen.job_goals]


@pytest.mark.parametrize("cell", ["Kok\nTjener", "Kok\r\nTjener", "Kok\n\nTjener\n", "Kok;\nTjener"])
def test_split_list_splits_on_line_breaks(cell):
    assert split_list(cell) == ["Kok", "Tjener"]


def test_an_excel_cell_with_alt_enter_gives_two_job_goals(app):
    report = _run(app, xlsx_bytes([citizen_row("1001", Jobmål="Kok\nTjener")]))
    assert report.counts["created"] == 1
    assert _goals(app, "1001") == ["Kok", "Tjener"]


def test_a_csv_cell_with_a_line_break_gives_two_job_goals(app):
    _run(app, csv_bytes([citizen_row("1002", Jobmål="Kok\r\nTjener")]))
    assert _goals(app, "1002") == ["Kok", "Tjener"]
