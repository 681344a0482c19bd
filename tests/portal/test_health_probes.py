"""/healthz (alive) and /readyz (the database answers at the code's migrations; search reported),
JSON whatever happens (review I 8)."""
from __future__ import annotations

import socket

from portal import create_app


def _backend(app):
    from portal.matching_runtime import matching_service

    with app.app_context():
        return matching_service().backend


def test_a_working_portal_is_alive_and_ready(app, client):
    _backend(app).clear()  # an index built from an empty database
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok", "search": "ok"}


def test_search_down_is_reported_not_failed(app, client, monkeypatch):
    from matching.backends import BackendUnavailable

    def down(kind):
        raise BackendUnavailable("connection refused")

    monkeypatch.setattr(_backend(app), "count", down)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["search"] == "unavailable"


def test_a_missing_or_empty_index_is_reported_not_ok(app, client, make_user):
    """Never built (no index file) is "missing"; built empty while the database has a
    matchable citizen is "empty" (review V 1). Neither fails readiness: a restart would
    not build it, and the portal ranks in reduced mode meanwhile."""
    from datetime import date

    from portal.extensions import db
    from store.models import Citizen, CvDocument, JobGoal

    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["search"] == "missing"
    _backend(app).clear()
    assert client.get("/readyz").get_json()["search"] == "ok"  # empty, and so is the database
    vk = make_user("consultant")
    with app.app_context():
        citizen = Citizen(name="Anna", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk.id)
        citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
        citizen.cv_documents.append(CvDocument(text="Truck og lager."))
        db.session.add(citizen)
        db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["search"] == "empty"



def test_an_unreadable_index_is_reported_as_broken_not_unavailable(app, client, monkeypatch):
    """A corrupt index file is no outage to wait out: a rebuild is needed (review Y 2)."""
    from matching.backends import IndexBroken

    def broken(kind):
        raise IndexBroken(kind, "index file matching-index.npz unreadable")

    monkeypatch.setattr(_backend(app), "count", broken)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["search"] == "broken"

def test_a_database_that_cannot_be_reached_is_not_ready_but_alive(tmp_path):
    with socket.socket() as sock:  # a port nobody listens on
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p", "MATCHING_ENCODER": "hashing",
                      "DATABASE_URL": f"postgresql://jobbro:x@127.0.0.1:{port}/jobbro",
                      "INSTANCE_PATH": str(tmp_path), "UPLOAD_FOLDER": str(tmp_path / "uploads")})
    client = app.test_client()
    alive = client.get("/healthz")
    assert alive.status_code == 200 and alive.get_json() == {"status": "ok"}
    ready = client.get("/readyz")
    assert ready.status_code == 503 and ready.is_json
    assert ready.get_json()["status"] == "database unavailable"
    page = client.get("/auth/login")  # a page still says "prøv igen", in HTML
    assert page.status_code == 503 and "text/html" in page.content_type


def test_a_hung_search_backend_is_waited_for_once_per_probe_and_not_on_the_next_ones(app, client, monkeypatch):
    """Review BB 2: /readyz asked both kinds in turn, each waiting ELASTICSEARCH_TIMEOUT, so a
    hung Elasticsearch made the probe slower than compose's healthcheck allows. Counted."""
    from matching.backends import BackendUnavailable

    calls: list[str] = []

    def hung(kind):
        calls.append(kind)
        raise BackendUnavailable("Connection timed out")

    backend = _backend(app)
    monkeypatch.setattr(backend.inner, "count", hung)  # behind the portal's circuit breaker
    assert client.get("/readyz").get_json()["search"] == "unavailable"
    assert calls == ["citizen"]  # one wait, not one per kind
    for _ in range(3):  # the next probes: the breaker answers at once
        assert client.get("/readyz").get_json()["search"] == "unavailable"
    assert calls == ["citizen"]


def test_the_probe_asks_no_second_kind_once_one_cannot_be_reached(app, client, monkeypatch):
    from matching.backends import BackendUnavailable

    calls: list[str] = []

    def hung(kind):
        calls.append(kind)
        raise BackendUnavailable("Connection timed out")

    monkeypatch.setattr(_backend(app), "count", hung)  # in front of the breaker: the probe's own order
    for _ in range(2):
        assert client.get("/readyz").get_json()["search"] == "unavailable"
    assert calls == ["citizen", "citizen"]


def test_compose_probes_readyz_with_a_timeout_above_one_search_wait():
    from pathlib import Path

    import yaml

    from matching.settings import MatchingSettings

    compose = yaml.safe_load((Path(__file__).resolve().parents[2] / "docker-compose.yml").read_text())
    check = compose["services"]["portal"]["healthcheck"]
    assert "/readyz" in " ".join(check["test"])
    timeout = float(check["timeout"].rstrip("s"))
    assert timeout >= 2 * MatchingSettings.timeout + 2  # one search wait, the database, headroom
