"""The demo's citizens carry the case system's id (»Eksternt id«), as a real job centre's do, so the
imports that find a citizen by it (»Løntimer fra fagsystemet«, a citizen import updating one) find
the demo's citizens; the id is unique, deterministic, accepted by the import's id rule, and moves
nothing else in the demo."""
from __future__ import annotations

import dataclasses
import io
from datetime import date

import pytest
import sqlalchemy as sa

import portal.demo.generator as generator
from portal.citizens.service import looks_like_cpr
from portal.demo.generator import generate_demo
from portal.demo.loader import load_demo
from portal.extensions import db
from portal.imports import citizens as citizen_import
from portal.imports.template import EXAMPLES
from portal.imports.wage_hours import run_wage_hours, validate_row
from store.models import Citizen, PriorWageHours
from store.models.citizens import external_id_key
from tests.imports.files import csv_bytes

TODAY = date(2026, 11, 23)


@pytest.fixture(scope="module")
def demo():
    return generate_demo(7, TODAY)


def test_every_demo_citizen_has_a_unique_case_id_the_import_accepts(demo):
    ids = [c.external_id for c in demo.citizens]
    assert all(ids) and len(ids) == 800
    assert len({external_id_key(i) for i in ids}) == len(ids)  # unique as the portal folds ids
    for external_id in ids:
        problems: list = []
        assert citizen_import._external_id(external_id, problems) == external_id and not problems
        assert not looks_like_cpr(external_id)
        assert validate_row({"external_id": external_id, "month": "2026-03", "hours": "10"}, TODAY)
    # The numbers rise with the case start, as a case system numbers its cases.
    ordered = sorted(demo.citizens, key=lambda c: c.case_start)
    numbers = [int(c.external_id.removeprefix("SAG-")) for c in ordered]
    assert numbers == sorted(numbers)


def test_the_case_ids_are_deterministic_and_follow_the_seed(demo):
    assert [c.external_id for c in generate_demo(7, TODAY).citizens] == [c.external_id for c in demo.citizens]
    assert [c.external_id for c in generate_demo(8, TODAY).citizens] != [c.external_id for c in demo.citizens]


def test_the_case_ids_change_nothing_else_in_the_demo(demo, monkeypatch):
    monkeypatch.setattr(generator, "assign_case_ids", lambda seed, citizens: None)
    without = generate_demo(7, TODAY)
    assert all(c.external_id == "" for c in without.citizens)
    assert [dataclasses.replace(c, external_id="") for c in demo.citizens] == without.citizens
    assert dataclasses.replace(demo, citizens=without.citizens) == without


def test_the_import_templates_example_id_is_no_demo_citizens(demo):
    ids = {external_id_key(c.external_id) for c in demo.citizens}
    for kind in ("citizens", "wage_hours"):
        assert external_id_key(EXAMPLES[kind]["external_id"]) not in ids


def test_the_wage_hours_import_finds_loaded_demo_citizens(app, frozen_today):
    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=30)
        first, second = db.session.scalars(sa.select(Citizen).order_by(Citizen.id).limit(2)).all()
        assert first.external_id and first.external_id_key == external_id_key(first.external_id)
        data = csv_bytes([[first.external_id.lower(), "2026-03", "37,5", "Småjob"],
                          [second.external_id, "2026-04", "12", ""]],
                         header=["Eksternt id", "Måned", "Løntimer", "Ansættelse"])
        report = run_wage_hours(io.BytesIO(data), "loentimer.csv", actor=None, dry_run=False)
        assert report.counts == {"created": 2, "updated": 0, "unchanged": 0, "skipped": 0, "refused": 0}, report.problems
        stored = {r.citizen_id for r in db.session.scalars(sa.select(PriorWageHours))}
        assert stored == {first.id, second.id}
