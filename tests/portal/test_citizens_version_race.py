"""Two consultants save the same citizen at the same moment (review BH 1). The version check
fired at an autoflush inside a query (the flash text's read of the CV list, the rectification's
query of the companies told) before the route's ``try``, and gave a 500 that lost the pasted CV
text. Now a refused save anywhere in the unit is rolled back and its page comes back with what
was posted and why. Each test lets a colleague's save land, through its own connection, at the
first flush of this save's change to the citizen (deterministic, no timing)."""
from __future__ import annotations

import io
import os
import re

import pytest
import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.orm import Session

from portal.extensions import db
from store.models import Citizen
from tests.portal.citizen_fixtures import make_citizen
from tests.portal.test_citizens_edit import profile

LONG_CV = "Truckfører og lagermedarbejder i tolv år hos Dansk Havnelogistik, certifikat B og A. " * 3


@pytest.fixture
def citizen_id(app, client, auth, make_user):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    return make_citizen(app, vk_id=consultant.id)


@pytest.fixture
def colleague_saves_at_flush(app):
    """Arm: at the first flush that writes the citizen, the colleague's ``statement`` commits first."""
    armed: list = []

    def before_flush(session, _context, _instances):
        if not armed or not any(isinstance(o, Citizen) for o in [*session.dirty, *session.new]):
            return
        statement, params = armed.pop()
        with db.engine.begin() as other:
            other.execute(sa.text(statement), params)

    event.listen(Session, "before_flush", before_flush)
    yield lambda statement, **params: armed.append((statement, params))
    event.remove(Session, "before_flush", before_flush)


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def _citizen(app, citizen_id: int) -> Citizen:
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        db.session.expunge(citizen)
        return citizen


def _cv_count(app, citizen_id: int) -> int:
    with app.app_context():
        return len(db.session.get(Citizen, citizen_id).cv_documents)


BUMP_PHONE = "UPDATE citizen SET phone = '21 34 56 78', version = version + 1 WHERE id = :id"


def test_a_cv_text_refused_by_a_save_landing_meanwhile_comes_back_in_the_field(app, client, citizen_id,
                                                                              colleague_saves_at_flush):
    html = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/cv/tekst",
                           data={"csrf_token": _hidden(html, "csrf_token"), "text": LONG_CV})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page  # was a 500
    assert "så CV&#39;et er ikke gemt. Din tekst står stadig i feltet" in page
    assert LONG_CV.strip() in page.split('name="text"', 1)[1]  # the pasted text kept
    assert "CV&#39;et er gemt" not in page
    assert _cv_count(app, citizen_id) == 1 and _citizen(app, citizen_id).phone == "21 34 56 78"
    again = client.post(f"/borgere/{citizen_id}/cv/tekst", data={"csrf_token": _hidden(html, "csrf_token"),
                                                                 "text": LONG_CV}, follow_redirects=True)
    assert "CV&#39;et er gemt" in again.get_data(as_text=True) and _cv_count(app, citizen_id) == 2


def test_a_cv_file_refused_by_a_save_landing_meanwhile_asks_for_the_file_again(app, client, citizen_id,
                                                                              colleague_saves_at_flush):
    html = client.get(f"/borgere/{citizen_id}/cv").get_data(as_text=True)
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/cv/fil", content_type="multipart/form-data",
                           data={"csrf_token": _hidden(html, "csrf_token"), "kept_text": "Mit halve CV",
                                 "file": (io.BytesIO(LONG_CV.encode()), "cv.txt")})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "lige mens du uploadede, så CV&#39;et er ikke gemt. Vælg filen igen" in page
    assert "Mit halve CV</textarea>" in page  # the text typed beside it kept
    assert _cv_count(app, citizen_id) == 1
    folder = app.config["UPLOAD_FOLDER"]
    assert not os.path.isdir(folder) or not os.listdir(folder)  # the stored file is gone again


def test_a_profile_save_refused_at_the_rectifications_query_is_merged(app, client, citizen_id,
                                                                     colleague_saves_at_flush):
    path = f"/borgere/{citizen_id}/profil"
    html = client.get(path).get_data(as_text=True)
    tab = profile(version=_hidden(html, "version"), base=_hidden(html, "base"),
                  csrf_token=_hidden(html, "csrf_token"))
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(path, data={**tab, "languages": "dansk, engelsk"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page  # was a 500
    assert "Den anden ændrede Telefon (»21 34 56 78«)" in page
    assert 'value="21 34 56 78"' in page and 'value="dansk, engelsk"' in page  # theirs and mine
    assert _citizen(app, citizen_id).languages == "dansk"
    again = {**tab, "phone": "21 34 56 78", "languages": "dansk, engelsk",
             "version": _hidden(page, "version"), "base": _hidden(page, "base")}
    assert client.post(path, data=again).status_code == 302
    assert _citizen(app, citizen_id).languages == "dansk, engelsk"


def test_a_job_goal_refused_by_a_save_landing_meanwhile_keeps_the_typed_title(app, client, citizen_id,
                                                                             colleague_saves_at_flush):
    path = f"/borgere/{citizen_id}/jobmaal"
    html = client.get(path).get_data(as_text=True)
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(path, data={"csrf_token": _hidden(html, "csrf_token"), "title": "Truckfører"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "så jobmålet er ikke tilføjet" in page and 'value="Truckfører"' in page
    assert [g.title for g in _citizen_goals(app, citizen_id)] == ["Lagermedarbejder"]


def test_a_move_refused_by_a_save_landing_meanwhile_says_so(app, client, make_user, auth, colleague_saves_at_flush):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    citizen_id = make_citizen(app, vk_id=consultant.id, goals=("Tjener", "Kok"))
    html = client.get(f"/borgere/{citizen_id}/jobmaal").get_data(as_text=True)
    goal_id = _citizen_goals(app, citizen_id)[1].id
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{goal_id}/flyt",
                           data={"csrf_token": _hidden(html, "csrf_token"), "direction": "up"}, follow_redirects=True)
    assert response.status_code == 200
    assert "Borgeren blev ændret af en anden imens" in response.get_data(as_text=True)
    assert [g.title for g in _citizen_goals(app, citizen_id)] == ["Tjener", "Kok"]


def _citizen_goals(app, citizen_id: int):
    with app.app_context():
        goals = list(db.session.get(Citizen, citizen_id).job_goals)
        for goal in goals:
            db.session.expunge(goal)
        return goals
