"""The company start page's hotline banner: what it counts is what it links to.

Review finding: "I har 2 besvarede henvendelser at læse" never cleared after reading, because it
counted a status and promised "unread". Hotline requests keep no read marker, so the banner now
names each answered request (the company's turn: read, reply or close) with a link to it, and
names the requests waiting past their deadline.
"""
from __future__ import annotations

import re
from datetime import datetime, timedelta, timezone

import pytest

from portal.extensions import db
from store.models import HotlineRequest

pytestmark = pytest.mark.usefixtures("frozen_today")


def alert(client) -> str:
    html = client.get("/").get_data(as_text=True)
    found = re.search(r'data-testid="hotline-alert">(.*?)</div></div>', html, re.DOTALL)
    return found.group(1) if found else ""


def add(app, user, subject, status, due):
    with app.app_context():
        request = HotlineRequest(company_id=user.company_id, category="opgaver", urgency="normal",
                                 subject=subject, status=status, created_by_id=user.id, due_at=due)
        db.session.add(request)
        db.session.commit()
        return request.id


def test_answered_requests_are_named_and_linked_and_overdue_ones_said(app, client, auth, make_user):
    user = make_user("company", code_of_care=True)
    now = datetime.now(timezone.utc)
    first = add(app, user, "Nøgler til lageret", "answered", now - timedelta(days=30))
    second = add(app, user, "Mødetider", "answered", now - timedelta(days=2))
    late = add(app, user, "Arbejdstøj", "open", now - timedelta(hours=3))
    add(app, user, "Ny vagtplan", "open", now + timedelta(days=1))
    add(app, user, "Lukket sag", "closed", now - timedelta(days=40))
    auth.login(user.email)
    text = alert(client)
    assert "at læse" not in text  # no promise of "unread" that reading would not keep
    assert (f'Jobcentret har svaret på <a href="/hotline/{first}">#{first} Nøgler til lageret</a> og '
            f'<a href="/hotline/{second}">#{second} Mødetider</a>.') in text
    assert "I har 2 henvendelser til hotline, der venter på svar</a>" in text
    assert f'<a href="/hotline/{late}">#{late}</a> er over svarfristen.' in text
    assert "Lukket sag" not in text

    with app.app_context():
        for request_id in (first, second):
            db.session.get(HotlineRequest, request_id).status = "closed"
        db.session.commit()
    text = alert(client)
    assert "Jobcentret har svaret" not in text and "venter på svar" in text
