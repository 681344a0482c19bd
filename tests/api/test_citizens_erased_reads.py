"""An erased citizen's external id answers 410 on GET and on the CV upload, as on PUT (review G 11),
and the CV upload hands back the citizen's new ETag (review G 12)."""
from __future__ import annotations

import io
from pathlib import Path

from portal.extensions import db
from portal.privacy import erase_citizen
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
        assert erase_citizen(db.session, created.json["id"], Path(app.config["UPLOAD_FOLDER"]), purpose="test")
        db.session.commit()
    for answer in (client.get("/api/v1/citizens/SAG-1042", headers=bearer(raw)), _cv(client, raw, "SAG-1042"),
                   client.put("/api/v1/citizens/SAG-1042", json=CITIZEN, headers=bearer(raw))):
        assert answer.status_code == 410, answer.json
        assert "art. 17" in answer.json["detail"] and "Stop overførslen" in answer.json["detail"]
    assert client.get("/api/v1/citizens/SAG-1043", headers=bearer(raw)).status_code == 404  # never known
    spec = client.get("/api/openapi.json", headers=bearer(raw)).json["paths"]
    assert "410" in spec["/api/v1/citizens/{external_id}"]["get"]["responses"]
    assert "410" in spec["/api/v1/citizens/{external_id}/cv"]["put"]["responses"]
