"""loadtest.page_cost logs in and renders logged-in pages with its own app settings."""
from __future__ import annotations

import pytest

from loadtest import page_cost
from portal import create_app
from portal.extensions import db
from tests.conftest import PASSWORD, user_factory


@pytest.fixture
def cost_app(tmp_path):
    """An app with page_cost's settings over the test database (as the `app` fixture)."""
    app = create_app({
        "TESTING": True, "INSTANCE_PATH": str(tmp_path / "instance"),
        "DATABASE_URL": f"sqlite:///{tmp_path / 'test.sqlite'}", "SECRET_KEY": "test-secret",
        "PSEUDONYM_KEY": "test-pseudonym-key", "MATCHING_ENCODER": "hashing", "MATCHING_BACKEND": "memory",
        "UPLOAD_FOLDER": str(tmp_path / "uploads"), **page_cost.APP_CONFIG,
    })
    with app.app_context():
        db.create_all()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.mark.parametrize("role", ["consultant", "company", "admin"])
def test_page_cost_logs_in_and_a_logged_in_page_renders(cost_app, password_hash, role):
    # With CSRF switched off (as page_cost once did) the header's log-out form has no token
    # to render and every logged-in page answered 500.
    user = user_factory(cost_app, password_hash)(role)
    client = cost_app.test_client()
    page_cost.log_in(client, user.email, PASSWORD)
    assert client.get("/").status_code == 200


def test_page_cost_stops_when_the_log_in_is_refused(cost_app, password_hash):
    user = user_factory(cost_app, password_hash)("consultant")
    with pytest.raises(SystemExit, match="cannot log in"):
        page_cost.log_in(cost_app.test_client(), user.email, "wrong password")
