"""Review BJ 7: a caseload handover (``/admin/users/<id>/overdrag``) tells each VK or adviser who
stays on a moved citizen, once, by the citizens' numbers (``caseload_changed``), linked to the
stayer's own list filtered by the successor's seat, as a single change, the API and an import do;
not the leaving consultant, the successor nor the administrator who hands over (each told
otherwise or knowing)."""
from __future__ import annotations

import pytest

from portal.notifications import mailer
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.test_caseload_changed_notice import (
    ASSIGNED, CHANGED, REMOVED, _hand_over, _mails, _named, _notes)


@pytest.fixture(autouse=True)
def _mails_stay_queued(monkeypatch):
    monkeypatch.setattr(mailer, "kick", lambda app: None)


def test_a_handover_as_adviser_tells_each_vk_who_stays_once_by_number(app, client, auth, make_user):
    admin = make_user("admin", email="admin@jc.dk")
    _named(app, admin.id, "Michael Pedersen")
    leaving, successor = make_user("consultant"), make_user("consultant")
    _named(app, leaving.id, "Mathilde Berg")
    _named(app, successor.id, "Camilla Holm")
    vk_a, vk_b = make_user("consultant"), make_user("consultant")
    a_cases = [make_citizen(app, name=f"Borger A{n}", vk_id=vk_a.id, adviser_id=leaving.id) for n in range(2)]
    b_case = make_citizen(app, name="Borger B", vk_id=vk_b.id, adviser_id=leaving.id)
    other = make_citizen(app, name="Borger C", vk_id=vk_a.id, adviser_id=successor.id)  # not moved
    auth.login("admin@jc.dk")
    assert _hand_over(client, leaving.id, successor.id, kinds=("advised",)).status_code == 302
    link = f"/borgere/?scope=mine&raadgiver={successor.id}"
    assert _notes(app, vk_a.id, CHANGED) == [
        ("Sager er overdraget fra Mathilde Berg til Camilla Holm af Michael Pedersen: Camilla Holm er nu "
         "beskæftigelsesrådgiver for 2 borgere, som du er VK for.", link)]
    assert [text for text, _ in _notes(app, vk_b.id, CHANGED)] == [
        "Sager er overdraget fra Mathilde Berg til Camilla Holm af Michael Pedersen: Camilla Holm er nu "
        "beskæftigelsesrådgiver for 1 borger, som du er VK for."]
    [mail] = _mails(app, vk_a.id, CHANGED)
    assert mail.subject == "Ny sagsbehandler for dine borgere: Camilla Holm"
    assert f"Ny beskæftigelsesrådgiver: borger nr. {a_cases[0]}, nr. {a_cases[1]}." in mail.body
    assert f"nr. {b_case}" not in mail.body and f"nr. {other}" not in mail.body
    assert "Borger A" not in mail.body  # numbers, never names
    assert f"Se dine borgere med Camilla Holm som beskæftigelsesrådgiver her: {link}" in mail.body
    # nobody else is told as one who stays
    for person in (leaving, successor, admin):
        assert _notes(app, person.id, CHANGED) == []
    assert len(_notes(app, leaving.id, REMOVED)) == 1 and len(_notes(app, successor.id, ASSIGNED)) == 1
    auth.switch_to(vk_a.email)  # the link opens the VK's citizens with the new adviser
    page = client.get(link).get_data(as_text=True)
    assert "Camilla Holm som beskæftigelsesrådgiver" in page
    assert "Borger A0" in page and "Borger A1" in page and "Borger B" not in page


def test_a_handover_of_both_seats_tells_the_one_who_stays_in_one_summary(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor, stays = make_user("consultant"), make_user("consultant"), make_user("consultant")
    _named(app, successor.id, "Camilla Holm")
    new_vk = make_citizen(app, name="Borger V", vk_id=leaving.id, adviser_id=stays.id)
    new_adviser = make_citizen(app, name="Borger R", vk_id=stays.id, adviser_id=leaving.id)
    both = make_citizen(app, name="Borger Begge", vk_id=leaving.id, adviser_id=leaving.id)  # nobody stays
    own = make_citizen(app, name="Borger Egen", vk_id=leaving.id, adviser_id=successor.id)  # the successor
    auth.login("admin@jc.dk")
    _hand_over(client, leaving.id, successor.id)
    [(text, link)] = _notes(app, stays.id, CHANGED)
    assert text.endswith("Camilla Holm er nu VK for 1 borger, som du er beskæftigelsesrådgiver for, og "
                         "beskæftigelsesrådgiver for 1 borger, som du er VK for.")
    assert link == "/borgere/?scope=mine"
    [mail] = _mails(app, stays.id, CHANGED)
    assert f"Ny VK: borger nr. {new_vk}.\nNy beskæftigelsesrådgiver: borger nr. {new_adviser}." in mail.body
    assert f"nr. {both}" not in mail.body and f"nr. {own}" not in mail.body
    assert _notes(app, successor.id, CHANGED) == [] and _notes(app, leaving.id, CHANGED) == []


def test_a_handover_as_vk_keeps_the_leaving_adviser_seat_untold_as_kept(app, client, auth, make_user):
    make_user("admin", email="admin@jc.dk")
    leaving, successor = make_user("consultant"), make_user("consultant")
    make_citizen(app, vk_id=leaving.id, adviser_id=leaving.id)  # stays adviser: told of the removal only
    auth.login("admin@jc.dk")
    _hand_over(client, leaving.id, successor.id, kinds=("citizens",))
    assert _notes(app, leaving.id, CHANGED) == [] and len(_notes(app, leaving.id, REMOVED)) == 1
