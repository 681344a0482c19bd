"""/admin/indexer warns when the matching index is missing, empty or differs from the database
(review V 1), instead of showing 0 / 0 without a word."""
from __future__ import annotations

from datetime import date

from matching.backends import Document
from portal.extensions import db
from portal.matching_runtime import matching_service
from store.models import Citizen, CvDocument, JobGoal


def _citizen(app, vk_id: int) -> int:
    with app.app_context():
        citizen = Citizen(name="Anna", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id)
        citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
        citizen.cv_documents.append(CvDocument(text="Truck og lager."))
        db.session.add(citizen)
        db.session.commit()
        return citizen.id


def _backend(app):
    with app.app_context():
        return matching_service().backend


def test_a_missing_then_empty_index_is_not_built_and_a_partial_one_differs(app, client, auth, make_user):
    _citizen(app, make_user("consultant").id)
    _citizen(app, make_user("consultant").id)
    auth.login(make_user("admin").email)
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert 'data-testid="index-not-built"' in html and "Indekset over borgerne findes ikke" in html
    assert 'data-testid="backend-error"' not in html  # it answers; the index is what is missing
    assert "Ikke bygget (databasen: 2)" in html
    _backend(app).clear()
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert "Indekset over borgerne er tomt, men databasen har 2 borgere, der skal med." in html
    assert "opslagene" not in html.split('data-testid="index-not-built"')[1].split("</div>")[0]
    _backend(app).index([Document("citizen", "1", 1, [1.0, 0.0])])
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert 'data-testid="index-not-built"' not in html
    assert 'data-testid="index-differs"' in html and "Indekset har 1 af borgerne; databasen har 2 borgere" in html
    assert "python -m indexer verify" in html


def test_an_unreadable_index_is_said_to_be_broken_not_unreachable(app, client, auth, make_user):
    """Review Y 2: a corrupt index file is not an outage that passes; the page says it must be rebuilt."""
    _citizen(app, make_user("consultant").id)
    _backend(app).index([Document("citizen", "1", 1, [1.0, 0.0])])
    _backend(app).path.write_bytes(b"PK\x03\x04 torn write")
    auth.login(make_user("admin").email)
    html = client.get("/admin/indexer").get_data(as_text=True)
    line = html.split('data-testid="backend-error"', 1)[1].split("</div>", 1)[0]
    assert "Søgeindekset findes, men kan ikke læses" in line and "python -m indexer rebuild" in line
    assert "kan ikke nås lige nu" not in line


def test_an_unreachable_backend_is_still_said_to_be_unreachable(app, client, auth, make_user, monkeypatch):
    from matching.backends import BackendUnavailable

    def down(kind):
        raise BackendUnavailable("connection refused")

    monkeypatch.setattr(_backend(app), "count", down)
    auth.login(make_user("admin").email)
    html = client.get("/admin/indexer").get_data(as_text=True)
    line = html.split('data-testid="backend-error"', 1)[1].split("</div>", 1)[0]
    assert "Søgeindekset kan ikke nås lige nu" in line and "kan ikke læses" not in line
