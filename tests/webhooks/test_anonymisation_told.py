"""Retention deletes an anonymised case's proposals once the whole case lies before the figures'
reach (``portal.privacy.coarsening.coarsen_out_of_reach``). It tells the companies as an erasure does,
through the same rule (``portal.citizens.recipients.tell``, reason ``anonymised``): the company
given the name gets the art. 19 notice and ``proposal.withdrawn``, the company shown the candidate
only by pseudonym the event (the API has no tombstone for a deleted proposal); ids only, once."""
from __future__ import annotations

import json
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import AuditEvent, Citizen, Notification, Opening, Proposal
from tests.portal.proposal_fixtures import MARKER, set_status

from .test_events import EXTERNAL_ID, documented, make_world, queued


@pytest.fixture
def world(app, make_user, frozen_today):
    return make_world(app, make_user, frozen_today)


def test_retention_tells_every_company_shown_the_candidate_before_deleting_the_proposals(
        app, runner, world):
    set_status(app, world["proposal"], "disclosed", consent=True)
    now = datetime.now(timezone.utc)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).disclosed_at = now
        company_id = db.session.get(Opening, world["opening"]).company_id
        pseudonymous = Opening(company_id=company_id, kind="virksomhedspraktik", title="Opslag kun kaldenavn",
                               hours_min=10.0, hours_max=20.0, postcode="7130", status="open")
        citizen = db.session.get(Citizen, world["citizen"])
        row = Proposal(citizen=citizen, opening=pseudonymous, status="approved", explanation={},
                       decided_by_id=world["consultant"].id, decided_at=now)
        db.session.add(row)
        citizen.case_start, citizen.case_closed, citizen.case_close_reason = (
            date(2019, 3, 4), date(2020, 1, 10), "ordinaert_job")  # before RETENTION_DAYS and the reach
        db.session.commit()
        shown_only = row.id
        codes = [pseudonym(world["citizen"], world["opening"]), pseudonym(world["citizen"], pseudonymous.id)]
        db.session.execute(sa.text("DELETE FROM webhook_delivery"))  # only what retention queues
        db.session.commit()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    with app.app_context():
        assert db.session.get(Citizen, world["citizen"]).anonymised_at is not None
        assert db.session.scalars(sa.select(Proposal).where(Proposal.citizen_id == world["citizen"])).all() == []
        notices = db.session.scalars(sa.select(Notification).where(Notification.kind == "candidate_data")).all()
        assert notices and all(n.user.company_id == company_id and "anonymiseret" in n.text for n in notices)
        assert all(n.link.endswith(f"/opslag/{world['opening']}") for n in notices)  # only the named one
        assert db.session.scalar(sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "anonymisation_recipients_told")) == f"told companies: {company_id}"
    got = queued(app, world)
    assert set(got) == {"a_all", "jc_all"}  # never company B's
    for name in ("a_all", "jc_all"):
        assert {body["type"] for body in got[name]} == {"proposal.withdrawn"}
        for body in got[name]:
            documented(body, jobcenter=name == "jc_all")
        assert sorted((b["data"]["proposal_id"], b["data"]["reason"], b["data"]["must_delete"]) for b in got[name]) \
            == sorted([(world["proposal"], "anonymised", True), (shown_only, "anonymised", True)])
    assert all(b["data"]["citizen_id"] is None and b["data"]["citizen_external_id"] is None for b in got["jc_all"])
    text = json.dumps(got, ensure_ascii=False)
    assert MARKER not in text and EXTERNAL_ID not in text and not any(code in text for code in codes)
    # Nothing is told twice: the next run finds nothing left to delete.
    assert runner.invoke(args=["retention"]).exit_code == 0
    assert queued(app, world) == got


def test_a_run_that_finds_the_case_coarsened_meanwhile_fails_and_tells_nothing(app, world, monkeypatch):
    """Two retention runs at once: the one that writes second finds the citizen's version moved
    (here: by the other run between its read and its write) and fails, rolling back what it told."""
    from sqlalchemy.orm.exc import StaleDataError

    from portal.privacy import coarsening

    set_status(app, world["proposal"], "approved")
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.case_start, citizen.case_closed = date(2019, 3, 4), date(2020, 1, 10)
        citizen.anonymised_at = datetime(2025, 1, 10, tzinfo=timezone.utc)
        db.session.commit()
        db.session.execute(sa.text("DELETE FROM webhook_delivery"))
        db.session.commit()
        told = coarsening._tell_companies

        def told_while_another_run_wrote(citizen):
            told(citizen)
            db.session.execute(sa.text("UPDATE citizen SET version = version + 1 WHERE id = :id"),
                               {"id": citizen.id})

        monkeypatch.setattr(coarsening, "_tell_companies", told_while_another_run_wrote)
        with pytest.raises(StaleDataError):
            coarsening.coarsen_out_of_reach(db.session, today=world["today"])
        db.session.rollback()
        assert db.session.get(Proposal, world["proposal"]) is not None
    assert queued(app, world) == {}
