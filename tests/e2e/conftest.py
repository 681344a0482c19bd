"""Browser tests: the real portal on a loopback port, driven by Playwright in Debian's Chromium."""
from __future__ import annotations

import threading
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from portal import create_app
from portal.extensions import db
from tests.conftest import missing_dependency, skip_fsync

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_FLAGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
]


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        missing_dependency(f"{CHROMIUM} is missing (apt-get install -y chromium)")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_FLAGS)
        yield browser
        browser.close()


@pytest.fixture
def live_app(tmp_path):
    """The portal with a fresh database, served on 127.0.0.1:<free port>."""
    app = create_app({
        "TESTING": True,
        "DATABASE_URL": f"sqlite:///{tmp_path / 'e2e.sqlite'}",
        "SECRET_KEY": "e2e-secret",
        "PSEUDONYM_KEY": "e2e-pseudonym",
        "MATCHING_ENCODER": "hashing",
    })
    with app.app_context():
        skip_fsync(db.engine)
        db.create_all()
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    app.config["LIVE_URL"] = f"http://127.0.0.1:{server.server_port}"
    yield app
    server.shutdown()
    thread.join(timeout=5)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def page(browser, live_app):
    context = browser.new_context(base_url=live_app.config["LIVE_URL"], locale="da-DK")
    page = context.new_page()
    yield page
    context.close()
