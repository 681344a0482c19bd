"""/admin/regler: two administrators saving at the same moment (review AN 8). The stale check
and the write are one step: the write is conditional on the table's save counter
(``eligibility_version``, migration 0033), so exactly one save is written and the other gets
the stale page's refusal (409) with its own changes kept, on SQLite and on PostgreSQL.

The saves are interleaved deterministically (:class:`tests.portal.interleave.Meanwhile`):
administrator B's whole save runs while A's save is between its check and its write.
"""
from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from portal import eligibility
from portal.extensions import db
from store.models import AuditEvent, EligibilityRule, EligibilityVersion
from store.profiles import load_rules
from tests.conftest import AuthActions, user_factory
from tests.portal.interleave import DATABASES, Meanwhile, dispose, fresh_app


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    app = fresh_app(request, tmp_path, "rules")
    yield app
    dispose(app)


@pytest.fixture
def admins(app, password_hash):
    """Two administrators, each logged in on a browser of their own."""
    make = user_factory(app, password_hash)
    with app.app_context():  # the table as `flask setup` leaves it
        eligibility.seed_defaults(db.session)
        db.session.commit()
    browsers = []
    for email in ("a@jc.dk", "b@jc.dk"):
        make("admin", email=email)
        client = app.test_client()
        auth = AuthActions(client)
        assert auth.login(email).status_code == 302
        browsers.append((client, auth))
    return browsers


def _page(client) -> str:
    return client.get("/admin/regler").get_data(as_text=True)


def _base(page: str) -> str:
    return re.search(r'name="base" value="([01]*)"', page).group(1)


def _ticked(page: str) -> set[str]:
    return set(re.findall(r'name="allow-([a-z]+-[a-z]+)" value="1" checked', page))


def _post(browser, ticked: set[str], base: str):
    """The save's request, ready to send (the CSRF token fetched now, not while it is sent)."""
    client, auth = browser
    data = {"csrf_token": auth.csrf_token("/admin/regler"), "base": base, **{f"allow-{pair}": "1" for pair in ticked}}
    return lambda: client.post("/admin/regler", data=data)


def _save(browser, ticked: set[str], base: str):
    return _post(browser, ticked, base)()


def _allows(app, group: str, kind: str) -> bool:
    with app.app_context():
        return load_rules(db.session).allows(group, kind)


def _while_reading(app, monkeypatch, other_save) -> list[Meanwhile]:
    """Run ``other_save`` as another request right after the next save has read the table (its
    check still to come, its write after that)."""
    real, others = eligibility.current_table, []

    def read_then_the_other_saves(session):
        table = real(session)
        if not others:
            others.append(Meanwhile(app, other_save))
            others[0].start()
        return table

    monkeypatch.setattr(eligibility, "current_table", read_then_the_other_saves)
    return others


def test_two_saves_at_once_one_is_written_and_the_other_refused_with_its_change_kept(app, admins, monkeypatch):
    a, b = admins
    page_a, page_b = _page(a[0]), _page(b[0])
    assert not _allows(app, "sygedagpenge", "smaajob") and not _allows(app, "kontanthjaelp", "fleksjob")
    # B allows Sygedagpenge → Småjob, A allows Kontanthjælp → Fleksjob; both additions, saved at once.
    save_a = _post(a, _ticked(page_a) | {"kontanthjaelp-fleksjob"}, _base(page_a))
    others = _while_reading(app, monkeypatch, _post(b, _ticked(page_b) | {"sygedagpenge-smaajob"}, _base(page_b)))
    refused = save_a()
    monkeypatch.undo()
    assert others[0].result().status_code == 302  # B's request ran between A's check and A's write
    assert refused.status_code == 409
    text = html.unescape(refused.get_data(as_text=True))
    assert "ændret af en anden" in text and "Sygedagpenge må tage småjob" in text
    # Nothing of A's is written: B's change stands, A's addition is not saved ...
    assert _allows(app, "sygedagpenge", "smaajob") and not _allows(app, "kontanthjaelp", "fleksjob")
    # ... but kept on the page, with B's taken in and the saved table as the new base.
    merged = _ticked(text)
    assert {"sygedagpenge-smaajob", "kontanthjaelp-fleksjob"} <= merged
    assert _base(text) == _base(_page(b[0]))
    with app.app_context():
        audited = db.session.scalars(sa.select(AuditEvent.purpose).where(
            AuditEvent.action == "eligibility_changed")).all()
    assert audited == ["Sygedagpenge må nu tage småjob"]
    # Saving the merged table again writes both.
    assert _save(a, merged, _base(text)).status_code == 302
    assert _allows(app, "sygedagpenge", "smaajob") and _allows(app, "kontanthjaelp", "fleksjob")


def test_a_save_that_lost_to_the_same_change_is_refused_as_a_stale_page_is(app, admins, monkeypatch):
    """Both tick the same box at once: B's save writes it, and A's is refused as when it comes a
    moment later (a stale page is refused whatever it changed), with the box still ticked."""
    a, b = admins
    page_a, page_b = _page(a[0]), _page(b[0])
    save_a = _post(a, _ticked(page_a) | {"sygedagpenge-smaajob"}, _base(page_a))
    others = _while_reading(app, monkeypatch, _post(b, _ticked(page_b) | {"sygedagpenge-smaajob"}, _base(page_b)))
    same = save_a()
    monkeypatch.undo()
    assert others[0].result().status_code == 302
    assert same.status_code == 409
    assert "sygedagpenge-smaajob" in _ticked(same.get_data(as_text=True))
    assert _allows(app, "sygedagpenge", "smaajob")


# --- the compare-and-set itself ---------------------------------------------------------------------

def _counter(app) -> int | None:
    with app.app_context():
        return db.session.scalar(sa.select(EligibilityVersion.version).where(EligibilityVersion.id == 1))


def test_each_save_that_changes_something_bumps_the_counter_once(app):
    assert _counter(app) is None  # the table starts empty (as after migration 0033): the first save writes the row
    with app.app_context():
        table = eligibility.current_table(db.session)
        allowed = {pair for pair, ok in table.items() if ok}
        assert eligibility.save_table(db.session, allowed, eligibility.version(db.session))  # rows written
        db.session.commit()
        assert eligibility.save_table(db.session, allowed, eligibility.version(db.session)) == []  # no change
        db.session.commit()
    assert _counter(app) == 1


def test_a_save_decided_on_an_older_counter_writes_nothing(app):
    with app.app_context():
        for allowed in ({("dagpenge", "smaajob")}, set()):  # the row exists: the UPDATE decides
            eligibility.save_table(db.session, allowed, eligibility.version(db.session))
            db.session.commit()
        seen = eligibility.version(db.session)
        eligibility.save_table(db.session, {("sygedagpenge", "smaajob")}, seen)
        db.session.commit()
        with pytest.raises(eligibility.TableChanged):
            eligibility.save_table(db.session, {("kontanthjaelp", "fleksjob")}, seen)
        db.session.rollback()
        rules = load_rules(db.session)
    assert rules.allows("sygedagpenge", "smaajob") and not rules.allows("kontanthjaelp", "fleksjob")
    assert _counter(app) == 3


def test_two_first_saves_at_once_write_the_counter_row_once(app):
    """Before the first save there is no counter row: of two first saves one writes it."""
    with app.app_context():
        seen = eligibility.version(db.session)
        assert seen == 0
        eligibility.save_table(db.session, {("sygedagpenge", "smaajob")}, seen)
        db.session.commit()
        with pytest.raises(eligibility.TableChanged):
            eligibility.save_table(db.session, {("kontanthjaelp", "fleksjob")}, seen)
        db.session.rollback()
    assert _counter(app) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("app", [DATABASES[1]], indirect=True)
@pytest.mark.parametrize("saved_before", [0, 1])
def test_on_postgresql_a_save_waits_for_the_others_uncommitted_write_and_then_loses(app, saved_before):
    """Both writes in flight: B's conditional UPDATE waits for A's row lock, then finds the
    counter moved (PostgreSQL re-reads the row after the wait) and writes nothing; before the
    first save B's INSERT waits for A's uncommitted row, then finds it and inserts nothing."""
    with app.app_context():
        for _ in range(saved_before):
            eligibility.save_table(db.session, {("dagpenge", "smaajob")})
            db.session.commit()
        seen = eligibility.version(db.session)

        def b_saves():
            try:
                eligibility.save_table(db.session, {("kontanthjaelp", "fleksjob")}, seen)
            except eligibility.TableChanged:
                db.session.rollback()
                return "refused"
            db.session.commit()
            return "saved"

        eligibility.save_table(db.session, {("sygedagpenge", "smaajob")}, seen)  # A: written, not committed
        other = Meanwhile(app, b_saves).start()
        assert other.blocked
        db.session.commit()
    assert other.result() == "refused"
    assert _allows(app, "sygedagpenge", "smaajob") and not _allows(app, "kontanthjaelp", "fleksjob")
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibilityRule)) > 0
