"""Erasure and retention remove the person everywhere, and only them."""
from __future__ import annotations

from datetime import date, datetime, timezone
from pathlib import Path

import pytest

from portal.extensions import db
from store.models import (AuditEvent, Citizen, Company, CvDocument, HotlineMessage, HotlineRequest,
                           JobGoal, Opening, OutboxEvent, Placement, PlacementEvent, Proposal,
                           SuccessStory)
from portal.privacy.erasure import erase_citizen
from portal.privacy.retention import anonymise_expired
from portal.privacy.scrubbing import ANONYMOUS_NAME, ERASED_TEXT


@pytest.fixture
def uploads(app) -> Path:
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _citizen(uploads: Path, name: str, closed: date | None = None) -> int:
    stored = f"{name.lower()}0123456789abcdef.txt"
    (uploads / stored).write_text("CV")
    citizen = Citizen(name=name, phone="12345678", email=f"{name}@mail.dk", postcode="8722",
                      benefit_group="kontanthjaelp", hours_available=10, readiness_group="paa_vej",
                      case_start=date(2019, 1, 1), case_closed=closed, limitations_text="Ryg",
                      limitation_flags=["no_heavy_lifting"])
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
    citizen.cv_documents.append(CvDocument(text="CV-tekst", stored_name=stored))
    db.session.add(citizen)
    db.session.commit()
    return citizen.id


def test_erasure_removes_rows_files_and_queues_index_removal(app, uploads):
    with app.app_context():
        gone, kept = _citizen(uploads, "Anna"), _citizen(uploads, "Bo")
        company = Company(name="Firma", cvr="11112222", postcode="8722")
        db.session.add(Placement(citizen_id=gone, company=company, kind="smaajob",
                                 start_date=date(2026, 1, 1)))
        db.session.commit()
        assert erase_citizen(db.session, gone, purpose="GDPR 2026-17")
        db.session.commit()
        assert db.session.get(Citizen, gone) is None
        assert db.session.query(Placement).count() == 0
        assert db.session.query(JobGoal).count() == 1  # Bo's
        assert sorted(p.name for p in uploads.iterdir()) == ["bo0123456789abcdef.txt"]
        event = db.session.query(OutboxEvent).one()
        assert (event.entity, event.entity_id, event.op) == ("citizen", gone, "delete")
        assert db.session.query(AuditEvent).filter_by(action="citizen_erased", citizen_id=gone).count() == 1
        assert db.session.get(Citizen, kept) is not None
        assert not erase_citizen(db.session, gone, purpose="again")


def test_retention_anonymises_only_expired_closed_cases(app, uploads):
    with app.app_context():
        old = _citizen(uploads, "Gammel", closed=date(2020, 1, 1))
        recent = _citizen(uploads, "Ny", closed=date(2026, 6, 1))
        open_case = _citizen(uploads, "Aaben")
        count = anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=5 * 365)
        db.session.commit()
        assert count == 1
        anonymised = db.session.get(Citizen, old)
        assert (anonymised.name, anonymised.phone, anonymised.email) == (ANONYMOUS_NAME, "", "")
        assert anonymised.limitations_text == "" and anonymised.limitation_flags == []
        assert anonymised.cv_documents == [] and anonymised.anonymised_at is not None
        assert anonymised.job_goals == [] and anonymised.languages == "" and anonymised.postcode == ""
        # Closed before the figures' reach: the days go to the first of their month (review AU 4).
        assert (anonymised.case_start, anonymised.case_closed) == (date(2019, 1, 1), date(2020, 1, 1))
        assert db.session.get(Citizen, recent).name == "Ny"
        assert db.session.get(Citizen, open_case).name == "Aaben"
        assert not (uploads / "gammel0123456789abcdef.txt").exists()
        # Idempotent: a second run finds nothing new.
        assert anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=5 * 365) == 0


def _written_about(citizen_id: int, author_id: int) -> tuple[int, int]:
    """A placement with a hotline request about it, and a proposal with notes; ids back."""
    company = Company(name="Firma", cvr="11112222", postcode="8722")
    opening = Opening(company=company, kind="smaajob", title="Lager", description="Pluk",
                      postcode="8722", hours_min=5, hours_max=10, status="open")
    placement = Placement(citizen_id=citizen_id, company=company, kind="smaajob",
                          start_date=date(2025, 1, 1), end_date=date(2025, 3, 1), end_reason="forloeb_slut")
    request = HotlineRequest(company=company, placement=placement, category="fravaer",
                             urgency="normal", subject="Anna er syg igen", created_by_id=author_id,
                             due_at=datetime(2026, 2, 1, tzinfo=timezone.utc))
    request.messages.append(HotlineMessage(author_id=author_id, body="Hun har ondt i ryggen"))
    placement_note = PlacementEvent(placement=placement, kind="followup", note="Rygsmerter, tal med læge")
    company.code_of_care = True
    story = SuccessStory(title="Fra praktik til job", text="En god historie.", company=company,
                         placement=placement, kind="smaajob", status="published", author_id=author_id,
                         consent_confirmed=True)
    proposal = Proposal(citizen_id=citizen_id, opening=opening, status="approved",
                        decision_reason="Passer trods rygproblemer", company_response_note="Fin",
                        explanation={"terms": ["truck"]}, shared_goal="Lagermedarbejder")
    db.session.add_all([request, proposal, placement_note, story])
    db.session.commit()
    return request.id, proposal.id


def test_erasure_blanks_what_others_wrote_about_the_citizen(app, uploads, make_user):
    author = make_user("company")
    with app.app_context():
        gone = _citizen(uploads, "Anna")
        request_id, _ = _written_about(gone, author.id)
        assert erase_citizen(db.session, gone, purpose="GDPR")
        db.session.commit()
        request = db.session.get(HotlineRequest, request_id)
        assert request is not None and request.placement_id is None  # the company's case stays
        story = db.session.query(SuccessStory).one()
        assert (story.status, story.placement_id) == ("withdrawn", None)
        assert request.subject == ERASED_TEXT
        assert [m.body for m in request.messages] == [ERASED_TEXT]


def test_retention_blanks_notes_and_explanations(app, uploads, make_user):
    author = make_user("company")
    with app.app_context():
        old = _citizen(uploads, "Gammel", closed=date(2025, 6, 1))  # within the figures' reach
        request_id, proposal_id = _written_about(old, author.id)
        assert anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=365) == 1
        db.session.commit()
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.decision_reason, proposal.company_response_note, proposal.explanation,
                proposal.shared_goal) == ("", "", {}, "")
        assert proposal.status == "approved"  # the statistics keep their rows
        assert db.session.get(HotlineRequest, request_id).subject == ERASED_TEXT
        assert [e.note for e in db.session.query(PlacementEvent)] == [""]


def test_failed_erasure_keeps_the_files(app, uploads):
    with app.app_context():
        citizen_id = _citizen(uploads, "Anna")
        assert erase_citizen(db.session, citizen_id, purpose="GDPR")
        db.session.rollback()  # e.g. the commit failed
        db.session.commit()  # a later, unrelated commit must not delete them either
        assert (uploads / "anna0123456789abcdef.txt").exists()
        assert db.session.get(Citizen, citizen_id) is not None


def test_cli_erase_refuses_unknown_ids(runner):
    result = runner.invoke(args=["erase-citizen", "999", "--purpose", "test"])
    assert result.exit_code != 0 and "no citizen" in result.output


def test_cli_retention_prunes_old_login_attempts(app, runner):
    from datetime import timedelta

    from store.models import LoginAttempt
    from store.models.base import utcnow

    with app.app_context():
        now = utcnow()
        db.session.add_all([LoginAttempt(key="email:old@x.dk", at=now - timedelta(days=2)),
                            LoginAttempt(key="ip:127.0.0.1", at=now - timedelta(minutes=5))])
        db.session.commit()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "1 old log-in attempts removed" in result.output
    with app.app_context():
        assert [a.key for a in db.session.query(LoginAttempt)] == ["ip:127.0.0.1"]  # still throttling


def test_cli_retention_removes_expired_held_forms(app, runner, make_user):
    from datetime import timedelta

    from store.models.base import utcnow
    from store.models.held import HeldForm

    user = make_user("consultant")
    with app.app_context():
        now = utcnow()
        db.session.add_all([HeldForm(id="old", user_id=user.id, kind="relogin", expires_at=now - timedelta(minutes=1),
                                     payload={"form": [["text", "gammelt"]]}),
                            HeldForm(id="new", user_id=user.id, kind="relogin", expires_at=now + timedelta(minutes=9),
                                     payload={"form": [["text", "nyt"]]})])
        db.session.commit()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0 and "1 expired held forms removed" in result.output, result.output
    with app.app_context():
        assert [h.id for h in db.session.query(HeldForm)] == ["new"]


def test_erasure_drops_forms_held_across_a_log_in(app, uploads, make_user):
    """A held form may carry what was typed about the person, and cannot be told apart: all go."""
    from datetime import timedelta

    from store.models.base import utcnow
    from store.models.held import HeldForm

    user = make_user("consultant")
    with app.app_context():
        gone = _citizen(uploads, "Holdt")
        db.session.add(HeldForm(id="held", user_id=user.id, kind="relogin", expires_at=utcnow() + timedelta(minutes=9),
                                payload={"form": [["text", "Holdt har ondt i ryggen"]]}))
        db.session.commit()
        assert erase_citizen(db.session, gone, purpose="GDPR")
        db.session.commit()
        assert db.session.query(HeldForm).count() == 0


def test_retention_drops_the_case_system_id_and_blocks_it_as_anonymised(app, uploads):
    from portal.privacy.blocklist import block_reason, external_id_hash
    from store.models.citizens import ErasedExternalId

    with app.app_context():
        old = _citizen(uploads, "Gammel", closed=date(2020, 1, 1))
        earlier = _citizen(uploads, "Tidligere", closed=date(2020, 1, 1))
        db.session.get(Citizen, old).external_id = "SAG-5001"
        # anonymised before the id was dropped on anonymisation: the next run drops it too
        before = db.session.get(Citizen, earlier)
        before.external_id, before.anonymised_at = "SAG-5002", datetime(2025, 1, 1, tzinfo=timezone.utc)
        db.session.commit()
        assert anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=365) == 1
        db.session.commit()
        assert db.session.get(Citizen, old).external_id is None
        assert db.session.get(Citizen, earlier).external_id is None
        assert block_reason(db.session, "SAG-5001") == block_reason(db.session, "SAG-5002") == "anonymised"
        stored = {row.key_hash for row in db.session.query(ErasedExternalId)}
        # never the id itself: the keyed hash of the folded id (0035)
        assert stored == {external_id_hash("sag-5001"), external_id_hash("sag-5002")}


def _shared_with_company(citizen_id: int, author_id: int) -> int:
    """A disclosed proposal with a live consent, the citizen's phone and CV shared; its id."""
    from store.models import Consent

    company = Company(name="Deler", cvr="33334444", postcode="8722")
    opening = Opening(company=company, kind="smaajob", title="Kantine", description="Opvask",
                      postcode="8722", hours_min=5, hours_max=10, status="open")
    proposal = Proposal(citizen_id=citizen_id, opening=opening, status="disclosed", share_cv=True,
                        shared_profile={"phone": "12345678", "experience": "2020-2026 Bostedet Skovly"})
    proposal.consents.append(Consent(text_version="v1", channel="brev", deadline=date(2027, 6, 1),
                                     recorded_by_id=author_id))
    db.session.add(proposal)
    db.session.commit()
    return proposal.id


def test_retention_ends_what_was_shared_with_companies(app, uploads, make_user):
    """Review M 1: no company keeps the phone number, the CV or a live consent of an anonymised
    citizen (the page would show them beside »Anonymiseret borger«)."""
    from portal.proposals import identity_released

    consultant = make_user("consultant")
    with app.app_context():
        old = _citizen(uploads, "Delt", closed=date(2025, 6, 1))  # within the figures' reach: the proposal stays
        proposal_id = _shared_with_company(old, consultant.id)
        assert identity_released(db.session.get(Proposal, proposal_id), date(2026, 11, 23))
        assert anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=365) == 1
        db.session.commit()
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.shared_profile, proposal.share_cv) == ({}, False)
        assert all(c.withdrawn_at is not None and c.ended_with_proposal for c in proposal.consents)
        assert not identity_released(proposal, date(2026, 11, 23))


def test_retention_ends_sharing_left_by_an_earlier_anonymisation(app, uploads, make_user):
    """Citizens anonymised before the shared profile went: the next run ends it too."""
    consultant = make_user("consultant")
    with app.app_context():
        earlier = _citizen(uploads, "Tidligere")
        proposal_id = _shared_with_company(earlier, consultant.id)
        citizen = db.session.get(Citizen, earlier)
        citizen.name, citizen.anonymised_at = ANONYMOUS_NAME, datetime(2026, 1, 1, tzinfo=timezone.utc)
        db.session.commit()
        assert anonymise_expired(db.session, today=date(2026, 11, 23), retention_days=365) == 0
        db.session.commit()
        proposal = db.session.get(Proposal, proposal_id)
        assert (proposal.shared_profile, proposal.share_cv) == ({}, False)
        assert all(c.withdrawn_at is not None for c in proposal.consents)
