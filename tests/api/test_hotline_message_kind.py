"""The hotline API tells a closing note from an ordinary message (``kind``, migration 0030), so an
integration can show the job centre's reason for closing as such."""
from __future__ import annotations

from portal.extensions import db
from portal.hotline import service
from store.models import Company, HotlineRequest, User
from tests.api.api_fixtures import bearer, make_token


def test_each_message_says_its_kind_and_the_closing_note_is_marked(app, client, make_user):
    company_user = make_user("company", email="a@firma.dk")
    vk = make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        db.session.get(Company, company_user.company_id).consultant_id = vk.id
        db.session.commit()
        author, staff = db.session.get(User, company_user.id), db.session.get(User, vk.id)
        req = service.create_request(author, service.RequestData("andet", "normal", "Spørgsmål", "Hej", None))
        service.add_message(req, staff, "Jeg ringer.")
        req_id = req.id
        assert service.close_request(db.session.get(HotlineRequest, req_id), by=staff,
                                     note="Aftalt i telefonen.")
    headers = bearer(make_token(app, company_user))
    found = client.get(f"/api/v1/hotline/{req_id}", headers=headers).json
    assert [(m["body"], m["kind"]) for m in found["messages"]] == [
        ("Hej", "message"), ("Jeg ringer.", "message"), ("Aftalt i telefonen.", "closing_note")]


def test_the_schema_documents_the_message_kinds(app, client, make_user):
    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("company")))).json
    kind = spec["components"]["schemas"]["MessageOut"]["properties"]["kind"]
    assert kind["enum"] == ["message", "closing_note"]
    assert "closing_note" in kind["description"] and "lukket" in kind["description"]
    assert "kind" in spec["components"]["schemas"]["MessageOut"]["required"]
