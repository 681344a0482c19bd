"""A citizen's case: close/reopen, restrict processing (art. 18), erase (art. 17).

Every accepted change writes the citizen, an outbox row and an audit event in one
transaction; a refused one writes nothing. Closed and restricted citizens leave the
ranking once the indexer has drained the outbox.
"""
from __future__ import annotations

from datetime import date, timedelta

import pytest
import sqlalchemy as sa
from sqlalchemy import event

from indexer.rebuild import rebuild
from indexer.worker import OutboxWorker
from portal.extensions import db
from portal.matching_runtime import _runtime
from store.models import AuditEvent, Citizen, Company, Opening, OutboxEvent, Placement
from tests.portal.citizen_fixtures import audit_actions, csrf, make_citizen, snapshot
from tests.clock import TODAY

HUGE = "x" * 1_000_000
pytestmark = pytest.mark.usefixtures("frozen_today")  # the portal lives on TODAY too


@pytest.fixture
def consultant(make_user):
    return make_user("consultant", email="vk@jc.dk")


@pytest.fixture
def admin(make_user):
    return make_user("admin", email="admin@jc.dk")


@pytest.fixture
def cid(app, auth, consultant):
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


def close(client, auth, cid, **overrides):
    data = {"csrf_token": csrf(auth), "closed_on": TODAY.isoformat(), "reason": "ordinaert_job"}
    data.update(overrides)
    return client.post(f"/borgere/{cid}/afslut", data=data)


def restrict(client, auth, cid, **overrides):
    data = {"csrf_token": csrf(auth), "ground": "rigtighed", "note": "J.nr. 2026-17"}
    data.update(overrides)
    return client.post(f"/borgere/{cid}/begraens", data=data)


def citizen(app, cid) -> Citizen | None:
    with app.app_context():
        return db.session.get(Citizen, cid)


def audit_rows(app, cid, action) -> list[AuditEvent]:
    with app.app_context():
        return list(db.session.scalars(sa.select(AuditEvent).where(
            AuditEvent.citizen_id == cid, AuditEvent.action == action)))


def transactions(app) -> list[list[str]]:
    """The SQL statements of each committed transaction from now on (first words only)."""
    done: list[list[str]] = [[]]
    with app.app_context():
        event.listen(db.engine, "before_cursor_execute",
                     lambda _c, _cur, sql, *_a: done[-1].append(" ".join(sql.split()[:3])))
        event.listen(db.engine, "commit", lambda _conn: done.append([]))
    return done


def _in_one_transaction(done, *statements) -> bool:
    return any(all(any(s.startswith(want) for s in tx) for want in statements) for tx in done)


# --- close and reopen ---------------------------------------------------------------------

def test_close_then_reopen_writes_citizen_outbox_and_audit_in_one_commit(app, client, auth, cid):
    before = snapshot(app, cid)
    done = transactions(app)
    response = close(client, auth, cid, status="approved", company_id="1", role="admin")
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/borgere/{cid}")
    assert citizen(app, cid).case_closed == TODAY
    assert _in_one_transaction(done, "UPDATE citizen SET", "INSERT INTO outbox_event",
                               "INSERT INTO audit_event")
    after = snapshot(app, cid)
    # The version rises (twice in the one commit: ending the proposals flushes the row, then the
    # »matching changed« step bumps it, store.outbox.citizen_changed, review BN 13).
    assert after.outbox == before.outbox + 1 and after.version > before.version
    assert [e.purpose for e in audit_rows(app, cid, "case_closed")] == ["reason:ordinaert_job"]
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="closed-banner"' in html and "Genåbn sag" in html

    done[:] = [[]]
    assert client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": "Mistede jobbet"}
                       ).status_code == 302
    assert citizen(app, cid).case_closed is None
    assert _in_one_transaction(done, "UPDATE citizen SET", "INSERT INTO outbox_event",
                               "INSERT INTO audit_event")
    assert snapshot(app, cid).outbox == before.outbox + 2
    assert len(audit_rows(app, cid, "case_reopened")) == 1


def test_a_reopen_reason_with_health_details_is_refused(app, client, auth, cid):
    """The reason is kept in the audit log, which never holds health details (SECURITY.md)."""
    close(client, auth, cid)
    client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": "Sygemeldt igen"})
    assert citizen(app, cid).case_closed == TODAY
    assert not audit_rows(app, cid, "case_reopened")


def test_closed_case_leaves_the_caseload_but_stays_findable(app, client, auth, cid):
    assert "Sofie Andersen" in client.get("/borgere/").get_data(as_text=True)
    close(client, auth, cid)
    assert "Sofie Andersen" not in client.get("/borgere/").get_data(as_text=True)
    html = client.get("/borgere/?closed=y&q=sofie").get_data(as_text=True)
    assert "Sofie Andersen" in html and 'data-testid="closed-badge"' in html
    assert "Sofie Andersen" not in client.get("/borgere/?closed=y&q=peter").get_data(as_text=True)


@pytest.mark.parametrize("overrides, message", [
    ({"closed_on": (TODAY + timedelta(days=1)).isoformat()}, "kan ikke ligge i fremtiden"),
    ({"closed_on": "2025-02-28"}, "kan ikke ligge før sagsstart"),
    ({"closed_on": "2026-02-31"}, "Datoen findes ikke. Skriv den som dd.mm.åååå"),
    ({"closed_on": ""}, "Skriv en dato, fx 06.12.2026."),
    ({"closed_on": "{{7*7}}"}, "Skriv datoen som dd.mm.åååå"),
    ({"closed_on": HUGE}, "Skriv datoen som dd.mm.åååå"),
    ({"closed_on": "2025-06-01\x00"}, "Skriv datoen som dd.mm.åååå"),
    ({"reason": ""}, "Vælg en årsag"),
    ({"reason": "afbrudt' OR 1=1--"}, "Vælg en af mulighederne"),
    ({"reason": "<script>alert(1)</script>"}, "Vælg en af mulighederne"),
])
def test_close_validation_errors_write_nothing(app, client, auth, cid, overrides, message):
    before = snapshot(app, cid)
    response = close(client, auth, cid, **overrides)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and "<script>alert(1)</script>" not in html
    assert snapshot(app, cid) == before and citizen(app, cid).case_closed is None


def test_close_is_refused_while_a_placement_runs_with_a_link_to_it(app, client, auth, cid, make_user):
    company_user = make_user("company")
    with app.app_context():
        placement = Placement(citizen_id=cid, company_id=company_user.company_id, kind="smaajob",
                              start_date=date(2025, 5, 1), weekly_hours=5)
        db.session.add(placement)
        db.session.commit()
        pid = placement.id
    before = snapshot(app, cid)
    response = close(client, auth, cid)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "aktivt forløb" in html
    assert f'href="/forloeb/{pid}/konsulent"' in html
    assert snapshot(app, cid) == before
    with app.app_context():  # ended before the closing date: now it may close
        db.session.get(Placement, pid).end_date = TODAY - timedelta(days=1)
        db.session.commit()
    assert close(client, auth, cid).status_code == 302


def test_close_is_refused_on_the_placements_last_day_until_its_end_is_registered(app, client, auth, cid, make_user):
    """Review BN 2: an end date of today with no end reason is the placement's last day
    (»Slutter i dag«), running by the one rule every screen uses; the case cannot close under it.
    Registered as ended today (an end reason), it has ended and the case may close."""
    from portal.citizens.case import active_placement_ids
    from portal.placements.service import is_active

    company_user = make_user("company")
    with app.app_context():
        placement = Placement(citizen_id=cid, company_id=company_user.company_id, kind="smaajob",
                              start_date=date(2025, 5, 1), end_date=TODAY, weekly_hours=5)
        db.session.add(placement)
        db.session.commit()
        pid = placement.id
        assert is_active(placement, TODAY) and active_placement_ids(cid, TODAY) == [pid]
    before = snapshot(app, cid)
    response = close(client, auth, cid)
    assert response.status_code == 400 and "aktivt forløb" in response.get_data(as_text=True)
    assert snapshot(app, cid) == before
    with app.app_context():
        db.session.get(Placement, pid).end_reason = "forloeb_slut"
        db.session.commit()
        assert not is_active(db.session.get(Placement, pid), TODAY) and active_placement_ids(cid, TODAY) == []
    assert close(client, auth, cid).status_code == 302


def test_reopen_of_an_open_case_is_a_clear_error(app, client, auth, cid):
    response = client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": "Fejl"})
    assert response.status_code == 400 and "Sagen er ikke afsluttet" in response.get_data(as_text=True)


def test_closed_case_page_shows_the_reason_and_never_says_it_can_be_matched(app, client, auth, cid):
    close(client, auth, cid, reason="flyttet")
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert f"Sagen blev afsluttet {TODAY:%d.%m.%Y} med årsagen" in html
    assert 'data-testid="closing-reason">Flyttet fra kommunen<' in html
    assert "kan matches" not in html and "Borgeren matches ikke, fordi sagen er afsluttet" in html


@pytest.mark.parametrize("reason, message", [("", "Skriv kort, hvorfor sagen genåbnes."),
                                             ("   ", "Skriv kort, hvorfor sagen genåbnes."),
                                             ("x" * 101, "Højst 100 tegn."),
                                             ("a\u202eb", "usynlige tegn")])
def test_reopen_needs_a_short_reason_and_keeps_the_case_closed_without_one(app, client, auth, cid, reason, message):
    close(client, auth, cid)
    response = client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": reason})
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert citizen(app, cid).case_closed == TODAY and not audit_rows(app, cid, "case_reopened")


def test_reopen_reason_is_audited(app, client, auth, cid):
    close(client, auth, cid)
    client.post(f"/borgere/{cid}/genaabn", data={"csrf_token": csrf(auth), "reason": "  Mistede   jobbet "})
    assert [e.purpose for e in audit_rows(app, cid, "case_reopened")] == ["reason: Mistede jobbet"]


# --- restriction ----------------------------------------------------------------------------

def test_restriction_banner_read_only_and_lifting(app, client, auth, cid):
    before = snapshot(app, cid)
    assert restrict(client, auth, cid, restricted="n").status_code == 302
    assert citizen(app, cid).restricted is True
    assert snapshot(app, cid).outbox == before.outbox + 1
    assert [e.purpose for e in audit_rows(app, cid, "processing_restricted")] == ["rigtighed: J.nr. 2026-17"]
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="restricted-banner"' in html and "Ophæv begrænsning" in html

    frozen = snapshot(app, cid)  # other changes, closing included, are refused
    client.post(f"/borgere/{cid}/jobmaal", data={"csrf_token": csrf(auth), "title": "Chauffør"})
    assert close(client, auth, cid).status_code == 400
    assert snapshot(app, cid) == frozen

    response = client.post(f"/borgere/{cid}/ophaev-begraensning", data={"csrf_token": csrf(auth)})
    assert response.status_code == 400 and "Bekræft, at borgeren er orienteret" in response.get_data(as_text=True)
    assert citizen(app, cid).restricted is True
    response = client.post(f"/borgere/{cid}/ophaev-begraensning",
                           data={"csrf_token": csrf(auth), "informed": "y", "note": "Rettet"})
    assert response.status_code == 302 and citizen(app, cid).restricted is False
    assert [e.purpose for e in audit_rows(app, cid, "restriction_lifted")] == ["Rettet"]
    assert snapshot(app, cid).outbox == before.outbox + 2


@pytest.mark.parametrize("overrides, message", [
    ({"ground": ""}, "Vælg en begrundelse"),
    ({"ground": "* ? ~ /re/ AND \""}, "Vælg en af mulighederne"),
    ({"note": HUGE}, "Højst 100 tegn"),
    ({"note": "J.nr.\u202e71"}, "usynlige tegn"),
    ({"note": "J\u200bnr"}, "usynlige tegn"),
    ({"note": "J.nr.\x00"}, "usynlige tegn"),
])
def test_restriction_needs_a_valid_ground(app, client, auth, cid, overrides, message):
    before = snapshot(app, cid)
    response = restrict(client, auth, cid, **overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert snapshot(app, cid) == before and citizen(app, cid).restricted is False


# --- CSRF and roles -------------------------------------------------------------------------

CASE_POSTS = [("afslut", {"closed_on": TODAY.isoformat(), "reason": "andet"}), ("genaabn", {"reason": "Mistede jobbet"}),
              ("begraens", {"ground": "retskrav"}), ("ophaev-begraensning", {"informed": "y"}),
              ("slet", {"purpose": "J.nr. 1", "confirm_name": "Sofie Andersen"})]


@pytest.mark.parametrize("path, data", CASE_POSTS)
def test_every_case_action_needs_csrf(app, client, auth, admin, path, data):
    cid = make_citizen(app, restricted=path == "ophaev-begraensning",
                       case_closed=TODAY if path == "genaabn" else None)
    auth.switch_to(admin.email)
    before = snapshot(app, cid)
    assert client.post(f"/borgere/{cid}/{path}", data=data).status_code == 400
    assert snapshot(app, cid) == before


@pytest.mark.parametrize("path, data", CASE_POSTS)
def test_a_company_user_gets_403_on_every_case_action(app, client, auth, make_user, path, data):
    cid = make_citizen(app)
    auth.login(make_user("company").email)
    before = snapshot(app, cid)
    assert client.post(f"/borgere/{cid}/{path}", data={"csrf_token": csrf_from_home(auth), **data}).status_code == 403
    assert client.get(f"/borgere/{cid}/slet").status_code == 403
    assert snapshot(app, cid) == before


def csrf_from_home(auth) -> str:
    return auth.csrf_token("/")


def test_a_consultant_gets_403_on_erase_and_sees_no_link(app, client, auth, cid):
    assert "Slet borger" not in client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert client.get(f"/borgere/{cid}/slet").status_code == 403
    data = {"csrf_token": csrf(auth), "purpose": "J.nr. 1", "confirm_name": "Sofie Andersen"}
    assert client.post(f"/borgere/{cid}/slet", data=data).status_code == 403
    assert citizen(app, cid) is not None


# --- erasure --------------------------------------------------------------------------------

def erase(client, auth, cid, **overrides):
    data = {"csrf_token": auth.csrf_token(f"/borgere/{cid}/slet"), "purpose": "J.nr. 2026-0042",
            "confirm_name": "  sofie   ANDERSEN ", "role": "consultant"}
    data.update(overrides)
    return client.post(f"/borgere/{cid}/slet", data=data)


def test_admin_erases_a_citizen_from_the_page(app, client, auth, admin, consultant):
    cid = make_citizen(app, vk_id=consultant.id)
    auth.login(admin.email)
    assert f'href="/borgere/{cid}/slet"' in client.get(f"/borgere/{cid}").get_data(as_text=True)
    page = client.get(f"/borgere/{cid}/slet").get_data(as_text=True)
    assert "Det bliver slettet" in page and "matchingindekset" in page
    response = erase(client, auth, cid)
    assert response.status_code == 302 and response.headers["Location"].endswith("/borgere/")
    assert citizen(app, cid) is None
    [row] = audit_rows(app, cid, "citizen_erased")
    assert row.purpose == "J.nr. 2026-0042" and row.user_id == admin.id and row.role == "admin"
    with app.app_context():
        assert db.session.scalar(sa.select(OutboxEvent.op).where(OutboxEvent.entity_id == cid)
                                 .order_by(OutboxEvent.id.desc())) == "delete"
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert f"Borger nr. {cid} er slettet" in html and "Sofie Andersen" not in html


@pytest.mark.parametrize("overrides, message", [
    ({"confirm_name": "Sofie Andersen2"}, "Navnet svarer ikke til borgerens navn"),
    ({"confirm_name": "Peter Hansen"}, "Navnet svarer ikke til borgerens navn"),
    ({"confirm_name": "' OR 1=1--"}, "Navnet svarer ikke til borgerens navn"),
    ({"confirm_name": ""}, "Skriv borgerens navn for at bekræfte"),
    ({"confirm_name": HUGE}, "Højst 200 tegn"),
    ({"purpose": ""}, "Skriv formålet med sletningen"),
    ({"purpose": HUGE}, "Formålet skal være 3–100 tegn"),
    ({"purpose": "J.nr.\u202e1"}, "usynlige tegn"),
])
def test_erase_form_errors_delete_nothing(app, client, auth, admin, overrides, message):
    cid = make_citizen(app)
    auth.login(admin.email)
    response = erase(client, auth, cid, **overrides)
    assert response.status_code == 400 and message in response.get_data(as_text=True)
    assert citizen(app, cid) is not None and audit_rows(app, cid, "citizen_erased") == []


def test_erase_needs_a_fresh_login(app, client, auth, admin):
    cid = make_citizen(app)
    auth.login(admin.email)
    token = auth.csrf_token(f"/borgere/{cid}/slet")
    with client.session_transaction() as session:
        session["_fresh"] = False
    for response in (client.get(f"/borgere/{cid}/slet"),
                     client.post(f"/borgere/{cid}/slet", data={
                         "csrf_token": token, "purpose": "J.nr. 1", "confirm_name": "Sofie Andersen"})):
        assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert citizen(app, cid) is not None


@pytest.mark.parametrize("bad", ["0", "-1", "abc", "99999999999999999999"])
def test_bad_ids_are_404(client, auth, admin, bad):
    auth.login(admin.email)
    assert client.get(f"/borgere/{bad}/slet").status_code == 404
    assert client.post(f"/borgere/{bad}/afslut", data={"csrf_token": csrf(auth)}).status_code == 404


# --- matching -------------------------------------------------------------------------------

def _ranked(client, opening_id) -> str:
    return client.get(f"/kandidater/opslag/{opening_id}").get_data(as_text=True)


def _drain(app) -> None:
    with app.app_context():
        OutboxWorker(db.session, _runtime().backend, _runtime().encoder).drain()


def test_closed_and_restricted_citizens_leave_the_ranking(app, client, auth, consultant, make_user):
    company_user = make_user("company")
    auth.login(consultant.email)
    anna = make_citizen(app, name="Anna Lagerbæk", vk_id=consultant.id)
    bo = make_citizen(app, name="Bo Truckfører", vk_id=consultant.id)
    with app.app_context():
        company = db.session.get(Company, company_user.company_id)
        company.consultant_id = consultant.id
        opening = Opening(company=company, kind="smaajob", title="Lagermedarbejder med truckcertifikat",
                          description="Pluk, pak og truckkørsel.", hours_min=5, hours_max=12,
                          postcode="8722", status="open")
        db.session.add(opening)
        db.session.commit()
        opening_id = opening.id
        rebuild(db.session, _runtime().backend, _runtime().encoder, progress=None)
    html = _ranked(client, opening_id)
    assert "Anna Lagerbæk" in html and "Bo Truckfører" in html  # control: both ranked

    assert close(client, auth, anna).status_code == 302
    assert restrict(client, auth, bo).status_code == 302
    _drain(app)
    html = _ranked(client, opening_id)
    assert "Anna Lagerbæk" not in html and "Bo Truckfører" not in html

    assert client.post(f"/borgere/{anna}/genaabn", data={"csrf_token": csrf(auth), "reason": "Mistede jobbet"}
                       ).status_code == 302
    _drain(app)
    assert "Anna Lagerbæk" in _ranked(client, opening_id)
    assert "processing_restricted" in audit_actions(app, bo)


def _top_flash(html: str) -> str:
    """The first alert in <main>: what the consultant sees on landing."""
    main = html[html.index('<main id="main-content">'):]
    return main[:main.index("</div>", main.index('class="alert'))]


def test_the_close_form_says_beforehand_that_a_running_placement_blocks_it(app, client, auth, cid, make_user):
    company_user = make_user("company")
    with app.app_context():
        placement = Placement(citizen_id=cid, company_id=company_user.company_id, kind="smaajob",
                              start_date=date(2025, 5, 1), weekly_hours=5)
        db.session.add(placement)
        db.session.commit()
        pid = placement.id
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    section = page[page.index('id="afslut-sag"'):page.index('<h3 id="begraensning">Begrænset behandling</h3>')]
    assert 'data-testid="close-blocked"' in section and 'data-testid="close-form"' not in section
    assert f'<a href="/forloeb/{pid}/konsulent#afslut">Afslut forløbet først: småjob' in section
    with app.app_context():  # ended: the form is offered again
        db.session.get(Placement, pid).end_date = TODAY - timedelta(days=1)
        db.session.commit()
    page = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="close-form"' in page and 'data-testid="close-blocked"' not in page


def test_a_refused_close_says_so_at_the_top_of_the_page(app, client, auth, cid, make_user):
    response = close(client, auth, cid, closed_on=(TODAY + timedelta(days=1)).isoformat())
    assert response.status_code == 400
    top = _top_flash(response.get_data(as_text=True))
    assert "alert-error" in top and "Sagen er ikke afsluttet: ret det, der er markeret under »Afslut sag«" in top
    company_user = make_user("company")
    with app.app_context():  # a placement running on an earlier closing date: refused, said at the top
        db.session.add(Placement(citizen_id=cid, company_id=company_user.company_id, kind="smaajob",
                                 start_date=date(2025, 5, 1), end_date=TODAY - timedelta(days=1), weekly_hours=5))
        db.session.commit()
    response = close(client, auth, cid, closed_on=(TODAY - timedelta(days=10)).isoformat())
    assert response.status_code == 400
    assert "Sagen er ikke afsluttet: Sagen kan ikke afsluttes, mens borgeren har et aktivt forløb" in \
        _top_flash(response.get_data(as_text=True))
