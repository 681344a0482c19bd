"""Review AU 7: a name searched for never reaches the server's request log; review AZ 2: nor does a
set-password link's token."""
from __future__ import annotations

import http.cookiejar
import logging
import re
import socket
import threading
import urllib.error
import urllib.parse
import urllib.request

import sqlalchemy as sa
from werkzeug.serving import make_server

from portal import request_log


def test_the_dev_servers_request_line_keeps_the_path_without_the_query(app, caplog):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{server.port}/borgere/?q=Carsten+Thomsen&side=2")
            except urllib.error.HTTPError:
                pass  # not logged in: a redirect to the log-in page, still logged
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("GET /borgere/?… HTTP/1.1" in line for line in lines), lines
    assert not any("Carsten" in line or "side=2" in line for line in lines)


def test_a_malformed_request_lines_query_is_left_out_too(app, caplog):
    """Review AW 7: a request line with a space in its query (a script, a pasted URL) is a 400,
    whose error line and request line Werkzeug logs with the status code as the first argument."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with socket.create_connection(("127.0.0.1", server.port)) as raw:
                raw.sendall(b"GET /borgere/?q=Carsten Thomsen HTTP/1.1\r\nHost: x\r\n\r\n")
                raw.recv(4096)
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert any("Bad request syntax" in line for line in lines), lines
    assert any("GET /borgere/?… HTTP/1.1" in line for line in lines), lines
    assert not any("Carsten" in line or "Thomsen" in line for line in lines), lines


def test_without_query_stops_at_the_protocol_or_the_end():
    assert request_log.without_query("GET /b/?q=Carsten Thomsen HTTP/1.1") == "GET /b/?… HTTP/1.1"
    assert request_log.without_query("https://x/b/?q=Carsten Thomsen") == "https://x/b/?…"
    assert request_log.without_query('"GET /b/?q=a" 400') == '"GET /b/?…" 400'


def test_gunicorns_access_atoms_lose_the_query_and_the_referers_query():
    atoms = {"r": "GET /borgere/?q=Carsten+Thomsen HTTP/1.1", "q": "q=Carsten+Thomsen", "U": "/borgere/",
             "f": "https://jobbro.kommune.dk/borgere/?q=Carsten+Thomsen", "{referer}i": "https://x/borgere/?q=Carsten",
             "s": "200"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1,
                               '%(r)s "%(f)s" %(q)s %({referer}i)s', (atoms,), None)
    assert request_log.QueryStringFilter().filter(record)
    line = record.getMessage()
    assert "Carsten" not in line
    assert line == 'GET /borgere/?… HTTP/1.1 "https://jobbro.kommune.dk/borgere/?…" … https://x/borgere/?…'


def test_the_filter_is_on_both_request_loggers(app):
    for name in request_log.REQUEST_LOGGERS:
        assert sum(isinstance(f, request_log.QueryStringFilter) for f in logging.getLogger(name).filters) == 1


# --- review AZ 2: a set-password link's token is never in a request line ---------------------------

def _issue(app, email: str) -> str:
    from portal.auth.tokens import issue_set_password_token
    from portal.extensions import db
    from store.models import User

    with app.app_context():
        token = issue_set_password_token(db.session.scalar(sa.select(User).where(User.email == email)), 1)
        db.session.commit()
        return token


def test_a_set_password_links_token_is_in_no_request_line_of_the_visit(app, make_user, caplog):
    """The first visit's line masks the token; the page it goes on to, and the form's POST, never held it."""
    user = make_user("company", email="link@firma.dk")
    token = _issue(app, user.email)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}"
    jar = http.cookiejar.CookieJar()
    browser = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    try:
        with caplog.at_level(logging.INFO, logger="werkzeug"):
            with browser.open(f"{base}/auth/set-password/{token}") as page:  # follows the redirect
                assert page.url == f"{base}/auth/set-password"
                html = page.read().decode()
            csrf = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', html).group(1)
            form = urllib.parse.urlencode({"csrf_token": csrf, "password": "Lang-ny-saetning-om-kaffe-42",
                                           "confirm": "Lang-ny-saetning-om-kaffe-42"}).encode()
            with browser.open(urllib.request.Request(f"{base}/auth/set-password", data=form,
                                                     headers={"Referer": f"{base}/auth/set-password"})) as done:
                assert done.url == f"{base}/auth/login"
            try:
                browser.open(f"{base}/auth/set-password/{token}")  # used: dead, and still masked
            except urllib.error.HTTPError as dead:
                assert dead.code == 404
    finally:
        server.shutdown()
    lines = [r.getMessage() for r in caplog.records if r.name == "werkzeug"]
    assert sum("GET /auth/set-password/… HTTP/1.1" in line for line in lines) == 2, lines
    assert any("GET /auth/set-password HTTP/1.1" in line for line in lines), lines
    assert any("POST /auth/set-password HTTP/1.1" in line for line in lines), lines
    assert not any(token in line or token[:12] in line for line in lines), lines


def test_without_secrets_masks_the_token_and_the_query():
    assert request_log.without_secrets("GET /auth/set-password/W7-oJkHx_pkB2 HTTP/1.1") == \
        "GET /auth/set-password/… HTTP/1.1"
    assert request_log.without_secrets('"POST /auth/set-password/a%20b?x=1" 404') == '"POST /auth/set-password/…?…" 404'
    assert request_log.without_secrets("GET /auth/set-password HTTP/1.1") == "GET /auth/set-password HTTP/1.1"


def test_gunicorns_path_atom_loses_the_token():
    atoms = {"r": "GET /auth/set-password/W7-oJkHx HTTP/1.1", "U": "/auth/set-password/W7-oJkHx",
             "f": "https://x/auth/set-password/W7-oJkHx", "s": "302"}
    record = logging.LogRecord("gunicorn.access", logging.INFO, __file__, 1, '%(r)s %(U)s "%(f)s" %(s)s',
                               (atoms,), None)
    assert request_log.QueryStringFilter().filter(record)
    assert record.getMessage() == ('GET /auth/set-password/… HTTP/1.1 /auth/set-password/… '
                                   '"https://x/auth/set-password/…" 302')


def test_a_token_behind_doubled_slashes_is_masked_too():
    """Review BE 2: werkzeug answers //auth//set-password/<token> with a redirect to the link, so
    that spelling is a live token in the request line as well."""
    for line in ('"GET /auth//set-password/Rvr891licw6tVc HTTP/1.1" 308 -',
                 '"GET //auth/set-password/Rvr891licw6tVc HTTP/1.1" 308 -',
                 '"GET /auth/set-password//Rvr891licw6tVc HTTP/1.1" 308 -'):
        masked = request_log.without_secrets(line)
        assert "Rvr891licw6tVc" not in masked and masked.count("…") == 1, masked
