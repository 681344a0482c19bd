"""Review W 9: the company is told in the portal (and by mail) when the job centre starts, ends,
corrects or cancels one of its placements, linking to the placement, never naming the citizen."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa

from portal.extensions import db
from portal.placements import news as placement_news
from portal.placements import lifecycle
from store.models import MailMessage, Notification, Placement, User
from tests.portal.proposal_fixtures import MARKER
from tests.portal import test_placements_lifecycle as lifecycle_tests
from tests.portal.test_placements_lifecycle import TODAY, login, only_placement, post_end, post_start

# the lifecycle tests' fixtures: a disclosed proposal, a running placement, today frozen
world, running, fixed_today = lifecycle_tests.world, lifecycle_tests.running, lifecycle_tests.fixed_today


def _company_notes(app, world, kind: str) -> list[tuple[int, str, str]]:
    with app.app_context():
        users = set(db.session.scalars(sa.select(User.id).where(User.company_id == world["company"].company_id)))
        return [(n.user_id, n.text, n.link) for n in db.session.scalars(
            sa.select(Notification).where(Notification.kind == kind, Notification.user_id.in_(users))
            .order_by(Notification.id))]


def test_a_start_tells_every_company_user_with_a_link_to_the_placement(app, client, auth, world, make_user):
    colleague = make_user("company", email="kollega@firma.dk", company=_company(app, world))
    login(auth, world["consultant"])
    assert post_start(client, auth, world).status_code == 302
    pid = only_placement(app).id
    notes = _company_notes(app, world, "placement_started")
    assert {user for user, _text, _link in notes} == {world["company"].id, colleague.id}
    text, link = notes[0][1], notes[0][2]
    assert text == f"Jobcentret har startet forløb nr. {pid} (Praktik i kantinen, start 01.12.2026)."
    assert link == f"/forloeb/{pid}" and MARKER not in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(MailMessage)
                                 .where(MailMessage.kind == "placement_started")) == 2
    login(auth, world["company"])
    page = client.get("/beskeder/").get_data(as_text=True)
    assert f"Jobcentret har startet forløb nr. {pid}" in page


def test_an_end_and_its_correction_are_told_with_the_reason(app, client, auth, world, running):
    assert _company_notes(app, world, "placement_started")  # the fixture's start
    post_end(client, auth, running)
    post_end(client, auth, running, end_date="2026-11-10", end_reason="uddannelse")
    texts = [text for _user, text, _link in _company_notes(app, world, "placement_ended")]
    # One colon at most, "afsluttet" once, the outcome a sentence of its own (review AD 1).
    assert texts == [
        f"Jobcentret har afsluttet forløb nr. {running} (Praktik i kantinen, start 01.09.2026) den 20.11.2026. "
        "Udfald: ordinært job.",
        f"Jobcentret har rettet afslutningen af forløb nr. {running} (Praktik i kantinen, start 01.09.2026). "
        "Slutdato: 10.11.2026. Udfald: uddannelse."]
    assert all(MARKER not in t for t in texts)


def test_a_cancellation_is_told(app, client, auth, world):
    login(auth, world["consultant"])
    post_start(client, auth, world)  # starts 01.12.2026, after today
    with app.test_request_context():
        placement = db.session.scalar(sa.select(Placement))
        lifecycle.cancel_placement(placement, "Borgeren mødte ikke op", db.session.get(User, world["consultant"].id),
                                   TODAY)
        pid = placement.id
    [(_user, text, link)] = _company_notes(app, world, "placement_ended")
    assert text == f"Jobcentret har aflyst forløb nr. {pid} (Praktik i kantinen, start 01.12.2026). " \
                   "Forløbet blev ikke til noget." and link == f"/forloeb/{pid}"
    assert "mødte ikke op" not in text  # the consultant's reason stays with the job centre


def test_an_end_as_agreed_reads_as_what_happened(app, client, auth, world, running):
    post_end(client, auth, running, end_reason="forloeb_slut")
    [(_user, text, _link)] = _company_notes(app, world, "placement_ended")
    assert text.endswith("den 20.11.2026. Udfald: sluttede som aftalt (ikke i job).")
    assert "Forløb afsluttet" not in text and text.count("afsluttet") == 1


def _mails(app, kind: str) -> list[MailMessage]:
    with app.app_context():
        mails = db.session.scalars(sa.select(MailMessage).where(MailMessage.kind == kind).order_by(MailMessage.id)).all()
        db.session.expunge_all()
        return mails


def test_the_mails_have_a_short_subject_a_greeting_and_the_job_centres_sign_off(app, client, auth, world, running):
    """Review AD 6: not a 130-character sentence as the subject, nor a bare text and link."""
    [started] = [m for m in _mails(app, "placement_started") if m.to_address == world["company"].email]
    assert started.subject == f"Forløb nr. {running} er startet"
    with app.test_request_context():  # queued, not sent: a request would kick the mail worker
        placement = db.session.get(Placement, running)
        placement.end_date, placement.end_reason = date(2026, 11, 20), "ordinaert_job"
        placement_news.announce_ended(placement)
        placement_news.announce_ended(placement, corrected=True)
        db.session.commit()
    ended, corrected = [m for m in _mails(app, "placement_ended") if m.to_address == world["company"].email]
    assert (ended.subject, corrected.subject) == (f"Forløb nr. {running} er afsluttet",
                                                  f"Afslutningen af forløb nr. {running} er rettet")
    assert ended.body.startswith(f"Goddag {world['company'].name}\n\nJobcentret har afsluttet forløb nr. {running} (")
    assert "Registrér timerne til og med slutdatoen" in ended.body
    assert f"Se det i Jobbro: /forloeb/{running}\n" in ended.body
    assert ended.body.endswith("\n\nVenlig hilsen\nJobcenter Hedensted\n\n"
                               "(Mailen er sendt automatisk fra Jobbro og kan ikke besvares.)\n")
    assert ended.body.count(f"/forloeb/{running}") == 1


def test_the_company_can_choose_the_mails_for_the_new_kinds(client, auth, world):
    login(auth, world["company"])
    page = client.get("/beskeder/indstillinger").get_data(as_text=True)
    assert "Jobcentret har startet et forløb" in page and "Jobcentret har afsluttet eller aflyst et forløb" in page


def _company(app, world):
    from store.models import Company

    with app.app_context():
        company = db.session.get(Company, world["company"].company_id)
        db.session.expunge(company)
        return company
