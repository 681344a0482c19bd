"""Review BH 9: a rejection reason with a CPR number is refused at the reason on the ranking and kept."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.extensions import db
from portal.text import CPR_IN_TEXT_MESSAGE
from store.models import Proposal
from tests.portal.test_candidates import world  # noqa: F401 - the fixture
from tests.portal.test_no_cpr_free_texts import TEXT

pytestmark = pytest.mark.usefixtures("frozen_today")


def test_a_rejection_reason_with_a_cpr_number_is_refused_at_the_reason_and_kept(app, client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    path = f"/kandidater/opslag/{world['opening_id']}"
    bo = world["ids"]["Bo Omsorg"]
    for confirmed in ("", "y"):
        sent = client.post(f"{path}/borger/{bo}", data={
            "decision": "reject", "reason": TEXT, "confirmed": confirmed, "csrf_token": auth.csrf_token(path)})
        assert sent.status_code == 302 and sent.headers["Location"] == f"{path}#reason-reject-{bo}"
        page = client.get(sent.headers["Location"]).get_data(as_text=True)
        # kept to correct, the number as [cpr]: a refused text never travels in the session cookie (review BQ 1)
        assert CPR_IN_TEXT_MESSAGE in page and TEXT.replace("010190-1234", "[cpr]") in page
        assert "010190" not in page
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(Proposal.id))) == 0
