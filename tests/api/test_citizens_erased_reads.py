"""An erased citizen's external id answers 410 on GET and on the CV upload, as on PUT (review G 11),
and the CV upload hands back the citizen's new ETag (review G 12)."""
from __future__ import annotations

import io

from portal.extensions import db
from portal.privacy.erasure import erase_citizen
from tests.api.api_fixtures import bearer, make_token
from tests.api.test_jobcentre_scope import CITIZEN


def _cv(client, raw: str, external_id: str):
    return client.put(f"/api/v1/citizens/{external_id}/cv", headers=bearer(raw), content_type="multipart/form-data",
                      data={"file": (io.BytesIO("Erfaring fra lager og kantine.".encode()), "cv.txt")})


def test_every_route_answers_410_for_an_erased_external_id(app, client, make_user):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    created = client.put("/api/v1/citizens/SAG-1042", json=CITIZEN, headers=bearer(raw))
    assert created.status_code == 201, created.json
    with app.app_context():
        assert erase_citizen(db.session, created.json["id"], purpose="test")
        db.session.commit()
    for answer in (client.get("/api/v1/citizens/SAG-1042", headers=bearer(raw)), _cv(client, raw, "SAG-1042"),
                   client.put("/api/v1/citizens/SAG-1042", json=CITIZEN, headers=bearer(raw))):
        assert answer.status_code == 410, answer.json
        assert "art. 17" in answer.json["detail"] and "Stop overførslen" in answer.json["detail"]
    assert client.get("/api/v1/citizens/SAG-1043", headers=bearer(raw)).status_code == 404  # never known
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json["paths"]
    assert "410" in spec["/api/v1/citizens/{external_id}"]["get"]["responses"]
    assert "410" in spec["/api/v1/citizens/{external_id}/cv"]["put"]["responses"]


def test_the_cv_upload_gives_the_new_etag_for_the_next_put(app, client, make_user):
    raw = make_token(app, make_user("consultant", email="vk@jc.dk"))
    created = client.put("/api/v1/citizens/SAG-2001", json=CITIZEN, headers=bearer(raw))
    assert created.headers["ETag"] == '"v1"'
    uploaded = _cv(client, raw, "SAG-2001")
    assert uploaded.status_code == 200 and uploaded.headers["ETag"] == f'"v{uploaded.json["version"]}"' != '"v1"'
    again = client.put("/api/v1/citizens/SAG-2001", json=dict(CITIZEN, hours_available=30),
                       headers=bearer(raw, **{"If-Match": uploaded.headers["ETag"]}))
    assert again.status_code == 200, again.json
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json["paths"]
    assert "ETag" in spec["/api/v1/citizens/{external_id}/cv"]["put"]["responses"]["200"]["headers"]
