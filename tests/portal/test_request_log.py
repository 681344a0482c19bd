"""Review AU 7: a name searched for never reaches the server's request log."""
from __future__ import annotations

import logging
import socket
import threading
import urllib.request

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
