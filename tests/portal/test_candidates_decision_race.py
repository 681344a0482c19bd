"""Two consultants decide the same candidate at the same moment (review BH 2). Both passed the
check for an earlier decision; the second insert broke the unique pair and gave a 500 that lost
the typed reason. Now it is answered as a decision after a colleague's: nothing saved, who
decided what named, and the reason kept. The colleague's decision lands, through its own
session, at the first flush of this one's (deterministic, no timing)."""
from __future__ import annotations

import pytest
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from store.models import Proposal, User
from store.models.base import utcnow
from tests.portal.test_candidates import world  # noqa: F401  (the fixture)


def _colleague(app, make_user):
    colleague = make_user("consultant", email="susanne@jobcenter.dk")
    with app.app_context():
        db.session.get(User, colleague.id).name = "Susanne Kollega"
        db.session.commit()
    return colleague


@pytest.fixture
def colleague_decides_first(app):
    armed: list = []

    def before_flush(session, _context, _instances):
        if not armed or not any(isinstance(o, Proposal) for o in session.new):
            return
        values = armed.pop()
        with Session(db.engine) as other:
            other.add(Proposal(decided_at=utcnow(), explanation={}, **values))
            other.commit()

    event.listen(Session, "before_flush", before_flush)
    yield lambda **values: armed.append(values)
    event.remove(Session, "before_flush", before_flush)


@pytest.mark.parametrize("mine, theirs, said", [
    ("approve", "rejected", "fravalgt"),
    ("reject", "approved", "godkendt og foreslået"),
])
def test_a_decision_landing_meanwhile_is_named_and_the_reason_kept(app, client, auth, make_user, world,  # noqa: F811
                                                                  colleague_decides_first, mine, theirs, said):
    colleague = _colleague(app, make_user)
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    anna = world["ids"]["Anna Lagerbæk"]
    token = auth.csrf_token(path)
    colleague_decides_first(citizen_id=anna, opening_id=world["opening_id"], status=theirs,
                            decided_by_id=colleague.id, decision_reason="Kollegaens grund")
    response = client.post(f"{path}/borger/{anna}", data={
        "decision": mine, "reason": "Min lange begrundelse", "csrf_token": token,
        "confirmed": "y" if mine == "reject" else ""})
    assert response.status_code == 302  # was a 500 (IntegrityError)
    assert response.headers["Location"] == f"{path}#reason-{mine}-{anna}"
    with app.app_context():
        proposal = db.session.query(Proposal).one()
        assert (proposal.status, proposal.decided_by_id) == (theirs, colleague.id)  # nothing of mine saved
    html = client.get(path).get_data(as_text=True)
    assert ("Beslutningen om Anna Lagerbæk er ikke gemt: Der er allerede truffet en beslutning for denne "
            f"borger og dette opslag: Susanne Kollega har {said} borgeren (") in html
    assert "Din begrundelse var: »Min lange begrundelse«." in html


def test_a_decision_after_a_colleagues_names_them_too(app, client, auth, make_user, world):  # noqa: F811
    colleague = _colleague(app, make_user)
    auth.login(world["consultant"].email)
    anna = world["ids"]["Anna Lagerbæk"]
    with app.app_context():
        db.session.add(Proposal(citizen_id=anna, opening_id=world["opening_id"], status="approved",
                                decided_by_id=colleague.id, decided_at=utcnow(), explanation={}))
        db.session.commit()
    path = f"/kandidater/opslag/{world['opening_id']}"
    client.post(f"{path}/borger/{anna}", data={"decision": "approve", "reason": "Passer", "csrf_token": auth.csrf_token(path)})
    assert "Susanne Kollega har godkendt og foreslået borgeren (" in client.get(path).get_data(as_text=True)
