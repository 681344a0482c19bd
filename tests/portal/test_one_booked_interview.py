"""At most one booked interview per proposal is a database guarantee (migration 0028).

The partial unique index ``uq_interview_one_booked`` (``UNIQUE (proposal_id) WHERE status =
'booked'``) refuses a second booked row from any writer; the migration first resolves pairs that
already have two (the one booked first stays, the others are cancelled, no row is lost); and
:func:`portal.interviews.booking.book` turns the index's refusal (a booking :func:`lock` did not
order) into the refusal it gives for a time chosen meanwhile, on the web and in the API, with
nothing written and no mail queued.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone
from types import SimpleNamespace

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal.extensions import db
from portal.interviews import booking, common, queries, slots
from store.clock import LOCAL
from store.models import AuditEvent, Interview, MailMessage, Notification, Opening, Proposal, User
from store.models.api import WebhookDelivery
from store.models.handoff import ONE_BOOKED_INDEX
from tests.api.api_fixtures import bearer, make_token
from tests.clock import TODAY
from tests.conftest import user_factory
from tests.portal.migration_helpers import migrated, migrated_app_fixture
from tests.portal.proposal_fixtures import disclosed_world
from tests.portal.test_schema import _graph
from tests.postgres_server import fresh_database

DAY = TODAY + timedelta(days=2)
AT = datetime(2026, 11, 20, 9, 0, tzinfo=timezone.utc)


# --- the index and the migration, on SQLite and PostgreSQL -----------------------------------------

migrated_app = migrated_app_fixture("onebooked")  # each test on SQLite and on PostgreSQL


def _two_proposals() -> tuple[int, int, int]:
    """Two proposals of one company (the second on another opening); their ids and a user's."""
    objects = _graph()
    other = Opening(company=objects["company"], kind="smaajob", title="Pakker", postcode="8722", status="open")
    second = Proposal(citizen=objects["citizen"], opening=other, score=0.5)
    db.session.add_all([*objects.values(), other, second])
    db.session.commit()
    ids = objects["proposal"].id, second.id, objects["contact"].id
    db.session.remove()
    return ids


def _interview(proposal_id: int, user_id: int, status: str, hour: int, decided_at=None, sequence: int = 0) -> Interview:
    return Interview(proposal_id=proposal_id, starts_at=AT.replace(day=28, hour=hour), duration_minutes=45,
                     location="Kantinen", offered_by="company", offered_by_id=user_id, status=status,
                     uid=f"{proposal_id}-{hour}@jobbro", sequence=sequence, decided_at=decided_at)


def _values(row: Interview) -> dict:
    """The column values set on an unsaved ``row`` (for a Core insert)."""
    return {column.key: getattr(row, column.key) for column in Interview.__table__.columns
            if getattr(row, column.key) is not None}


def _refused(sql: str, **params) -> None:
    with pytest.raises(sa.exc.IntegrityError) as refused:
        with db.engine.begin() as connection:
            connection.execute(sa.text(sql), params)
    assert booking.one_booked_refused(refused.value)  # the service tells it from other errors


def test_the_index_refuses_a_second_booked_interview_of_a_proposal(migrated_app):
    proposal, second, user = _two_proposals()
    db.session.add_all([_interview(proposal, user, "booked", 9, AT),
                        _interview(proposal, user, "offered", 11),
                        _interview(proposal, user, "cancelled", 12, AT, sequence=1),
                        _interview(proposal, user, "declined", 13, AT),
                        _interview(second, user, "booked", 9, AT)])  # another proposal's booking
    db.session.commit()
    offered = db.session.scalars(sa.select(Interview.id).where(Interview.status == "offered")).one()
    db.session.remove()
    _refused("UPDATE interview SET status = 'booked' WHERE id = :i", i=offered)
    _refused("INSERT INTO interview (proposal_id, starts_at, duration_minutes, location, offered_by, status, "
             "uid, sequence, created_at) VALUES (:p, :t, 45, 'x', 'company', 'booked', 'u@x', 0, :t)",
             p=proposal, t=AT)
    with db.engine.begin() as connection:  # a move: the old time cancelled first, then the new one booked
        connection.execute(sa.text("UPDATE interview SET status = 'cancelled' WHERE proposal_id = :p "
                                   "AND status = 'booked'"), {"p": proposal})
        connection.execute(sa.text("UPDATE interview SET status = 'booked' WHERE id = :i"), {"i": offered})
    with db.engine.connect() as connection:
        booked = connection.execute(sa.text("SELECT proposal_id, count(*) FROM interview WHERE status = 'booked' "
                                            "GROUP BY proposal_id ORDER BY proposal_id")).all()
    assert [tuple(row) for row in booked] == [(proposal, 1), (second, 1)]
    assert ONE_BOOKED_INDEX in {index["name"] for index in sa.inspect(db.engine).get_indexes("interview")}


def _rows(connection) -> list[tuple]:
    return [tuple(row) for row in connection.execute(sa.text(
        "SELECT id, proposal_id, status, sequence, uid, location FROM interview ORDER BY id")).all()]


def test_0028_keeps_the_first_booking_and_cancels_the_later_ones_without_losing_a_row(migrated_app, capfd):
    proposal, second, user = _two_proposals()
    downgrade(revision="0027")
    assert ONE_BOOKED_INDEX not in {index["name"] for index in sa.inspect(db.engine).get_indexes("interview")}
    rows = [_interview(proposal, user, "booked", 9, AT.replace(day=21)),  # booked last
            _interview(proposal, user, "booked", 10, AT, sequence=2),  # booked first (a move's invitation)
            _interview(proposal, user, "booked", 11, None),  # no moment: after those with one
            _interview(proposal, user, "booked", 12, AT),  # the same moment as the first: the lower id wins
            _interview(proposal, user, "offered", 13),
            _interview(second, user, "booked", 9, AT.replace(day=25)),  # a proposal with one: untouched
            _interview(second, user, "declined", 10, AT.replace(day=25))]
    # Core inserts at 0027: an ORM flush would load the proposal with the model's newer columns.
    with db.engine.begin() as connection:
        ids = [connection.execute(sa.insert(Interview.__table__).values(**_values(row))).inserted_primary_key[0]
               for row in rows]
    db.session.remove()
    with db.engine.connect() as connection:
        before = _rows(connection)
    capfd.readouterr()

    upgrade()

    with db.engine.connect() as connection:
        after = _rows(connection)
    expected = {ids[0]: ("cancelled", 1), ids[1]: ("booked", 2), ids[2]: ("cancelled", 1),
                ids[3]: ("cancelled", 1), ids[4]: ("offered", 0), ids[5]: ("booked", 0), ids[6]: ("declined", 0)}
    assert {row[0]: (row[2], row[3]) for row in after} == expected
    # every row kept, with its proposal, uid and place
    assert [(r[0], r[1], r[4], r[5]) for r in after] == [(r[0], r[1], r[4], r[5]) for r in before]
    logged = capfd.readouterr().err
    assert "0028: 3 booked interview(s) cancelled" in logged
    assert f"ids {ids[0]}, {ids[2]}, {ids[3]}" in logged
    _refused("UPDATE interview SET status = 'booked' WHERE id = :i", i=ids[0])

    downgrade(revision="0027")  # the index goes; the rows stay as the upgrade left them
    assert ONE_BOOKED_INDEX not in {index["name"] for index in sa.inspect(db.engine).get_indexes("interview")}
    with db.engine.connect() as connection:
        assert _rows(connection) == after
    upgrade()
    assert "0028: no proposal had more than one booked interview" in capfd.readouterr().err


# --- the service, the web and the API --------------------------------------------------------------

@pytest.fixture(autouse=True)
def queued_mail_stays(monkeypatch):
    from portal.notifications import mailer

    monkeypatch.setattr(mailer, "kick", lambda app: None)


@pytest.fixture
def world(app, make_user, frozen_today):
    world = disclosed_world(app, make_user)
    colleague = make_user("company", company=SimpleNamespace(id=world["company"].company_id))
    return world | {"colleague": colleague}


def _slot(hour: int) -> slots.Slot:
    return slots.Slot(datetime.combine(DAY, datetime.min.time()).replace(hour=hour, tzinfo=LOCAL),
                        45, "Kantinen, Vestergade 1")


def _offer(app, world) -> list[int]:
    """The consultant offers the company two times on DAY; their ids."""
    with app.app_context(), app.test_request_context():
        proposal = db.session.get(Proposal, world["proposal"])
        user = db.session.get(User, world["consultant"].id)
        return [row.id for row in booking.offer(proposal, user, [_slot(9), _slot(11)])]


def _race(monkeypatch, other_time: int) -> None:
    """A booking :func:`common.lock` does not order: another writer books ``other_time`` and
    commits after the step has read the rows (the lock lets it through: a no-op here) and before
    it writes."""
    monkeypatch.setattr(booking, "lock", lambda proposal: None)
    real, fired = queries.booked, []

    def read_then_another_writer_books(proposal):
        found = real(proposal)
        if not fired:
            fired.append(True)
            table = Interview.__table__
            with db.engine.begin() as connection:
                connection.execute(table.update().where(table.c.id == other_time)
                                   .values(status="booked", decided_at=datetime.now(timezone.utc)))
        return found

    monkeypatch.setattr(booking, "booked", read_then_another_writer_books)


def _trace(app, world) -> dict:
    """What a booking writes besides the rows: notices, mails, webhooks, audit events."""
    with app.app_context():
        return {"rows": [(i.id, i.status, i.sequence) for i in db.session.scalars(
                    sa.select(Interview).where(Interview.proposal_id == world["proposal"]).order_by(Interview.id))],
                "notices": db.session.scalar(sa.select(sa.func.count(Notification.id))),
                "mails": db.session.scalar(sa.select(sa.func.count(MailMessage.id))),
                "webhooks": db.session.scalar(sa.select(sa.func.count(WebhookDelivery.id))),
                "booked_audit": db.session.scalar(sa.select(sa.func.count(AuditEvent.id))
                                                  .where(AuditEvent.action == "interview_booked"))}


def _refusal() -> str:
    return (f"Der er netop valgt en anden tid, så samtalen er aftalt {common.spoken_time(_slot(9).starts_at)}. "
            f"Tiden {common.spoken_time(_slot(11).starts_at)} er ikke valgt, og der er ikke sendt en "
            "invitation til den.")


def _after_the_race(app, world, first: int, second: int, before: dict) -> None:
    """Only the other writer's booking stands; the refused step left nothing behind."""
    after = _trace(app, world)
    assert after["rows"] == [(first, "booked", 0), (second, "offered", 0)]
    assert {k: v for k, v in after.items() if k != "rows"} == {k: v for k, v in before.items() if k != "rows"}


def test_book_turns_the_index_refusal_into_the_refusal_for_a_time_chosen_meanwhile(app, world, monkeypatch):
    first, second = _offer(app, world)
    before = _trace(app, world)
    _race(monkeypatch, first)
    with app.app_context(), app.test_request_context():
        with pytest.raises(common.InterviewError) as refused:
            booking.book(db.session.get(Interview, second), db.session.get(User, world["colleague"].id))
        assert not (db.session.new or db.session.dirty)  # rolled back: nothing half-written
    assert str(refused.value) == _refusal()
    _after_the_race(app, world, first, second, before)


def test_another_integrity_error_is_not_taken_for_a_booking(app, world, monkeypatch):
    """Only the index's refusal reads as a time chosen meanwhile; anything else stays an error."""
    first, second = _offer(app, world)
    with app.app_context():
        used = db.session.get(Interview, first).uid

    def clash(proposal, interview, method, text, actor, **kwargs):
        interview.uid = used  # a unique uid taken: not the index's doing
        db.session.flush()

    monkeypatch.setattr(booking, "tell_both", clash)
    with app.app_context(), app.test_request_context():
        with pytest.raises(sa.exc.IntegrityError):
            booking.book(db.session.get(Interview, second), db.session.get(User, world["company"].id))


def test_the_web_flashes_the_refusal(app, client, auth, world, monkeypatch):
    first, second = _offer(app, world)
    before = _trace(app, world)
    auth.switch_to(world["colleague"].email)
    token = auth.csrf_token("/")
    _race(monkeypatch, first)
    response = client.post(f"/samtaler/{second}/vaelg", data={"csrf_token": token})
    assert response.status_code == 302
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Der er netop valgt en anden tid, så samtalen er aftalt" in page
    assert "Samtalen er aftalt. Jobcentret får en kalenderinvitation" not in page
    _after_the_race(app, world, first, second, before)


def test_the_api_answers_409_with_the_refusal(app, client, world, monkeypatch):
    first, second = _offer(app, world)
    raw = make_token(app, world["colleague"])
    before = _trace(app, world)
    _race(monkeypatch, first)
    response = client.post(f"/api/v1/proposals/{world['proposal']}/interviews/{second}/book", headers=bearer(raw))
    assert response.status_code == 409
    assert response.json["detail"] == _refusal()
    _after_the_race(app, world, first, second, before)


@pytest.mark.postgres
def test_book_refuses_the_second_booking_on_postgresql(postgres_url, password_hash, monkeypatch, frozen_today):
    """PostgreSQL names the index in its error: the same refusal there."""
    with migrated(fresh_database(postgres_url, "t_one_booked")) as app:
        app.config.update(MATCHING_ENCODER="hashing", MATCHING_BACKEND="memory")
        make_user = user_factory(app, password_hash)
        world = disclosed_world(app, make_user)
        first, second = _offer(app, world)
        before = _trace(app, world)
        _race(monkeypatch, first)
        with app.app_context(), app.test_request_context():
            with pytest.raises(common.InterviewError) as refused:
                booking.book(db.session.get(Interview, second), db.session.get(User, world["company"].id))
        assert str(refused.value) == _refusal()
        _after_the_race(app, world, first, second, before)
