"""Migration 0036: ``proposal.shared_contacts``, the contact details (field names) the company was
given, backfilled with what can honestly be known (a shared copy still disclosed, the audit log's
surviving consent and disclosure events), NULL where not known, on SQLite and PostgreSQL; the
downgrade drops it in place (SQLite's id counter kept)."""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from store.models import AuditEvent, Citizen, Company, Opening
from tests.portal.migration_helpers import DATABASES, database_url, insert_user, migrated

T0 = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
PROPOSAL = sa.table("proposal", sa.column("id", sa.Integer), sa.column("citizen_id", sa.Integer),
                    sa.column("opening_id", sa.Integer), sa.column("status", sa.String),
                    sa.column("disclosed_at", sa.DateTime(timezone=True)), sa.column("shared_profile", sa.JSON),
                    sa.column("explanation", sa.JSON), sa.column("decision_reason", sa.String),
                    sa.column("company_response_note", sa.String), sa.column("created_at", sa.DateTime(timezone=True)),
                    sa.column("updated_at", sa.DateTime(timezone=True)))


@pytest.fixture(params=DATABASES)
def at_0035(request, tmp_path):
    with migrated(database_url(request, tmp_path, "0036"), revision="0035") as app:
        yield app


def _world(count: int) -> tuple[int, list[int]]:
    """A citizen and ``count`` openings, as 0035 stores them (the company, user and openings did not
    change since; the citizen is a Core insert of 0035's columns, as it has gained columns)."""
    company = Company(name="Lager ApS", cvr="12345678", postcode="8722")
    openings = [Opening(company=company, kind="smaajob", title=f"Job {n}", postcode="8722", hours_min=5,
                        hours_max=10, status="open") for n in range(count)]
    db.session.add_all([company, *openings])
    db.session.commit()
    insert_user("vk@jc.dk", "VK", "consultant")  # a Core insert: the model has gained columns since 0035
    with db.engine.begin() as connection:
        citizen_id = connection.execute(sa.insert(Citizen).values(
            name="Borger", postcode="8723", benefit_group="kontanthjaelp", hours_available=10,
            readiness_group="paa_vej", case_start=date(2025, 1, 1)).returning(Citizen.id)).scalar_one()
    return citizen_id, [opening.id for opening in openings]


def _proposal(citizen_id: int, opening_id: int, status: str, disclosed: bool, profile: dict,
              events: list[tuple[str, str]] = ()) -> int:
    """A proposal as 0035 stores it (a Core insert, without the new column), and its audit events
    in time order."""
    with db.engine.begin() as connection:
        pid = connection.execute(sa.insert(PROPOSAL).values(
            citizen_id=citizen_id, opening_id=opening_id, status=status, shared_profile=profile,
            disclosed_at=T0 if disclosed else None, explanation={}, decision_reason="", company_response_note="",
            created_at=T0, updated_at=T0).returning(PROPOSAL.c.id)).scalar_one()
        for n, (action, purpose) in enumerate(events):
            connection.execute(sa.insert(AuditEvent.__table__).values(
                action=action, purpose=purpose, citizen_id=citizen_id, opening_id=opening_id,
                at=T0 + timedelta(minutes=n), role="consultant", organisation="jobcenter", result="ok", ip=""))
    return pid


def _contacts() -> dict[int, list | None]:
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT id, shared_contacts FROM proposal")).all()
    return {pid: (value if value is None or isinstance(value, list) else json.loads(value))
            for pid, value in rows}


CONSENT = "channel:telefon;text:samtykke-v2;share:{}"


def test_0036_backfills_what_can_be_known_and_leaves_the_rest_unknown(at_0035):
    citizen, openings = _world(9)
    ids = {
        # never given the name: known to have got nothing
        "never": _proposal(citizen, openings[0], "consented", False, {"phone": "11"}),
        # disclosed now: the shared copy holds what the company got
        "copy": _proposal(citizen, openings[1], "disclosed", True, {"experience": "Kok", "email": "a@b.dk"}),
        # withdrawn, the copy cleared, the audit log still says: the consent shared the phone, then the name went
        "replayed": _proposal(citizen, openings[2], "withdrawn", True, {}, [
            ("consent_recorded", CONSENT.format("phone,cv")), ("identity_disclosed", "identity release: disclose"),
            ("consent_withdrawn", "identity release: withdraw")]),
        # withdrawn, its events pruned: not known
        "pruned": _proposal(citizen, openings[3], "withdrawn", True, {}),
        # a disclosure whose consent event was pruned says nothing of the contacts
        "half": _proposal(citizen, openings[4], "ended", True, {}, [
            ("identity_disclosed", "identity release: disclose"), ("proposal_ended", "case closed 2026-03-03")]),
        # given the e-mail again after a withdrawal, then consented to the phone without the name shared again
        "again": _proposal(citizen, openings[5], "consented", True, {"phone": "11"}, [
            ("consent_recorded", CONSENT.format("email")), ("identity_disclosed", "identity release: disclose"),
            ("consent_withdrawn", "identity release: withdraw"), ("consent_recorded", CONSENT.format("phone"))]),
        # a renewal while the name was shared showed the phone at once, and the consent ended with the proposal
        "renewed": _proposal(citizen, openings[6], "opening_done", True, {}, [
            ("consent_recorded", CONSENT.format("name")), ("identity_disclosed", "identity release: disclose"),
            ("consent_renewed", CONSENT.format("phone")), ("proposal_ended", "opening filled 2026-03-04")]),
        # a renewal before the name was shared shows nothing; the disclosure after it the renewed choices
        "before": _proposal(citizen, openings[7], "disclosed", True, {}, [
            ("consent_recorded", CONSENT.format("phone")), ("consent_renewed", CONSENT.format("name")),
            ("identity_disclosed", "identity release: disclose")]),
        # the copy of a disclosed proposal and the log together
        "both": _proposal(citizen, openings[8], "disclosed", True, {"phone": "11"}, [
            ("consent_recorded", CONSENT.format("email")), ("identity_disclosed", "identity release: disclose"),
            ("consent_renewed", CONSENT.format("phone"))]),
    }
    upgrade(revision="0036")
    got = _contacts()
    assert {key: got[pid] for key, pid in ids.items()} == {
        "never": [], "copy": ["email"], "replayed": ["phone"], "pruned": None, "half": None, "again": ["email"],
        "renewed": ["phone"], "before": None, "both": ["phone", "email"]}


def test_0036_goes_back_and_up_again_keeping_the_ids(at_0035):
    citizen, openings = _world(2)
    first = _proposal(citizen, openings[0], "disclosed", True, {"phone": "11"})
    upgrade(revision="0036")
    db.session.remove()
    downgrade(revision="0035")
    assert "shared_contacts" not in {c["name"] for c in sa.inspect(db.engine).get_columns("proposal")}
    if db.engine.dialect.name == "sqlite":
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM proposal"))
        assert _proposal(citizen, openings[1], "approved", False, {}) > first  # AUTOINCREMENT kept
    upgrade(revision="0036")
    assert set(map(str, _contacts().values())) <= {"['phone']", "[]"}
