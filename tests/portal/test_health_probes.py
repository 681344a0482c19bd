"""/healthz (alive) and /readyz (the database answers at the code's migrations; search reported),
JSON whatever happens (review I 8)."""
from __future__ import annotations

import socket

from portal import create_app


def test_a_working_portal_is_alive_and_ready(client):
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client.get("/readyz").get_json() == {"status": "ok", "database": "ok", "search": "ok"}


def test_search_down_is_reported_not_failed(client, monkeypatch):
    from portal.main import health

    monkeypatch.setattr(health, "search_reachable", lambda: False)
    response = client.get("/readyz")
    assert response.status_code == 200 and response.get_json()["search"] == "unavailable"


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
