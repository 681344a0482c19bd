"""Review AX 5: the screen-reader label of /partner/partnere's »Hotline: venter på svar« link
says »1 hotlinehenvendelse« for one request and »N hotlinehenvendelser« for more."""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

import lxml.html
import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Company, HotlineRequest, User


@pytest.fixture
def partners(app, make_user):
    """Two Code of Care partners: one with one open hotline request, one with two."""
    consultant = make_user("consultant")
    one = make_user("company", code_of_care=True)
    two = make_user("company", code_of_care=True)
    due = datetime.now(timezone.utc) + timedelta(days=1)
    with app.app_context():
        for user, count in ((one, 1), (two, 2)):
            for n in range(count):
                db.session.add(HotlineRequest(company_id=user.company_id, category="andet", urgency="normal",
                                              subject=f"Spørgsmål {n}", created_by_id=user.id, due_at=due))
        db.session.commit()
        names = dict(db.session.execute(sa.select(Company.id, Company.name)).all())
        assert db.session.get(User, one.id).company.code_of_care
    return {"consultant": consultant, "one": (one.company_id, names[one.company_id]),
            "two": (two.company_id, names[two.company_id])}


def test_the_label_is_singular_for_one_request(client, auth, partners):
    auth.login(partners["consultant"].email)
    page = lxml.html.fromstring(client.get("/partner/partnere").get_data(as_text=True))
    labels = {}
    for key in ("one", "two"):
        company_id, name = partners[key]
        [link] = page.xpath(f'//tr[@data-testid="partner-row-{company_id}"]//a[@data-testid="open-hotline-link"]')
        labels[key] = (link.text_content().strip(), link.get("aria-label"))
    assert labels["one"] == ("1", f"1 hotlinehenvendelse fra {partners['one'][1]}, der venter på svar")
    assert labels["two"] == ("2", f"2 hotlinehenvendelser fra {partners['two'][1]}, der venter på svar")
