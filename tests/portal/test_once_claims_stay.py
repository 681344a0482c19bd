"""A one-time form claim outlives what clears held forms: a log-out, a citizen's erasure and the
cap on a user's held forms (review Q 5's loose ends). Before, each of them deleted the claims
too, and the same form sent again afterwards created a second opening."""
from __future__ import annotations

import pytest
import sqlalchemy as sa

from portal.auth import held
from portal.extensions import db
from store.models import HeldForm, Opening
from store.models.held import CLAIM_KIND
from tests.portal import test_double_submit
from tests.portal.test_double_submit import ids, page_tokens, post_opening

# The double-submit tests' fixtures, used here by name.
company, as_company = test_double_submit.company, test_double_submit.as_company


def _claims(app) -> int:
    with app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(HeldForm)
                                 .where(HeldForm.kind == CLAIM_KIND))


@pytest.mark.parametrize("clear", ["log_out", "erasure", "many_held_forms"])
def test_a_form_sent_again_after_held_forms_were_cleared_still_creates_once(app, as_company, company, clear):
    csrf, form_id = page_tokens(as_company, "/opslag/ny")
    post_opening(as_company, csrf, form_id, title="Sendt før")
    assert _claims(app) == 1
    with app.test_request_context():
        if clear == "log_out":
            held.drop_user(company.id)
        elif clear == "erasure":
            held.drop_all()
        else:
            for _ in range(held.MAX_PER_USER + 2):
                held.put(company.id, "relogin", {"form": []}, 600)
        db.session.commit()
    assert _claims(app) == 1
    again = post_opening(as_company, csrf, form_id, title="Sendt før")
    [opening_id] = ids(app, Opening)
    assert again.headers["Location"] == f"/opslag/{opening_id}"


def test_a_log_out_still_drops_the_users_held_forms(app, company):
    with app.test_request_context():
        held.put(company.id, "relogin", {"form": []}, 600)
        held.drop_user(company.id)
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HeldForm)) == 0
