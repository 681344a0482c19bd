"""Typed texts that go into the audit log (review E3): a restriction's notes, a reopening's
reason, an erasure's purpose.

The log is append-only and outlives the citizen's erasure, so such a text is refused, at its
field and with nothing written, when it holds a CPR-like number, a health word, an e-mail
address, or the citizen's own name or phone (portal.citizens.forms.audit_text_problem).
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.citizens import case
from portal.citizens.forms import AUDIT_LOG_KEPT, audit_text_problem
from portal.extensions import db
from store.models import AuditEvent, Citizen
from tests.portal.citizen_fixtures import csrf, make_citizen, snapshot

pytestmark = pytest.mark.usefixtures("frozen_today")

# The reviewer's own notes, word for word.
REVIEW_RESTRICT_NOTE = "Borgeren bestrider journalnotatet om depression, PTSD og alkoholbehandling; CPR 010190-1234"
REVIEW_LIFT_NOTE = "Review E: orienteret om angst-udredning"


@pytest.fixture
def consultant(make_user):
    return make_user("consultant", email="vk@jc.dk")


@pytest.fixture
def cid(app, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id, phone="21 34 56 78", email="sofie@example.dk")


def audit_purposes(app, cid) -> list[tuple[str, str]]:
    with app.app_context():
        return [tuple(row) for row in db.session.execute(
            sa.select(AuditEvent.action, AuditEvent.purpose).where(AuditEvent.citizen_id == cid))]


def restricted(app, cid) -> bool:
    with app.app_context():
        return db.session.get(Citizen, cid).restricted


def field_error(html: str, field_id: str) -> str:
    """The text of the error shown at the field ``field_id`` ("" when there is none)."""
    found = re.search(rf'id="{field_id}-error">(.*?)</span>\s*$', html, re.MULTILINE | re.DOTALL)
    return re.sub(r"<[^>]+>", "", found.group(1)) if found else ""


@pytest.mark.parametrize("text, named", [
    ("010190-1234", "CPR-nummer"),
    ("CPR 0101901234", "CPR-nummer"),
    ("cpr 010190 – 1234", "CPR-nummer"),
    ("Bestrider notatet om depression", "»depression«"),
    ("Sygemeldt med stress", "»Sygemeldt«, »stress«"),
    ("Svar til sofie@example.dk", "e-mailadresse"),
])
def test_the_audit_text_rule_names_what_may_not_be_logged(text, named):
    problem = audit_text_problem(text)
    assert problem and named in problem and AUDIT_LOG_KEPT in problem


def test_a_huge_text_is_refused_unread_and_fast():
    """The health words' pattern is quadratic on one long word; a million characters must not hang."""
    assert "højst 200 tegn" in audit_text_problem("x" * 1_000_000)


def test_the_rule_knows_the_citizens_own_name_and_phone_when_given():
    problem = audit_text_problem("Andersen ringede fra 21345678", name="Sofie Andersen", phone="21 34 56 78")
    assert problem == ("Skriv teksten uden borgerens navn (»Andersen«) og borgerens telefonnummer. "
                       + AUDIT_LOG_KEPT)


@pytest.mark.parametrize("text", ["J.nr. 2026-17", "J.nr. 27.12.04-G01-123-26", "Sag 2026-004512",
                                  "Mistede jobbet efter prøvetiden", "Borgeren er orienteret pr. brev",
                                  "Sofiebergs sag 12"])
def test_journal_numbers_and_plain_remarks_pass(text):
    assert audit_text_problem(text, name="Sofie Andersen", phone="21 34 56 78") is None


def test_the_reviewers_restriction_note_is_refused_at_the_field_and_nothing_is_written(app, client, auth, cid):
    before = snapshot(app, cid)
    response = client.post(f"/borgere/{cid}/begraens",
                           data={"csrf_token": csrf(auth), "ground": "rigtighed", "note": REVIEW_RESTRICT_NOTE})
    assert response.status_code == 400
    error = field_error(response.get_data(as_text=True), "note")
    assert "CPR-nummer" in error and "»depression«" in error and "adgangsloggen" in error
    assert not restricted(app, cid) and snapshot(app, cid) == before
    assert not [p for a, p in audit_purposes(app, cid) if "010190" in p or "depression" in p]


def test_a_clean_restriction_note_is_kept_with_the_ground(app, client, auth, cid):
    response = client.post(f"/borgere/{cid}/begraens",
                           data={"csrf_token": csrf(auth), "ground": "rigtighed", "note": "J.nr. 2026-17"})
    assert response.status_code == 302
    assert ("processing_restricted", "rigtighed: J.nr. 2026-17") in audit_purposes(app, cid)


@pytest.mark.parametrize("note, named", [("Sofie har bedt om det", "»Sofie«"),
                                         ("Ring på 21 34 56 78", "borgerens telefonnummer")])
def test_the_citizens_own_name_or_phone_in_a_note_is_refused_by_the_service_at_the_field(
        app, client, auth, cid, note, named):
    """The form cannot know the citizen; the service checks, and the route shows it at the field."""
    response = client.post(f"/borgere/{cid}/begraens",
                           data={"csrf_token": csrf(auth), "ground": "indsigelse", "note": note})
    assert response.status_code == 400 and named in field_error(response.get_data(as_text=True), "note")
    assert not restricted(app, cid) and not audit_purposes(app, cid)[1:]  # only the page's read


def test_the_reviewers_lifting_note_is_refused_and_the_restriction_stays(app, client, auth, cid):
    assert client.post(f"/borgere/{cid}/begraens", data={"csrf_token": csrf(auth), "ground": "rigtighed"}
                       ).status_code == 302
    response = client.post(f"/borgere/{cid}/ophaev-begraensning",
                           data={"csrf_token": csrf(auth), "informed": "y", "note": REVIEW_LIFT_NOTE})
    assert response.status_code == 400
    assert "»angst«" in field_error(response.get_data(as_text=True), "note")
    assert restricted(app, cid)
    assert not [a for a, _p in audit_purposes(app, cid) if a == "restriction_lifted"]


@pytest.mark.parametrize("reason, named", [("Ny sag, cpr 010190-1234", "CPR-nummer"),
                                           ("Andersen mistede jobbet", "»Andersen«")])
def test_a_reopen_reason_with_a_cpr_number_or_the_name_is_refused(app, client, auth, cid, reason, named):
    client.post(f"/borgere/{cid}/afslut", data={"csrf_token": csrf(auth), "closed_on": "2026-01-05",
                                               "reason": "flyttet"})
    response = client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": reason})
    assert response.status_code == 400 and named in field_error(response.get_data(as_text=True), "reason")
    assert not [a for a, _p in audit_purposes(app, cid) if a == "case_reopened"]


@pytest.mark.parametrize("purpose, named", [("Anmodning fra Sofie Andersen", "borgerens navn"),
                                            ("Anmodning 010190-1234", "CPR-nummer"),
                                            ("Ønsker sletning pga. depression", "helbredsoplysninger")])
def test_an_erasure_purpose_that_would_outlive_the_citizen_is_refused(app, client, auth, make_user, purpose, named):
    admin = make_user("admin", email="admin@jc.dk")
    cid = make_citizen(app)
    auth.login(admin.email)
    response = client.post(f"/borgere/{cid}/slet", data={
        "csrf_token": auth.csrf_token(f"/borgere/{cid}/slet"), "purpose": purpose, "confirm_name": "Sofie Andersen"})
    assert response.status_code == 400 and named in field_error(response.get_data(as_text=True), "purpose")
    with app.app_context():
        assert db.session.get(Citizen, cid) is not None
    assert not [a for a, _p in audit_purposes(app, cid) if a == "citizen_erased"]


def test_the_service_refuses_for_every_caller_not_only_the_form(app, cid):
    """A caller without the form (a script, a later API) meets the same rule."""
    with app.test_request_context():
        citizen = db.session.get(Citizen, cid)
        with pytest.raises(case.AuditTextError) as refused:
            case.restrict(citizen, "rigtighed", REVIEW_RESTRICT_NOTE)
        assert refused.value.field == "note" and not citizen.restricted
        db.session.rollback()
