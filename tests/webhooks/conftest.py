"""Webhook test fixtures: a local receiver (an http.server thread on 127.0.0.1) and endpoints."""
from __future__ import annotations

import threading
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest

from portal.extensions import db
from store.models.api import WebhookEndpoint


class Receiver:
    """Records every POST; answers with the queued statuses in turn (then ``default``)."""

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.answers: deque[tuple[int, str, dict]] = deque()
        self.default = (200, "ok", {})
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                receiver.requests.append({"path": self.path, "headers": dict(self.headers), "body": body})
                status, text, headers = receiver.answers.popleft() if receiver.answers else receiver.default
                self.send_response(status)
                for name, value in headers.items():
                    self.send_header(name, value)
                data = text.encode()
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/hook?x=1"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()
        self.thread.join(5)


@pytest.fixture
def receiver():
    server = Receiver()
    yield server
    server.close()


@pytest.fixture
def wh_app(app):
    """The ``app`` fixture with loopback receivers allowed (as in development)."""
    app.config["WEBHOOKS_ALLOW_HTTP_LOOPBACK"] = True
    return app


def add_endpoint(app, url: str, *, company_id: int | None = None, events=("proposal.shared",),
                 active: bool = True, secret: str = "whsec_test") -> int:
    """An endpoint written straight to the database; returns its id."""
    with app.app_context():
        endpoint = WebhookEndpoint(company_id=company_id, url=url, secret=secret, events=list(events),
                                   active=active, description="")
        db.session.add(endpoint)
        db.session.commit()
        return endpoint.id
