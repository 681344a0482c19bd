"""The hotline API says which target a request waits on now (review AI 11).

``due_at`` is the first answer's target and never moves; a request the company put back to
waiting has its own, in ``current_due_at``, with ``waiting_since`` and ``overdue``.
"""
from __future__ import annotations

from datetime import datetime, timedelta, timezone

from portal.extensions import db
from portal.hotline import service, sla
from store.models import Company, User
from tests.api.api_fixtures import bearer, make_token

# Monday 23 November 2026, 09:00 in Copenhagen (akut: due 16:00 the same day).
CREATED = datetime(2026, 11, 23, 8, 0, tzinfo=timezone.utc)


def iso(moment: datetime) -> str:
    return sla.as_utc(moment).isoformat()


def test_a_request_waiting_again_shows_its_current_target(app, client, make_user):
    company_user = make_user("company", email="a@firma.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = vk.id
        db.session.commit()
        author, staff = db.session.get(User, company_user.id), db.session.get(User, vk.id)
        req = service.create_request(author, service.RequestData("konflikt", "akut", "Uenighed", "Hej", None),
                                     now=CREATED)
        fresh = service.create_request(author, service.RequestData("andet", "normal", "Spørgsmål", "Hej", None),
                                       now=sla.utc_now())
        service.add_message(req, staff, "Jeg ringer.", now=CREATED + timedelta(hours=1))
        again = CREATED + timedelta(hours=6)  # Monday 15:00: akut after 14:00, due Tuesday 12:00
        service.add_message(req, author, "Det er sket igen.", now=again, awaits_answer=True)
        req_id, fresh_id = req.id, fresh.id
        fresh_due = sla.as_utc(fresh.due_at)
    headers = bearer(make_token(app, company_user))
    found = client.get(f"/api/v1/hotline/{req_id}", headers=headers).json
    assert found["due_at"] == iso(datetime(2026, 11, 23, 16, tzinfo=sla.LOCAL))
    assert found["current_due_at"] == iso(datetime(2026, 11, 24, 12, tzinfo=sla.LOCAL))
    assert found["waiting_since"] == iso(again) and found["overdue"] is True
    listed = {item["id"]: item for item in client.get("/api/v1/hotline/", headers=headers).json["items"]}
    assert {k: listed[req_id][k] for k in ("current_due_at", "waiting_since", "overdue")} == {
        k: found[k] for k in ("current_due_at", "waiting_since", "overdue")}
    first = listed[fresh_id]  # waiting for its first answer, not yet late
    assert first["current_due_at"] == first["due_at"] == iso(fresh_due)
    assert first["waiting_since"] is None and first["overdue"] is False


def test_the_schema_documents_which_target_due_at_is(app, client, make_user):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    fields = spec["components"]["schemas"]["RequestOut"]["properties"]
    assert "første svar" in fields["due_at"]["description"]
    assert {"current_due_at", "overdue", "waiting_since"} <= set(fields)
