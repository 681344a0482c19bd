"""portal.once.guard: the one-time form check every creating route shares (claim, then the
route's »already« flash and redirect, or its warning for a repeat with other values)."""
from __future__ import annotations

import pytest
from flask import get_flashed_messages

from portal import once

ALREADY = "Opslaget er allerede oprettet."
CHANGED = "Opslaget fra denne formular er allerede oprettet."


@pytest.fixture
def claimed(monkeypatch):
    """Let ``once.claim`` answer with the claim given (and record the fallback it was given)."""
    asked: list[str] = []

    def use(result: once.Claim) -> list[str]:
        monkeypatch.setattr(once, "claim", lambda fallback: asked.append(fallback) or result)
        return asked
    return use


def test_a_first_post_goes_ahead_without_a_flash(app, claimed):
    asked = claimed(once.Claim("key", "content"))
    with app.test_request_context("/opslag/ny", method="POST"):
        sent, repeat = once.guard("/opslag", ALREADY, CHANGED)
        assert repeat is None and not sent.repeated and asked == ["/opslag"]
        assert get_flashed_messages(with_categories=True) == []


def test_the_same_form_again_is_sent_to_the_first_ones_object_with_the_already_text(app, claimed):
    claimed(once.Claim("key", "content", url="/opslag/7"))
    with app.test_request_context("/opslag/ny", method="POST"):
        sent, repeat = once.guard("/opslag", ALREADY, CHANGED)
        assert sent.repeated and repeat.status_code == 302 and repeat.location == "/opslag/7"
        assert get_flashed_messages(with_categories=True) == [("info", ALREADY)]


def test_the_form_again_with_other_values_gets_the_warning_and_no_redirect(app, claimed):
    claimed(once.Claim("key", "content", url="/opslag/7", changed=True))
    with app.test_request_context("/opslag/ny", method="POST"):
        sent, repeat = once.guard("/opslag", ALREADY, CHANGED)
        assert repeat is None and sent.repeated and sent.changed
        assert get_flashed_messages(with_categories=True) == [("warning", CHANGED)]


def test_without_a_changed_text_the_route_says_it_on_its_page(app, claimed):
    claimed(once.Claim("key", "content", url="/borgere/3", changed=True))
    with app.test_request_context("/borgere/ny", method="POST"):
        sent, repeat = once.guard("/borgere", "Borgeren er allerede oprettet.")
        assert repeat is None and sent.repeated
        assert get_flashed_messages(with_categories=True) == []
