"""Deleting a CV stored by mistake (another person's CV): confirmed with a reason (a fixed choice
and an optional note), audited by id and saved time, the file, text, cached check and cached
vectors gone, the citizen re-indexed, the previous version current again, never while a company
has the version under a live consent, and never a later CV that was given the deleted id."""
from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path

import numpy as np
import pytest
import sqlalchemy as sa

from matching.cache import ROLES, cache_key
from portal.citizens import cv_removal, cv_sharing
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
REASON = "other_person"
REASON_LABEL = "En anden persons CV"


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


def version_of(app, cv_id: int) -> str:
    """The version key the confirmation page puts in its form ("" for a version gone)."""
    with app.app_context():
        cv = db.session.get(CvDocument, cv_id)
        return cv_removal.version_key(cv) if cv is not None else ""


def saved_at(app, cv_id: int) -> str:
    with app.app_context():
        return cv_removal.saved_at(db.session.get(CvDocument, cv_id))


def delete(client, auth, citizen_id: int, cv_id: int, reason: str = REASON, note: str = "",
           version: str | None = None):
    """POST the confirmation form, with the version key of the row as it is now unless given."""
    path = f"/borgere/{citizen_id}/cv/{cv_id}/slet"
    if version is None:
        version = version_of(client.application, cv_id)
    return client.post(path, data={"csrf_token": auth.csrf_token(path), "reason": reason, "note": note,
                                   "version": version})


def form_version(page: str) -> str:
    """The version key in a confirmation page's form."""
    return re.search(r'<input id="version" name="version" type="hidden" value="([0-9a-f]{32})">', page).group(1)


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
    for reason, note, message in (("", "", "Vælg, hvorfor CV'et slettes."),
                                  ("other", "", "når du vælger »Andet«"),
                                  ("other", "  ", "når du vælger »Andet«"),
                                  ("other", "fejl", "Skriv uddybningen på 5 til 100 tegn."),
                                  (REASON, "x" * 101, "Skriv uddybningen på 5 til 100 tegn."),
                                  ("mette", "", "Vælg en af")):
        response = delete(client, auth, citizen_id, wrong, reason, note)
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (reason, note)
        assert message in page.replace("&#39;", "'"), (reason, note)
    assert snapshot(app, citizen_id) == before and stored(app) == files


def test_the_reasons_are_offered_as_a_choice_with_a_hint_against_names(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    page = client.get(f"/borgere/{citizen_id}/cv/{wrong}/slet").get_data(as_text=True)
    for value, label in (("other_person", "En anden persons CV"), ("wrong_file", "Forkert fil"),
                         ("faulty", "Fejlbehæftet version"), ("other", "Andet")):
        assert f'value="{value}"' in page and label in page
    assert 'type="radio"' in page and 'name="note"' in page
    assert "heller ikke den anden persons" in page and "(valgfri)" in page


def test_a_chosen_reason_alone_is_enough_and_a_note_is_kept_after_it(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    first = add_cv(app, citizen_id, WRONG, age_minutes=60)
    second = add_cv(app, citizen_id, RIGHT)
    first_saved, second_saved = saved_at(app, first), saved_at(app, second)
    assert delete(client, auth, citizen_id, second, "wrong_file").status_code == 302
    assert delete(client, auth, citizen_id, first, "other", "Uploadet på den forkerte borger").status_code == 302
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "cv_deleted")
                                      .order_by(AuditEvent.id)).all()
    assert purposes == [f"cv {second} gemt {second_saved}: Forkert fil",
                        f"cv {first} gemt {first_saved}: Andet – Uploadet på den forkerte borger"]


def test_a_note_the_audit_log_may_not_keep_is_refused(app, client, auth, consultant):
    citizen_id = make_citizen(app, name="Kasper Bak", vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    before = snapshot(app, citizen_id)
    response = delete(client, auth, citizen_id, wrong, REASON, "CV for Kasper Bak")
    page = response.get_data(as_text=True)
    assert response.status_code == 400 and "adgangsloggen" in page and "borgerens navn" in page
    assert 'value="CV for Kasper Bak"' in page  # the note typed is kept
    assert re.search(r"<input checked [^>]*value=\"other_person\">", page)
    assert snapshot(app, citizen_id) == before


def test_deleting_the_current_cv_removes_file_and_text_and_the_previous_one_is_current(
        app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    right = add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode())
    [file_name] = stored(app)
    before = snapshot(app, citizen_id)
    saved = saved_at(app, wrong)
    response = delete(client, auth, citizen_id, wrong)
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/borgere/{citizen_id}/cv")
    assert file_name not in stored(app)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        assert db.session.get(CvDocument, wrong) is None and citizen.current_cv.id == right
        texts = db.session.scalars(sa.select(CvDocument.text)).all()
        assert not any("Jens Jensen" in text for text in texts)
        event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cv_deleted")).one()
        assert event.citizen_id == citizen_id and event.purpose == f"cv {wrong} gemt {saved}: {REASON_LABEL}"
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
    assert delete(client, auth, mine, theirs, version="").status_code == 404
    assert delete(client, auth, mine, theirs).status_code == 409  # a key, but never of mine's version
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


def test_an_old_form_never_deletes_the_cv_that_was_given_the_deleted_id(app, client, auth, consultant):
    """Review AP 1: SQLite gave a deleted id to the next CV saved; replaying the first form
    (a second tab, Back, a colleague's open page) is refused and the new CV stays."""
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG, data=WRONG.encode(), age_minutes=2)  # saved, then found wrong
    path = f"/borgere/{citizen_id}/cv/{wrong}/slet"
    old_version = form_version(client.get(path).get_data(as_text=True))
    old_saved = saved_at(app, wrong)
    assert delete(client, auth, citizen_id, wrong, version=old_version).status_code == 302
    new_text = "Truckfører og lagermedarbejder, ti års erfaring fra Vejle og Horsens."
    response = client.post(f"/borgere/{citizen_id}/cv/tekst", data={
        "csrf_token": auth.csrf_token(f"/borgere/{citizen_id}/cv"), "text": new_text})
    assert response.status_code == 302
    with app.app_context():
        newest = db.session.get(Citizen, citizen_id).current_cv
        assert newest.text == new_text
        if newest.id != wrong:  # as SQLite did before cv_document had AUTOINCREMENT (migration 0032)
            db.session.execute(sa.update(CvDocument).where(CvDocument.id == newest.id).values(id=wrong))
            db.session.commit()
    before = snapshot(app, citizen_id)
    replay = delete(client, auth, citizen_id, wrong, version=old_version)
    page = replay.get_data(as_text=True)
    assert replay.status_code == 409
    assert "Den version, du ville slette, findes ikke længere" in page and "Intet er slettet" in page
    assert f'href="/borgere/{citizen_id}/cv"' in page and new_text not in page
    assert snapshot(app, citizen_id) == before
    with app.app_context():
        assert db.session.get(CvDocument, wrong).text == new_text
    # The new version's own form deletes it, and the two entries about that id are told apart.
    new_saved = saved_at(app, wrong)
    assert new_saved != old_saved
    assert form_version(client.get(path).get_data(as_text=True)) != old_version
    assert delete(client, auth, citizen_id, wrong, "wrong_file").status_code == 302
    with app.app_context():
        purposes = db.session.scalars(sa.select(AuditEvent.purpose).where(AuditEvent.action == "cv_deleted")
                                      .order_by(AuditEvent.id)).all()
    assert purposes == [f"cv {wrong} gemt {old_saved}: {REASON_LABEL}", f"cv {wrong} gemt {new_saved}: Forkert fil"]


def test_a_form_for_a_version_deleted_meanwhile_says_so(app, client, auth, consultant):
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    right = add_cv(app, citizen_id, RIGHT, age_minutes=60)
    wrong = add_cv(app, citizen_id, WRONG)
    version = version_of(app, wrong)
    assert delete(client, auth, citizen_id, wrong, version=version).status_code == 302
    before = snapshot(app, citizen_id)
    again = delete(client, auth, citizen_id, wrong, version=version)
    assert again.status_code == 409 and "findes ikke længere" in again.get_data(as_text=True)
    assert snapshot(app, citizen_id) == before
    with app.app_context():
        assert [cv.id for cv in db.session.get(Citizen, citizen_id).cv_documents] == [right]


def test_a_form_without_the_version_deletes_nothing(app, client, auth, consultant):
    """A page opened before the form carried the version cannot say which one it meant."""
    citizen_id = make_citizen(app, vk_id=consultant.id, cv_text=None)
    wrong = add_cv(app, citizen_id, WRONG)
    before = snapshot(app, citizen_id)
    for version in ("", "0" * 32):
        response = delete(client, auth, citizen_id, wrong, version=version)
        assert response.status_code == 409
    assert "Åbn sletningen igen" in delete(client, auth, citizen_id, wrong, version="").get_data(as_text=True)
    assert snapshot(app, citizen_id) == before


def test_the_version_key_names_id_saved_time_and_file_not_the_text(app):
    citizen_id = make_citizen(app, cv_text=None)
    cv_id = add_cv(app, citizen_id, "")
    with app.app_context():
        cv = db.session.get(CvDocument, cv_id)
        key = cv_removal.version_key(cv)
        cv.text = RIGHT  # the indexer fills in a file's text later: the same version
        assert cv_removal.version_key(cv) == key
        cv.created_at = cv.created_at + timedelta(seconds=1)
        assert cv_removal.version_key(cv) != key
