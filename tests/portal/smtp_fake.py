"""A fake SMTP connection factory for ``portal.mail.send(connect=...)``: records, fails or hangs."""
from __future__ import annotations

import threading


class FakeServer:
    """Called with the config like ``portal.mail.open_connection``; keeps every message sent."""

    def __init__(self, fail: bool = False, hang: threading.Event | None = None):
        self.sent: list = []
        self.fail, self.hang, self.connects = fail, hang, 0

    def __call__(self, config):
        self.connects += 1
        if self.hang is not None:
            self.hang.wait(timeout=30)
        if self.fail:
            raise ConnectionRefusedError("mail server down")
        return self

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def send_message(self, message):
        self.sent.append(message)
