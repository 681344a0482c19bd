"""Disabling accounts (issue 7, finding 3): never oneself, never the last administrator, fresh login."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import AuditEvent, User

OWN = "Du kan ikke deaktivere din egen bruger."
LAST_ADMIN = "er den sidste aktive administrator og kan ikke deaktiveres."


def toggle(client, auth, user_id: int):
    return client.post(f"/admin/users/{user_id}/toggle", data={"csrf_token": auth.csrf_token("/admin/users")})


def is_active(app, user_id: int) -> bool:
    with app.app_context():
        return db.session.get(User, user_id).active


def disabled_events(app) -> int:
    with app.app_context():
        return db.session.query(AuditEvent).filter_by(action="user_disabled").count()


def test_an_administrator_cannot_disable_their_own_account(app, client, auth, make_user):
    me = make_user("admin")
    make_user("admin")  # not the last administrator: the own-account rule alone refuses
    auth.login(me.email)
    response = toggle(client, auth, me.id)
    assert response.status_code == 302 and response.headers["Location"] == "/admin/users"
    assert OWN in client.get("/admin/users").get_data(as_text=True)
    assert is_active(app, me.id) and disabled_events(app) == 0
    assert client.get("/").status_code == 200  # still logged in


def test_the_own_row_has_no_disable_button(client, auth, make_user):
    me = make_user("admin")
    other = make_user("consultant")
    auth.login(me.email)
    html = client.get("/admin/users").get_data(as_text=True)
    assert f'/admin/users/{me.id}/toggle"' not in html
    assert f'/admin/users/{other.id}/toggle"' in html


def test_the_last_active_administrator_cannot_be_disabled(app, make_user):
    """Through the pages the acting administrator is always active, so the target can be the
    last one only when the two disable each other at once: the service re-reads and refuses."""
    from portal.admin import service

    acting, target = make_user("admin"), make_user("admin")
    with app.test_request_context():
        me = db.session.get(User, acting.id)
        her = db.session.get(User, target.id)
        # Meanwhile another request disabled ``acting`` (committed on its own connection).
        with db.engine.begin() as other_request:
            other_request.execute(sa.update(User).where(User.id == acting.id).values(active=False))
        with pytest.raises(service.AccountRuleError, match=LAST_ADMIN) as refusal:
            service.toggle_active(her, me)
        assert her.name in str(refusal.value)
        db.session.rollback()
    assert is_active(app, target.id)


def test_an_administrator_can_disable_another_while_one_stays(app, client, auth, make_user):
    me, other = make_user("admin"), make_user("admin")
    auth.login(me.email)
    assert toggle(client, auth, other.id).status_code == 302
    assert not is_active(app, other.id) and disabled_events(app) == 1
    assert toggle(client, auth, other.id).status_code == 302  # and enable her again
    assert is_active(app, other.id)


def test_disabling_needs_a_fresh_login(app, client, auth, make_user):
    me = make_user("admin")
    target = make_user("consultant")
    auth.login(me.email)
    with client.session_transaction() as session:
        session["_fresh"] = False  # the login has gone stale
    response = toggle(client, auth, target.id)
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]
    assert is_active(app, target.id) and disabled_events(app) == 0


def test_other_users_are_disabled_as_before(app, client, auth, make_user):
    me = make_user("admin")
    target = make_user("consultant")
    auth.login(me.email)
    assert toggle(client, auth, target.id).status_code == 302
    assert not is_active(app, target.id) and disabled_events(app) == 1


def _deactivated_at(app, user_id: int):
    with app.app_context():
        return db.session.scalar(sa.select(User.deactivated_at).where(User.id == user_id))


def test_disabling_an_administrator_stamps_when(app, client, auth, make_user):
    """The dashboard reads ``deactivated_at`` as of a month; an administrator is disabled by a
    conditional bulk UPDATE, which the ORM's stamping hook does not see."""
    me, other = make_user("admin"), make_user("admin")
    auth.login(me.email)
    assert toggle(client, auth, other.id).status_code == 302
    assert not is_active(app, other.id) and _deactivated_at(app, other.id) is not None
    assert toggle(client, auth, other.id).status_code == 302  # enabled again: cleared
    assert is_active(app, other.id) and _deactivated_at(app, other.id) is None


def test_the_bulk_update_that_disables_an_administrator_stamps_the_row_itself(app, make_user):
    from portal.admin import service

    make_user("admin")
    target = make_user("admin")
    with app.test_request_context():
        assert service._disable_admin(db.session.get(User, target.id))
        db.session.commit()  # nothing else changed the loaded object
    assert not is_active(app, target.id) and _deactivated_at(app, target.id) is not None
