"""»1 ændring« and »3 ændringer« (not »ændring(er)«) above a ranking and on /admin/indexer, and the
import's refusal of missing or doubled columns in the singular and the plural (»kolonnen »A««,
»kolonnerne »A« og »B««)."""
from __future__ import annotations

from datetime import date
from types import SimpleNamespace

import pytest
from flask import render_template_string

from matching.backends import Document
from portal.extensions import db
from portal.imports.columns import Column, match_headers
from portal.matching_runtime import matching_service
from store.models import Citizen, CvDocument, JobGoal, OutboxEvent

NOTICE = ('{% from "candidates/_indexing.html" import indexing_notice with context %}'
          '{{ indexing_notice(pending, stalled) }}')


@pytest.mark.parametrize("pending, word", [(1, "1 ændring "), (3, "3 ændringer "), (1205, "1.205 ændringer ")])
@pytest.mark.parametrize("stalled", [False, True])
def test_the_ranking_notice_says_one_change_or_several(app, pending, word, stalled):
    with app.test_request_context():
        html = render_template_string(NOTICE, pending=pending, stalled=stalled,
                                      current_user=SimpleNamespace(role="consultant"))
    assert word + ("af borgere og opslag afventer" if stalled else "afventer indeksering") in html
    assert "(er)" not in html


def _citizens(app, count: int) -> None:
    with app.app_context():
        for _ in range(count):
            citizen = Citizen(name="Anna", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                              readiness_group="paa_vej", case_start=date(2025, 6, 1))
            citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
            citizen.cv_documents.append(CvDocument(text="Truck og lager."))
            db.session.add(citizen)
        db.session.flush()
        db.session.query(OutboxEvent).delete()
        db.session.commit()


def _pending(app, ids: range) -> None:
    with app.app_context():
        db.session.query(OutboxEvent).delete()
        db.session.add_all(OutboxEvent(entity="citizen", entity_id=i, status="pending") for i in ids)
        db.session.commit()


def test_the_indexer_page_says_one_change_or_several(app, client, auth, make_user):
    _citizens(app, 2)
    with app.app_context():
        matching_service().backend.index([Document("citizen", "1", 1, [1.0, 0.0])])  # differs: 1 of 2
    auth.login(make_user("admin").email)
    _pending(app, range(1, 2))
    html = client.get("/admin/indexer").get_data(as_text=True)
    differs = html.split('data-testid="index-differs"')[1].split("</div>")[0]
    assert "1 ændring venter på indeksering og kan forklare forskellen." in differs
    _pending(app, range(1, 4))
    differs = client.get("/admin/indexer").get_data(as_text=True).split('data-testid="index-differs"')[1]
    assert "3 ændringer venter på indeksering og kan forklare forskellen." in differs.split("</div>")[0]


COLUMNS = (Column("external_id", "Eksternt id"), Column("month", "Måned"), Column("hours", "Løntimer"))


def test_missing_columns_are_named_in_the_singular_and_the_plural():
    assert match_headers(["Eksternt id", "Måned"], COLUMNS).problems == [
        "Filen mangler kolonnen »Løntimer«. Brug skabelonen, eller ret overskrifterne i første række."]
    assert match_headers(["Eksternt id"], COLUMNS).problems == [
        "Filen mangler kolonnerne »Måned« og »Løntimer«. Brug skabelonen, eller ret overskrifterne i første række."]
    assert match_headers(["Navn"], COLUMNS).problems[0].startswith(
        "Filen mangler kolonnerne »Eksternt id«, »Måned« og »Løntimer«.")


def test_doubled_columns_are_named_in_the_singular_and_the_plural():
    one = match_headers(["Eksternt id", "Måned", "Løntimer", "måned"], COLUMNS)
    assert one.problems == ["Kolonnen »Måned« står flere gange."]
    two = match_headers(["Eksternt id", "Måned", "Løntimer", "måned", "LØNTIMER"], COLUMNS)
    assert two.problems == ["Kolonnerne »Måned« og »Løntimer« står flere gange."]
