"""Deleting a CV stored by mistake (another person's CV): confirmed with a reason, audited, the
file, text, cached check and cached vectors gone, the citizen re-indexed, the previous version
current again, and never while a company has the version under a live consent."""
from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from matching.cache import ROLES, cache_key
from portal.citizens import cv_sharing
from portal.extensions import db
from store.embedding_store import DbEmbeddingCache
from store.models import AuditEvent, Citizen, CvDocument, Proposal
from store.models.base import utcnow
from store.models.outbox import EmbeddingCacheEntry
from store.profiles import citizen_profile
from tests.portal.citizen_fixtures import audit_actions, make_citizen, snapshot
from tests.portal.proposal_fixtures import build_world, set_status

WRONG = "Jens Jensen, tømrer. Sygemeldt 2023. Bor på Vestergade 12, 8000 Aarhus."
RIGHT = "Lagermedarbejder med truckcertifikat og fem års erfaring fra Horsens Havn."
REASON = "Anden persons CV uploadet ved en fejl"


@pytest.fixture
def consultant(app, auth, make_user):
    user = make_user("consultant")
    auth.login(user.email)
    return user


def add_cv(app, citizen_id: int, text: str, *, data: bytes | None = None, age_minutes: int = 0) -> int:
    """A CV version (a stored file when ``data`` is given), ``age_minutes`` old."""
    with app.app_context():
        stored_name = None
        if data is not None:
            folder = Path(app.config["UPLOAD_FOLDER"])
            folder.mkdir(parents=True, exist_ok=True)
            stored_name = f"{utcnow().timestamp():.6f}".replace(".", "") + "abc.txt"
            (folder / stored_name).write_bytes(data)
        cv = CvDocument(citizen_id=citizen_id, text=text, content_type="txt", stored_name=stored_name,
                        original_filename="cv.txt" if stored_name else "",
                        created_at=utcnow() - timedelta(minutes=age_minutes))
        db.session.add(cv)
        db.session.commit()
        return cv.id


def delete(client, auth, citizen_id: int, cv_id: int, reason: str = REASON):
    path = f"/borgere/{citizen_id}/cv/{cv_id}/slet"
    return client.post(path, data={"csrf_token": auth.csrf_token(path), "reason": reason})


def stored(app) -> list[str]:
    folder = Path(app.config["UPLOAD_FOLDER"])
    return sorted(p.name for p in folder.iterdir()) if folder.exists() else []


def test_the_page_asks_for_a_reason_and_says_which_cv_becomes_current(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    cv_page = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    assert f"/borgere/{citizen_id}/cv/{wrong}/slet" in cv_page and "Tidligere versioner (1)" in cv_page
    response = client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Sletning kan ikke fortrydes" in page and 'name="reason"' in page
    assert "det nuværende CV" in page and "bliver borgerens nuværende CV igen" in page
    assert audit_actions(app, citizen_id)[-1] == "read_citizen"


def test_without_a_reason_nothing_is_deleted(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    before = snapshot(app, citizen_id)
    files = stored(app)
    for reason in ("", "  ", "fejl"):
        response = delete(client, auth, citizen_id, wrong, reason)
        assert response.status_code == 400
        assert "Skriv" in response.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before and stored(app) == files


def test_a_reason_the_audit_log_may_not_keep_is_refused(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    before = snapshot(app, citizen_id)
    response = delete(client, auth, citizen_id, wrong, "CV for sygemeldt borger 010190-1234")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "adgangsloggen" in page and "CPR-nummer" in page
    assert snapshot(app, citizen_id) == before


def test_deleting_the_current_cv_removes_file_and_text_and_the_previous_one_is_current(
        app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    right = add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    [file_name] = stored(app)
    before = snapshot(app, citizen_id)
    response = delete(client, auth, citizen_id, wrong)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/borgere/{citizen_id}/cv")
    assert file_name not in stored(app)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        assert db.session.get(CvDocument, wrong) is None and citizen.current_cv.id == right
        texts = db.session.scalars(sa.select(CvDocument.text)).all()
        assert not any("Jens Jensen" in text for text in texts)
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cv_deleted")).one()
        assert event.citizen_id == citizen_id and event.purpose == f"cv {wrong}: {REASON}"
    after = snapshot(app, citizen_id)  # pending for the indexer, as an upload makes it
    assert after.version == before.version + 1 and after.outbox == before.outbox + 1 and after.cvs == 1
    page = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    assert "er slettet: filen og teksten er fjernet" in page and "er nu borgerens nuværende CV" in page
    assert "Jens Jensen" not in page and "Tidligere versioner" not in page
    assert client.get(f"/borgere/{citizen_id}/cv/{wrong}/fil").status_code == 404


def test_deleting_the_only_cv_says_the_citizen_has_none(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    assert "Borgeren har derefter intet CV" in client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet").get_data(as_text=True)
    assert delete(client, auth, citizen_id, wrong).status_code == 302
    assert stored(app) == []
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        assert citizen.current_cv is None and "CV" in " ".join(citizen.missing_for_matching)
    page = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    assert "Borgeren har nu intet CV" in page and "Borgeren har intet CV endnu" in page


def test_an_earlier_version_can_be_deleted_and_the_current_stays(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode(), age_minutes=60)
    right = add_cv(app, citizen_id, RIGHT)
    assert "Det nuværende CV fra" in client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet").get_data(as_text=True)
    assert delete(client, auth, citizen_id, wrong).status_code == 302
    assert stored(app) == []
    with app.app_context():
        assert [cv.id for cv in db.session.get(Citizen, citizen_id).cv_documents] == [right]


def test_the_cached_check_and_the_cached_vectors_of_that_text_go(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    client.get(f"/borgere/{citizen_id}/cv")  # the page checks the CV: its result is cached
    assert any(key[0] == WRONG for key in cv_sharing._CACHE)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        text = citizen_profile(citizen).text
        assert "Jens Jensen" in text
        cache = DbEmbeddingCache(db.session, "enc-a")
        vector = np.ones(4, dtype=np.float32)
        cache.put_many({cache_key("enc-a", role, text): vector for role in ROLES} | {"other": vector})
        DbEmbeddingCache(db.session, "enc-b").put_many({cache_key("enc-b", "passage", text): vector})
        db.session.commit()
    assert delete(client, auth, citizen_id, wrong).status_code == 302
    assert not any(key[0] == WRONG for key in cv_sharing._CACHE)
    with app.app_context():
        assert db.session.scalars(sa.select(EmbeddingCacheEntry.key)).all() == ["other"]


def test_a_version_shared_under_a_live_consent_is_refused_until_the_consent_is_withdrawn(
        app, client, auth, make_user, frozen_today):
    world = build_world(app, make_user)
    with app.app_context():
        citizen = db.session.get(Citizen, world["citizen"])
        citizen.vk_id = world["consultant"].id
        db.session.get(Proposal, world["proposal"]).share_cv = True
        db.session.commit()
    wrong = add_cv(app, world["citizen"], WRONG, data=WRONG.encode(), age_minutes=5)
    set_status(app, world["proposal"], "disclosed", consent=True)
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}/cv/{wrong}/slet")
    text = page.get_data(as_text=True)
    assert page.status_code == 409 and "kan ikke slettes endnu" in text
    assert f"/kandidater/forslag/{world['proposal']}" in text and 'name="reason"' not in text
    before = snapshot(app, world["citizen"])
    response = delete(client, auth, world["citizen"], wrong)
    assert response.status_code == 409 and snapshot(app, world["citizen"]) == before
    assert len(stored(app)) == 1
    path = f"/kandidater/forslag/{world['proposal']}"
    assert client.post(f"{path}/tilbagekald", data={"csrf_token": auth.csrf_token(path)}).status_code == 302
    assert delete(client, auth, world["citizen"], wrong).status_code == 302
    assert stored(app) == []


def test_a_cv_of_another_citizen_is_not_found(app, client, auth, consultant):
    mine = make_citizen(app, vk_id=consultant.id, cv_text=None)
    other = make_citizen(app, name="Anna Berg", cv_text=None)
    theirs = add_cv(app, other, WRONG)
    assert client.get(f"/borgere/{mine}/cv/{theirs}/slet").status_code == 404
    assert delete(client, auth, mine, theirs).status_code == 404
    with app.app_context():
        assert db.session.get(CvDocument, theirs) is not None


def test_a_restricted_citizen_keeps_the_cv(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None, restricted=True)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    page = client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet").get_data(as_text=True)
    assert 'name="reason"' not in page and "kan ikke ændres, mens behandlingen er begrænset" in page
    response = delete(client, auth, citizen_id, wrong)
    assert response.status_code == 400 and "begrænset" in response.get_data(as_text=True)
    assert len(stored(app)) == 1


def test_a_company_cannot_delete_a_cv(app, client, auth, make_user):
    citizen_id = make_citizen(app, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG)
    auth.login(make_user("company").email)
    assert client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet").status_code in (403, 404)
    with app.app_context():
        assert db.session.get(CvDocument, wrong) is not None


def test_the_page_names_the_proposals_whose_approved_profile_is_not_changed(app, client, auth, make_user):
    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).profile_approved_at = utcnow()
        db.session.commit()
    wrong = add_cv(app, world["citizen"], WRONG)
    auth.login(world["consultant"].email)
    page = client.get(f"/borgere/{world['citizen']}/cv/{wrong}/slet").get_data(as_text=True)
    assert 'data-testid="cv-delete-profiles"' in page and f"/kandidater/forslag/{world['proposal']}" in page


def test_a_consent_not_yet_disclosed_is_named_as_such(app, client, auth, make_user, frozen_today):
    world = build_world(app, make_user)
    with app.app_context():
        db.session.get(Proposal, world["proposal"]).share_cv = True
        db.session.commit()
    wrong = add_cv(app, world["citizen"], WRONG, age_minutes=5)
    set_status(app, world["proposal"], "consented", consent=True)
    auth.login(world["consultant"].email)
    response = client.get(f"/borgere/{world['citizen']}/cv/{wrong}/slet")
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "får borgerens navn og CV" in page and "har fået borgerens navn og" not in page


def test_the_access_log_shows_the_reason_as_typed():
    from portal.admin.audit_labels import ACTION_LABELS, FREE_TEXT_ACTIONS, purpose_label

    assert ACTION_LABELS["cv_deleted"] == "CV slettet (gemt ved en fejl)" and "cv_deleted" in FREE_TEXT_ACTIONS
    assert purpose_label("cv_deleted", "cv 7: Anden persons CV, ikke company") == "cv 7: Anden persons CV, ikke company"
