"""Migrations and models on SQLite and on a real PostgreSQL."""
from __future__ import annotations

import warnings
from datetime import date, datetime, timezone
from decimal import Decimal

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from tests.portal.migration_helpers import migrated, migrated_app_fixture, sqlite_url
from store.models import (AuditEvent, Citizen, Company, Consent, CvDocument, HotlineMessage,
                           HotlineRequest, HoursLog, JobGoal, Opening, OutboxEvent, Placement,
                           Proposal, Team, User)


migrated_app = migrated_app_fixture("schema")


def test_migrations_match_the_models(migrated_app):
    with db.engine.connect() as connection, warnings.catch_warnings():
        # SQLite's reflection cannot read 0037's index on an expression, so it is not compared there
        # (test_migration_0037 compares it); PostgreSQL's is.
        _ignore_the_danish_key_index()
        warnings.filterwarnings("ignore", "autogenerate skipping metadata-specified expression-based index "
                                "'ix_citizen_name_danish'", UserWarning)
        diff = compare_metadata(MigrationContext.configure(connection), db.metadata)
    assert diff == []


def _ignore_the_danish_key_index() -> None:
    warnings.filterwarnings("ignore", "Skipped unsupported reflection of expression-based index "
                            "ix_citizen_name_danish", sa.exc.SAWarning)


def test_the_tables_with_autoincrement_on_sqlite_match_the_models(tmp_path):
    """compare_metadata above does not compare table options: the tables whose ids are never
    reused on SQLite (AUTOINCREMENT: 0015's, 0032's cv_document) are the same in both."""
    with migrated(sqlite_url(tmp_path, "a.sqlite")):
        with db.engine.connect() as connection:
            tables = connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all()
        autoincrement = {name for name, sql in tables if "AUTOINCREMENT" in (sql or "")}
        modelled = {table.name for table in db.metadata.sorted_tables
                    if table.dialect_options["sqlite"]["autoincrement"]}
        assert autoincrement == modelled
        assert "cv_document" in modelled


def test_downgrade_and_upgrade_again(migrated_app):
    downgrade(revision="base")
    assert "citizen" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert "citizen" in sa.inspect(db.engine).get_table_names()


def test_citizens_are_indexed_by_vk_adviser_and_team(migrated_app):
    """0027 (review AB 4): the caseload lists and what a user holds select citizens by these."""
    from portal.admin.service import holdings

    with warnings.catch_warnings():  # SQLite's reflection skips 0037's index on an expression, saying so
        _ignore_the_danish_key_index()
        indexed = {tuple(index["column_names"]) for index in sa.inspect(db.engine).get_indexes("citizen")}
    assert {("vk_id",), ("adviser_id",), ("team_id",)} <= indexed
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.commit()
    assert [(h.name, h.citizens, h.advised, h.companies) for h in holdings(include_active=True)] == [("VK", 1, 0, 0)]


def test_a_companys_placement_page_and_summary_run_on_each_database(migrated_app):
    """/forloeb/'s page and the partner's results are read in the database (review AB 12)."""
    from portal.placements.service import page_for_company, partner_summary

    objects = _graph()
    db.session.add_all(objects.values())
    db.session.commit()
    company_id, today = objects["company"].id, date(2026, 2, 1)
    page = page_for_company(company_id, today)
    assert [(row.placement.id, row.active, row.hours_total) for row in page.items] == [
        (objects["placement"].id, True, Decimal("32.50"))]
    summary = partner_summary(company_id, today)
    assert (summary.placements, summary.active, summary.ended, summary.total_hours) == (1, 1, 0, Decimal("32.50"))


def _graph() -> dict:
    team = Team(name="Team Nord")
    company = Company(name="Hedensted Lager ApS", cvr="12345678", postcode="8722", code_of_care=True)
    vk = User(email="vk@jc.dk", name="VK", role="consultant", team=team)
    contact = User(email="k@firma.dk", name="Kontakt", role="company", company=company)
    citizen = Citizen(name="Borger", postcode="8723", benefit_group="kontanthjaelp", hours_available=10,
                      readiness_group="paa_vej", case_start=date(2025, 1, 1), vk=vk, team=team,
                      limitation_flags=["no_heavy_lifting"])
    citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
    citizen.cv_documents.append(CvDocument(text="Truckcertifikat", content_type="txt"))
    opening = Opening(company=company, kind="smaajob", title="Lagerhjælp", postcode="8722",
                      hours_min=5, hours_max=10, status="open")
    proposal = Proposal(citizen=citizen, opening=opening, score=0.8)
    placement = Placement(citizen=citizen, opening=opening, company=company, kind="smaajob",
                          start_date=date(2026, 1, 5), weekly_hours=8)
    placement.hours.append(HoursLog(month=date(2026, 1, 1), hours=Decimal("32.5")))
    return {"team": team, "company": company, "vk": vk, "contact": contact, "citizen": citizen,
            "opening": opening, "proposal": proposal, "placement": placement}


def test_full_domain_graph_round_trips(migrated_app):
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    objects["proposal"].consents.append(Consent(text_version="v1", channel="telefon",
                                                deadline=date(2026, 12, 1), recorded_by_id=objects["vk"].id))
    request = HotlineRequest(company=objects["company"], placement=objects["placement"], category="fravaer",
                             urgency="akut", subject="Udebleven", created_by_id=objects["contact"].id,
                             due_at=datetime.now(timezone.utc))
    request.messages.append(HotlineMessage(author_id=objects["contact"].id, body="Hjælp"))
    db.session.add(request)
    db.session.commit()
    db.session.expire_all()
    citizen = db.session.scalars(sa.select(Citizen)).one()
    assert citizen.matchable and citizen.job_goals[0].title == "Lagermedarbejder"
    assert citizen.limitation_flags == ["no_heavy_lifting"]
    placement = db.session.scalars(sa.select(Placement)).one()
    assert placement.hours[0].hours == Decimal("32.50")


def test_version_rises_on_every_update(migrated_app):
    objects = _graph()
    citizen = objects["citizen"]
    db.session.add(citizen)
    db.session.commit()
    first = citizen.version
    citizen.hours_available = 12
    db.session.commit()
    assert citizen.version == first + 1


@pytest.mark.parametrize("change", [
    lambda o: setattr(o["opening"], "hours_min", -1),
    lambda o: setattr(o["opening"], "capacity", 0),
    lambda o: setattr(o["citizen"], "hours_available", -3),
    lambda o: setattr(o["citizen"], "benefit_group", "ukendt"),
    lambda o: setattr(o["contact"], "company", None),
])
def test_database_constraints_refuse_bad_rows(migrated_app, change):
    objects = _graph()
    del objects["proposal"], objects["placement"]
    change(objects)
    db.session.add_all(objects.values())
    with pytest.raises((sa.exc.IntegrityError, sa.exc.StatementError, LookupError)):
        db.session.commit()
    db.session.rollback()


def test_audit_log_is_append_only_in_the_database(migrated_app):
    db.session.add(AuditEvent(action="test"))
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE audit_event SET action = 'changed'"))
    with pytest.raises(sa.exc.DBAPIError):
        with db.engine.begin() as connection:
            connection.execute(sa.text("DELETE FROM audit_event"))


def test_outbox_row_defaults(migrated_app):
    db.session.add(OutboxEvent(entity="citizen", entity_id=1))
    db.session.commit()
    row = db.session.scalars(sa.select(OutboxEvent)).one()
    assert (row.status, row.op, row.attempts) == ("pending", "upsert", 0)


def test_driving_licence_yes_becomes_category_b_and_back(migrated_app):
    downgrade(revision="0005")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine, only=("company", "citizen", "opening"))
    company, citizen, opening = (meta.tables[t] for t in ("company", "citizen", "opening"))
    person = dict(name="B", phone="", email="", postcode="8722", max_commute_km=20.0,
                  benefit_group="kontanthjaelp", hours_available=10.0, languages="dansk",
                  limitation_flags=[], limitations_text="", readiness_group="paa_vej",
                  case_start=date(2026, 1, 1), restricted=False, created_at=now, updated_at=now,
                  version=1)
    job = dict(company_id=1, kind="smaajob", title="Chauffør", description="", requirements="",
               hours_min=5.0, hours_max=10.0, postcode="8722", required_languages="",
               accommodations="", capacity=1, status="open", created_at=now, updated_at=now,
               version=1)
    with db.engine.begin() as connection:
        connection.execute(company.insert().values(
            id=1, name="Firma", cvr="12345678", address="", postcode="8722", code_of_care=False,
            standing_seats=0, active=True, created_at=now))
        connection.execute(citizen.insert(), [dict(person, id=1, driving_licence=True),
                                              dict(person, id=2, driving_licence=False)])
        connection.execute(opening.insert(), [dict(job, id=1, requires_driving_licence=True),
                                              dict(job, id=2, requires_driving_licence=False)])
    upgrade()
    db.session.expire_all()
    assert {c.id: c.driving_licences for c in db.session.scalars(sa.select(Citizen))} == {1: ["B"], 2: []}
    assert {o.id: o.required_licences for o in db.session.scalars(sa.select(Opening))} == {1: ["B"], 2: []}
    db.session.get(Citizen, 2).driving_licences = ["CE"]
    db.session.commit()
    db.session.remove()
    downgrade(revision="0005")
    with db.engine.connect() as connection:
        held = dict(connection.execute(sa.text("SELECT id, driving_licence FROM citizen")).all())
    assert {k: bool(v) for k, v in held.items()} == {1: True, 2: True}


def test_shared_notices_written_before_0009_lose_the_name(migrated_app):
    downgrade(revision="0008")
    now = datetime(2026, 12, 1, tzinfo=timezone.utc)
    meta = sa.MetaData()
    meta.reflect(bind=db.engine, only=("company", "user", "notification"))
    company, user, notice = (meta.tables[t] for t in ("company", "user", "notification"))
    with db.engine.begin() as connection:
        connection.execute(company.insert().values(
            id=1, name="Firma", cvr="12345678", address="", postcode="8722", code_of_care=False,
            standing_seats=0, active=True, created_at=now))
        connection.execute(user.insert().values(
            id=1, email="a@firma.dk", name="A", password_hash="x", role="company", phone="",
            mail_opt_out=[], company_id=1, active=True, session_token="t", created_at=now))
        connection.execute(notice.insert(), [
            dict(id=1, user_id=1, kind="candidate_shared", link="/opslag/1/kandidat/1", created_at=now,
                 text="Zqnavn Borgersen er delt med jer som kandidat til «Kok i «Kantinen»»."),
            dict(id=2, user_id=1, kind="hotline_answered", link="/hotline/1", created_at=now,
                 text="Zqnavn er delt med jer som kandidat til «x»."),  # another kind: untouched
        ])
    upgrade()
    with db.engine.connect() as connection:
        texts = dict(connection.execute(sa.text("SELECT id, text FROM notification")).all())
    assert texts == {1: "Navnet på en kandidat er delt med jer (kandidat til «Kok i «Kantinen»»).",
                     2: "Zqnavn er delt med jer som kandidat til «x»."}


def _proposal_rows(connection) -> dict[int, str]:
    return dict(connection.execute(sa.text("SELECT id, status FROM proposal ORDER BY id")).all())


def test_ended_proposals_need_0011_and_become_withdrawn_on_downgrade(migrated_app):
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.commit()
    proposal = objects["proposal"]
    proposal.status, proposal.ended_on = "ended", date(2026, 11, 30)
    db.session.commit()  # the head's CHECK constraint accepts the new status
    proposal_id = proposal.id
    db.session.remove()
    downgrade(revision="0010")
    with db.engine.connect() as connection:
        assert _proposal_rows(connection) == {proposal_id: "withdrawn"}  # kept, not lost
        assert "ended_on" not in {c["name"] for c in sa.inspect(connection).get_columns("proposal")}
    with pytest.raises(sa.exc.IntegrityError):  # 0010's constraint refuses "ended"
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE proposal SET status = 'ended'"))
    upgrade()
    with pytest.raises(sa.exc.IntegrityError):  # the new constraint still refuses unknown ones
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE proposal SET status = 'bogus'"))
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE proposal SET status = 'ended', ended_on = '2026-11-30'"))
        assert _proposal_rows(connection) == {proposal_id: "ended"}


def test_every_migration_module_imports_outside_a_migration():
    """The portal reads the scripts at start (is the database at head?): a module-level ``op``
    call there would break every page."""
    import importlib.util
    from pathlib import Path

    for path in sorted((Path(__file__).parents[2] / "migrations" / "versions").glob("*.py")):
        spec = importlib.util.spec_from_file_location(f"_migration_{path.stem}", path)
        spec.loader.exec_module(importlib.util.module_from_spec(spec))


def test_a_replaced_consent_is_withdrawn_on_downgrade_never_in_force_again(migrated_app):
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    recorder = objects["vk"].id
    replaced_at = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)
    old = Consent(text_version="v2", channel="telefon", deadline=date(2027, 3, 1), recorded_by_id=recorder,
                  replaced_at=replaced_at)
    new = Consent(text_version="v2", channel="moede", deadline=date(2027, 1, 1), recorded_by_id=recorder)
    objects["proposal"].consents.extend([old, new])
    db.session.commit()
    ids = old.id, new.id
    db.session.remove()
    downgrade(revision="0011")
    with db.engine.connect() as connection:
        rows = dict(connection.execute(sa.text("SELECT id, withdrawn_at FROM consent ORDER BY id")).all())
        assert "replaced_at" not in {c["name"] for c in sa.inspect(connection).get_columns("consent")}
    assert rows[ids[0]] is not None and rows[ids[1]] is None  # both kept; the old one ended
    upgrade()


def test_recreating_a_table_keeps_the_rows_that_reference_it(migrated_app):
    """On SQLite 0011 copies the proposal table and 0013 the user table: with foreign keys
    enforced during the copy, every consent (ON DELETE CASCADE from proposal) and every API
    key (from user) would be deleted with the old table."""
    from store.models import ApiToken, Notification

    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    objects["proposal"].consents.append(Consent(text_version="v2", channel="telefon", deadline=date(2027, 1, 1),
                                                recorded_by_id=objects["vk"].id))
    db.session.add_all([
        ApiToken(user=objects["contact"], name="k", token_hash="a" * 64, prefix="jbr_x",
                 expires_at=datetime(2027, 1, 1, tzinfo=timezone.utc)),
        Notification(user=objects["contact"], kind="candidate_shared", text="t", link="/")])
    db.session.commit()
    tables = ("consent", "api_token", "notification", "placement", "hours_log")

    def counts() -> dict[str, int]:
        with db.engine.connect() as connection:
            return {t: connection.execute(sa.text(f"SELECT count(*) FROM {t}")).scalar() for t in tables}

    before = counts()
    assert all(before.values())
    db.session.remove()
    downgrade(revision="0010")
    upgrade()
    assert counts() == before


def test_0016_fills_disclosed_at_and_waiting_since_from_the_audit_events(migrated_app):
    """The dates the portal used to read from the audit log become columns, filled from it."""
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    objects["proposal"].status = "disclosed"
    shared = datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc)
    request = HotlineRequest(company=objects["company"], category="fravaer", urgency="akut", subject="Igen",
                             created_by_id=objects["contact"].id, due_at=shared, status="open",
                             first_response_at=shared)
    message = HotlineMessage(author_id=objects["contact"].id, body="Han kom ikke igen",
                             created_at=datetime(2026, 11, 4, 8, 30, tzinfo=timezone.utc))
    request.messages.append(message)
    db.session.add(request)
    db.session.flush()
    db.session.add_all([
        AuditEvent(at=shared, action="identity_disclosed", citizen_id=objects["citizen"].id,
                   opening_id=objects["opening"].id),
        AuditEvent(at=message.created_at, action="hotline_reopened",
                   purpose=f"hotline:{request.id} message:{message.id}")])
    db.session.commit()
    ids = objects["proposal"].id, request.id
    db.session.remove()
    downgrade(revision="0015")
    upgrade()
    with db.engine.connect() as connection:
        disclosed = connection.execute(sa.text("SELECT disclosed_at FROM proposal WHERE id = :i"),
                                       {"i": ids[0]}).scalar()
        waiting = connection.execute(sa.text("SELECT waiting_since FROM hotline_request WHERE id = :i"),
                                     {"i": ids[1]}).scalar()
    assert disclosed is not None and str(disclosed).startswith("2026-11-03 10:00")
    assert waiting is not None and str(waiting).startswith("2026-11-04 08:30")


def test_0017_fills_waiting_since_from_the_messages_where_no_mark_existed(migrated_app):
    """A request reopened before the audit marks: the company's first message after the job
    centre's last reply starts the new target; one never answered keeps its first target."""
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.flush()
    first = datetime(2026, 11, 3, 10, 0, tzinfo=timezone.utc)

    def request(*authors: tuple[str, int]) -> HotlineRequest:
        made = HotlineRequest(company=objects["company"], category="fravaer", urgency="akut", subject="Igen",
                              created_by_id=objects["contact"].id, due_at=first, status="open",
                              first_response_at=first)
        for who, hour in authors:
            made.messages.append(HotlineMessage(author_id=objects[who].id, body="…",
                                                created_at=first.replace(hour=hour)))
        db.session.add(made)
        return made

    reopened = request(("contact", 9), ("vk", 11), ("contact", 12), ("contact", 14))
    replied_last = request(("contact", 9), ("vk", 11))
    db.session.commit()
    ids = reopened.id, replied_last.id
    db.session.remove()
    downgrade(revision="0016")
    upgrade()
    with db.engine.connect() as connection:
        since = dict(connection.execute(sa.text("SELECT id, waiting_since FROM hotline_request")).all())
    assert str(since[ids[0]]).startswith("2026-11-03 12:00")
    assert since[ids[1]] is None


def test_0018_fills_updated_at_from_the_latest_moment_and_drops_stored_answers_about_citizens(migrated_app):
    """updated_at (what the API's updated_since reads) starts at the latest moment recorded on
    the row or its children; stored API answers about proposals, placements and hotline go."""
    from store.models import ApiToken, IdempotencyRecord

    objects = _graph()
    jan = datetime(2026, 1, 1, 9, 0, tzinfo=timezone.utc)
    for name in ("proposal", "placement"):
        objects[name].created_at = jan
    db.session.add_all(objects.values())
    db.session.flush()
    objects["proposal"].consents.append(Consent(text_version="v1", channel="telefon", deadline=date(2026, 12, 1),
                                                recorded_by_id=objects["vk"].id, given_at=jan.replace(month=2),
                                                withdrawn_at=jan.replace(month=3)))
    objects["placement"].hours[0].created_at = jan.replace(month=4)
    request = HotlineRequest(company=objects["company"], placement=objects["placement"], category="fravaer",
                             urgency="akut", subject="Udebleven", created_by_id=objects["contact"].id,
                             due_at=jan, created_at=jan, closed_at=jan.replace(month=5, day=4))
    request.messages.append(HotlineMessage(author_id=objects["contact"].id, body="Hjælp",
                                           created_at=jan.replace(month=5, day=3)))
    token = ApiToken(user=objects["contact"], name="k", token_hash="b" * 64, prefix="jbr_y",
                     expires_at=datetime(2027, 1, 1, tzinfo=timezone.utc))
    db.session.add_all([request, token])
    db.session.flush()
    for key, path in (("a", f"/api/v1/proposals/{objects['proposal'].id}/answer"), ("b", "/api/v1/openings/")):
        db.session.add(IdempotencyRecord(token_id=token.id, key=key, method="POST", path=path, request_hash="h",
                                         status_code=200, response_body='{"name": "Borger"}'))
    db.session.commit()
    ids = {"proposal": objects["proposal"].id, "placement": objects["placement"].id, "hotline_request": request.id}
    db.session.remove()
    downgrade(revision="0017")
    assert "updated_at" not in {c["name"] for c in sa.inspect(db.engine).get_columns("proposal")}
    upgrade()
    with db.engine.connect() as connection:
        updated = {table: str(connection.execute(sa.text(f"SELECT updated_at FROM {table} WHERE id = :i"),
                                                 {"i": row_id}).scalar()) for table, row_id in ids.items()}
        paths = connection.execute(sa.text("SELECT path FROM idempotency_record")).scalars().all()
    assert updated["proposal"].startswith("2026-03-01 09:00")  # the consent's withdrawal
    assert updated["placement"].startswith("2026-04-01 09:00")  # the hours logged
    assert updated["hotline_request"].startswith("2026-05-04 09:00")  # closed after its last message
    assert paths == ["/api/v1/openings/"]


def test_0018_keeps_autoincrement_and_the_id_counters_on_sqlite(tmp_path):
    """0018 copies proposal and placement on SQLite (NOT NULL, and the drop on downgrade): the
    copies keep AUTOINCREMENT and the counter, so an erased row's id is never handed out again."""
    def state() -> tuple[dict, dict]:
        with db.engine.connect() as connection:
            tables = dict(connection.execute(sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'table'")).all())
            counters = dict(connection.execute(sa.text("SELECT name, seq FROM sqlite_sequence")).all())
        return ({t: "AUTOINCREMENT" in tables[t] for t in ("proposal", "placement")},
                {t: counters.get(t) for t in ("proposal", "placement")})

    with migrated(sqlite_url(tmp_path, "c.sqlite"), revision="0017"):
        with db.engine.begin() as connection:  # rows up to these ids existed and were erased
            connection.execute(sa.text("DELETE FROM sqlite_sequence WHERE name IN ('proposal', 'placement')"))
            connection.execute(sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES ('proposal', 500), "
                                       "('placement', 300)"))
        expected = ({"proposal": True, "placement": True}, {"proposal": 500, "placement": 300})
        upgrade()
        assert state() == expected
        downgrade(revision="0017")
        assert state() == expected


def test_0020_fills_deactivated_at_from_the_latest_user_disabled_event(migrated_app):
    """An inactive user gets the moment of their latest ``user_disabled`` audit event; one
    without such an event keeps NULL (when is unknown); an active user keeps NULL."""
    objects = _graph()
    gone = User(email="gone@jc.dk", name="Gået", role="consultant", active=False)
    unknown = User(email="ukendt@jc.dk", name="Ukendt", role="consultant",
                   active=False)
    db.session.add_all([*objects.values(), gone, unknown])
    db.session.flush()
    first, latest = (datetime(2026, 6, 1, 9, 0, tzinfo=timezone.utc), datetime(2026, 12, 5, 11, 0, tzinfo=timezone.utc))
    db.session.add_all([
        AuditEvent(at=first, action="user_disabled", purpose=f"user:{gone.id}"),
        AuditEvent(at=latest, action="user_disabled", purpose=f"user:{gone.id}"),
        AuditEvent(at=latest, action="user_disabled", purpose=f"user:{gone.id}0"),  # another user's id
        AuditEvent(at=latest, action="user_disabled", purpose=f"user:{objects['vk'].id}")])  # enabled since
    db.session.commit()
    ids = {"gone": gone.id, "unknown": unknown.id, "vk": objects["vk"].id}
    db.session.remove()
    downgrade(revision="0019")
    assert "deactivated_at" not in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
    upgrade()
    with db.engine.connect() as connection:
        stamped = {name: connection.execute(sa.text('SELECT deactivated_at FROM "user" WHERE id = :i'),
                                            {"i": user_id}).scalar() for name, user_id in ids.items()}
    assert str(stamped["gone"]).startswith("2026-12-05 11:00")
    assert stamped["unknown"] is None and stamped["vk"] is None


def test_0022_drops_the_session_token_and_its_downgrade_draws_one_per_user(migrated_app):
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.commit()
    db.session.remove()
    assert "session_token" not in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}
    downgrade(revision="0021")
    with db.engine.connect() as connection:
        tokens = connection.execute(sa.text('SELECT session_token FROM "user"')).scalars().all()
    assert len(tokens) == 2 and len(set(tokens)) == 2 and all(len(t) == 64 for t in tokens)
    upgrade()
    assert "session_token" not in {c["name"] for c in sa.inspect(db.engine).get_columns("user")}


def test_0024_keeps_each_reopened_closing_and_the_current_closing_reason_from_the_audit_log(migrated_app):
    """Backfill: every "case_reopened" closes the gap of the "case_closed" before it (days in
    Copenhagen); a closed citizen's reason is the key of its newest "case_closed" event."""
    objects = _graph()
    db.session.add_all(objects.values())
    db.session.commit()
    citizen_id = objects["citizen"].id
    db.session.remove()
    downgrade(revision="0023")
    at = lambda *args: datetime(*args, tzinfo=timezone.utc)  # noqa: E731
    with db.engine.begin() as connection:
        connection.execute(sa.text('UPDATE citizen SET case_closed = :d WHERE id = :i'),
                           {"d": date(2026, 11, 20), "i": citizen_id})
    db.session.add_all([AuditEvent(at=moment, action=action, citizen_id=citizen_id, purpose=purpose)
                        for moment, action, purpose in [
                            (at(2026, 5, 31, 22, 30), "case_closed", "reason:flyttet"),  # 1 June in Copenhagen
                            (at(2026, 8, 3, 9, 0), "case_reopened", "reason: kom tilbage"),
                            (at(2026, 11, 20, 9, 0), "case_closed", "reason:ordinaert_job")]])
    db.session.commit()
    db.session.remove()
    upgrade()
    with db.engine.connect() as connection:
        closures = connection.execute(sa.text("SELECT closed_on, reopened_on, reason FROM case_closure "
                                              "WHERE citizen_id = :c"), {"c": citizen_id}).all()
        reason = connection.execute(sa.text("SELECT case_close_reason FROM citizen WHERE id = :c"),
                                    {"c": citizen_id}).scalar()
    assert [(str(a), str(b), r) for a, b, r in closures] == [("2026-06-01", "2026-08-03", "flyttet")]
    assert reason == "ordinaert_job"


def test_0025_keeps_earlier_vks_undone_deactivations_and_earlier_answers_from_the_audit_log(migrated_app):
    """Backfill: each "citizen_assigned" that changed the VK ends the VK before it; each
    "user_enabled" ends the "user_disabled" before it; each "company_response" of a pair made
    before the proposal's current answer is an earlier answer."""
    objects = _graph()
    other = User(email="anden@jc.dk", name="Anden VK", role="consultant")
    db.session.add_all([*objects.values(), other])
    db.session.commit()
    citizen, vk, proposal = objects["citizen"].id, objects["vk"].id, objects["proposal"].id
    opening, other_id = objects["opening"].id, other.id
    db.session.remove()
    downgrade(revision="0024")
    at = lambda *args: datetime(*args, tzinfo=timezone.utc)  # noqa: E731
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE citizen SET vk_id = :v WHERE id = :i"), {"v": other_id, "i": citizen})
        connection.execute(sa.text("UPDATE proposal SET company_response = 'declined', company_responded_at = :a "
                                   "WHERE id = :i"), {"a": at(2026, 11, 20, 9, 0), "i": proposal})
    db.session.add_all([AuditEvent(at=moment, action=action, citizen_id=cid, opening_id=oid, purpose=purpose)
                        for moment, action, cid, oid, purpose in [
                            (at(2026, 3, 1, 9), "citizen_assigned", citizen, None, f"vk:{vk},adviser:-,team:-"),
                            (at(2026, 6, 1, 9), "citizen_assigned", citizen, None, "vk:-,adviser:-,team:-"),
                            (at(2026, 9, 1, 9), "citizen_assigned", citizen, None, f"vk:{other_id},adviser:-,team:-"),
                            (at(2026, 10, 1, 9), "citizen_assigned", citizen, None,
                             f"vk:{other_id},adviser:{vk},team:-"),  # the adviser only: no change of VK
                            (at(2026, 4, 1, 9), "user_disabled", None, None, f"user:{other_id}"),
                            (at(2026, 5, 1, 9), "user_enabled", None, None, f"user:{other_id}"),
                            (at(2026, 5, 2, 9), "user_enabled", None, None, f"user:{vk}"),  # never disabled
                            (at(2026, 11, 10, 9), "company_response", citizen, opening, "response:interested"),
                            (at(2026, 11, 20, 9, 0, 1), "company_response", citizen, opening, "response:declined"),
                            (at(2026, 11, 11, 9), "company_response", citizen, opening + 1, "response:hired")]])
    db.session.commit()
    db.session.remove()
    upgrade()
    with db.engine.connect() as connection:
        changes = connection.execute(sa.text("SELECT vk_id, replaced_at FROM vk_change WHERE citizen_id = :c "
                                             "ORDER BY replaced_at"), {"c": citizen}).all()
        away = connection.execute(sa.text("SELECT user_id, deactivated_at, reactivated_at FROM user_deactivation")).all()
        answers = connection.execute(sa.text("SELECT proposal_id, response, answered_at FROM proposal_answer")).all()
    assert [(v, str(r)[:10]) for v, r in changes] == [(vk, "2026-06-01"), (None, "2026-09-01")]
    assert [(u, str(a)[:10], str(b)[:10]) for u, a, b in away] == [(other_id, "2026-04-01", "2026-05-01")]
    assert [(p, r, str(a)[:10]) for p, r, a in answers] == [(proposal, "interested", "2026-11-10")]


def test_0026_keeps_the_earlier_disclosures_of_a_pair_from_the_audit_log(migrated_app):
    """Backfill: each "identity_disclosed" of a pair made before the proposal's current
    ``disclosed_at`` is an earlier disclosure; the current one's event (just after it), another
    pair's and one of a proposal never disclosed now (all of its events are earlier) are told apart."""
    objects = _graph()
    other = Opening(company=objects["company"], kind="smaajob", title="Pakker", postcode="8722", status="open")
    again = Proposal(citizen=objects["citizen"], opening=other, score=0.5)
    db.session.add_all([*objects.values(), other, again])
    db.session.commit()
    citizen, proposal, opening = objects["citizen"].id, objects["proposal"].id, objects["opening"].id
    again_id, other_id = again.id, other.id
    db.session.remove()
    downgrade(revision="0025")
    assert "proposal_disclosure" not in sa.inspect(db.engine).get_table_names()
    at = lambda *args: datetime(*args, tzinfo=timezone.utc)  # noqa: E731
    with db.engine.begin() as connection:
        connection.execute(sa.text("UPDATE proposal SET disclosed_at = :a WHERE id = :i"),
                           {"a": at(2026, 12, 4, 9, 0), "i": proposal})
    db.session.add_all([AuditEvent(at=moment, action=action, citizen_id=citizen, opening_id=oid, purpose="")
                        for moment, action, oid in [
                            (at(2026, 10, 6, 9), "identity_disclosed", opening),
                            (at(2026, 11, 10, 9), "identity_disclosed", opening),
                            (at(2026, 11, 12, 9), "consent_withdrawn", opening),  # not a disclosure
                            (at(2026, 12, 4, 9, 0, 1), "identity_disclosed", opening),  # the current one
                            (at(2026, 9, 1, 9), "identity_disclosed", other_id),
                            (at(2026, 9, 2, 9), "identity_disclosed", other_id + 1)]])  # no such pair
    db.session.commit()
    db.session.remove()
    upgrade()
    with db.engine.connect() as connection:
        rows = connection.execute(sa.text("SELECT proposal_id, disclosed_at FROM proposal_disclosure "
                                          "ORDER BY disclosed_at")).all()
    assert [(p, str(d)[:16]) for p, d in rows] == [(again_id, "2026-09-01 09:00"), (proposal, "2026-10-06 09:00"),
                                                  (proposal, "2026-11-10 09:00")]
    downgrade(revision="0025")
    assert "proposal_disclosure" not in sa.inspect(db.engine).get_table_names()
    upgrade()
