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

from portal.citizens import service
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
    """Arm: at the first flush that writes (or deletes) the citizen, the colleague's ``statement``
    commits first."""
    armed: list = []

    def before_flush(session, _context, _instances):
        if not armed or not any(isinstance(o, Citizen) for o in [*session.dirty, *session.new, *session.deleted]):
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
    assert "lige mens du flyttede jobmålet, så rækkefølgen er ikke ændret" in response.get_data(as_text=True)
    assert [g.title for g in _citizen_goals(app, citizen_id)] == ["Tjener", "Kok"]


def _citizen_goals(app, citizen_id: int):
    with app.app_context():
        goals = list(db.session.get(Citizen, citizen_id).job_goals)
        for goal in goals:
            db.session.expunge(goal)
        return goals


# --- Sagsbehandlere and skånehensyn: the version check at an autoflush before the commit -------

@pytest.fixture
def query_after(monkeypatch):
    """Make ``module.name`` read the database after its change (as a service's query would):
    the read autoflushes the change, so the version check fires there, before the route's commit."""
    def arm(module, name: str) -> None:
        real = getattr(module, name)

        def then_query(*args, **kwargs):
            result = real(*args, **kwargs)
            db.session.scalar(sa.select(sa.func.count(Citizen.id)))
            return result

        monkeypatch.setattr(module, name, then_query)
    return arm


def _assign_tab(client, path: str) -> dict:
    html = client.get(path).get_data(as_text=True)
    return {name: _hidden(html, name) for name in ("csrf_token", "version", "base")}


def _selected(html: str, name: str) -> str:
    select = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.search(r'<option selected value="(\d+)"', select).group(1)


def test_a_caseworker_choice_refused_at_an_autoflush_comes_back_in_the_form(app, client, auth, make_user,
                                                                           colleague_saves_at_flush, query_after):
    query_after(service, "assign_caseworkers")
    vk, adviser, other, mine = (make_user("consultant") for _ in range(4))
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, adviser_id=adviser.id)
    path = f"/borgere/{citizen_id}/sagsbehandlere"
    tab = _assign_tab(client, path)
    colleague_saves_at_flush("UPDATE citizen SET adviser_id = :other, version = version + 1 WHERE id = :id",
                             other=other.id, id=citizen_id)
    response = client.post(path, data={**tab, "vk_id": vk.id, "adviser_id": mine.id})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page  # was a redirect to the citizen page, the choice lost
    assert 'data-testid="assign-form"' in page
    assert "lige mens du gemte, så intet er gemt" in page
    assert f"I har begge ændret beskæftigelsesrådgiver (den anden: »{other.name}«)" in page
    assert f"Gemt nu: virksomhedskonsulent »{vk.name}«, beskæftigelsesrådgiver »{other.name}«." in page
    assert "tryk »Gem« igen" in page
    assert _selected(page, "adviser_id") == str(mine.id)  # my choice kept
    assert _citizen(app, citizen_id).adviser_id == other.id
    again = {**tab, "vk_id": vk.id, "adviser_id": mine.id, "version": _hidden(page, "version"),
             "base": _hidden(page, "base")}
    assert client.post(path, data=again).status_code == 302
    assert _citizen(app, citizen_id).adviser_id == mine.id


def test_a_caseworker_refused_at_an_autoflush_keeps_the_colleagues_other_change(app, client, auth, make_user,
                                                                               colleague_saves_at_flush, query_after):
    query_after(service, "assign_caseworkers")
    vk, adviser, other, new_vk = (make_user("consultant") for _ in range(4))
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, adviser_id=adviser.id)
    path = f"/borgere/{citizen_id}/sagsbehandlere"
    tab = _assign_tab(client, path)
    colleague_saves_at_flush("UPDATE citizen SET adviser_id = :other, version = version + 1 WHERE id = :id",
                             other=other.id, id=citizen_id)
    response = client.post(path, data={**tab, "vk_id": new_vk.id, "adviser_id": adviser.id,
                                       "confirm_vk_change": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert f"Den anden ændrede beskæftigelsesrådgiver (»{other.name}«); det står nu i formularen" in page
    assert (_selected(page, "vk_id"), _selected(page, "adviser_id")) == (str(new_vk.id), str(other.id))
    again = {**tab, "vk_id": new_vk.id, "adviser_id": other.id, "confirm_vk_change": "y",
             "version": _hidden(page, "version"), "base": _hidden(page, "base")}
    assert client.post(path, data=again).status_code == 302
    citizen = _citizen(app, citizen_id)
    assert (citizen.vk_id, citizen.adviser_id) == (new_vk.id, other.id)  # both kept


def test_a_caseworker_save_landing_at_the_commit_keeps_the_colleagues_other_change(app, client, auth, make_user,
                                                                                  monkeypatch):
    """The commit's refusal (commit_or_refuse) merges as the autoflush's does: re-sending the
    form does not undo a field only the colleague changed."""
    from portal.citizens import routes_cv

    vk, adviser, other, new_vk = (make_user("consultant") for _ in range(4))
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, adviser_id=adviser.id)
    path = f"/borgere/{citizen_id}/sagsbehandlere"
    tab = _assign_tab(client, path)
    real = routes_cv.commit_or_refuse

    def colleague_first() -> bool:
        with db.engine.begin() as conn:
            conn.execute(sa.text("UPDATE citizen SET adviser_id = :other, version = version + 1 WHERE id = :id"),
                         {"other": other.id, "id": citizen_id})
        return real()

    monkeypatch.setattr(routes_cv, "commit_or_refuse", colleague_first)
    response = client.post(path, data={**tab, "vk_id": new_vk.id, "adviser_id": adviser.id,
                                       "confirm_vk_change": "y"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert (_selected(page, "vk_id"), _selected(page, "adviser_id")) == (str(new_vk.id), str(other.id))


def test_skaanehensyn_refused_at_an_autoflush_come_back_in_the_form(app, client, auth, make_user,
                                                                   colleague_saves_at_flush, query_after):
    query_after(service, "update_limitations")
    vk = make_user("consultant")
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, limitation_flags=[], limitations_text="")
    path = f"/borgere/{citizen_id}/skaanehensyn"
    html = client.get(path).get_data(as_text=True)
    tab = {name: _hidden(html, name) for name in ("csrf_token", "version", "base")}
    colleague_saves_at_flush("UPDATE citizen SET limitations_text = 'Kollegaens tekst', version = version + 1 "
                             "WHERE id = :id", id=citizen_id)
    response = client.post(path, data={**tab, "flags": ["no_night_work"], "text": "Min tekst"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page  # was a redirect to the citizen page, the typing lost
    assert "I har begge ændret beskrivelsen (den anden: »Kollegaens tekst«)" in page
    assert "De gemte skånehensyn står øverst på siden" in page and "gem igen" in page
    form = page.split('data-testid="limitations-form"', 1)[1]
    assert "Min tekst</textarea>" in form and 'checked class="form-checkbox" id="flags-1"' in form
    assert "Kollegaens tekst" in page.split('data-testid="limitations"', 1)[1].split("</section>")[0]
    assert _citizen(app, citizen_id).limitations_text == "Kollegaens tekst"
    again = {**tab, "flags": ["no_night_work"], "text": "Min tekst", "version": _hidden(page, "version"),
             "base": _hidden(page, "base")}
    assert client.post(path, data=again).status_code == 302
    assert _citizen(app, citizen_id).limitations_text == "Min tekst"


def test_skaanehensyn_refused_at_an_autoflush_by_another_change_say_so(app, client, auth, make_user,
                                                                      colleague_saves_at_flush, query_after):
    query_after(service, "update_limitations")
    vk = make_user("consultant")
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, limitation_flags=[], limitations_text="")
    path = f"/borgere/{citizen_id}/skaanehensyn"
    html = client.get(path).get_data(as_text=True)
    tab = {name: _hidden(html, name) for name in ("csrf_token", "version", "base")}
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(path, data={**tab, "text": "Min tekst"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "lige mens du gemte, så intet er gemt" in page and "Min tekst</textarea>" in page


# --- The case forms, the CV's deletion and the erasure --------------------------------------

CASE_KEPT = "Det, du udfyldte, står stadig i formularen"


def _csrf(client, path: str) -> str:
    return _hidden(client.get(path).get_data(as_text=True), "csrf_token")


def _form(page: str, testid: str) -> str:
    return page.split(f'data-testid="{testid}"', 1)[1].split("</form>", 1)[0]


@pytest.mark.usefixtures("frozen_today")
def test_a_closing_refused_at_an_autoflush_keeps_the_date_and_reason(app, client, citizen_id,
                                                                    colleague_saves_at_flush):
    from tests.clock import TODAY

    csrf = _csrf(client, f"/borgere/{citizen_id}")
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    day = (TODAY.replace(day=1)).isoformat()
    response = client.post(f"/borgere/{citizen_id}/afslut", data={"csrf_token": csrf, "closed_on": day,
                                                                   "reason": "andet"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    form = _form(page, "close-form")
    assert "lige mens du gemte, så sagen er ikke afsluttet" in form and CASE_KEPT in form
    assert 'selected value="andet"' in form and f'value="{day}"' in form
    assert "21 34 56 78" in page  # the citizen as saved now
    assert _citizen(app, citizen_id).case_closed is None
    again = client.post(f"/borgere/{citizen_id}/afslut", data={"csrf_token": csrf, "closed_on": day, "reason": "andet"})
    assert again.status_code == 302 and _citizen(app, citizen_id).case_closed == TODAY.replace(day=1)


@pytest.mark.usefixtures("frozen_today")
def test_a_reopening_refused_at_an_autoflush_keeps_the_reason(app, client, auth, make_user,
                                                             colleague_saves_at_flush):
    from tests.clock import TODAY

    consultant = make_user("consultant")
    auth.login(consultant.email)
    citizen_id = make_citizen(app, vk_id=consultant.id, case_closed=TODAY, case_close_reason="andet")
    csrf = _csrf(client, f"/borgere/{citizen_id}")
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/genaabn", data={"csrf_token": csrf, "reason": "Mistede jobbet"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    form = _form(page, "reopen-form")
    assert "så sagen er ikke genåbnet" in form and CASE_KEPT in form and 'value="Mistede jobbet"' in form
    assert _citizen(app, citizen_id).case_closed == TODAY


@pytest.mark.usefixtures("frozen_today")
def test_a_restriction_refused_at_the_commit_keeps_the_ground_and_note(app, client, citizen_id,
                                                                      colleague_saves_at_flush):
    csrf = _csrf(client, f"/borgere/{citizen_id}")
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/begraens", data={"csrf_token": csrf, "ground": "retskrav",
                                                                    "note": "J.nr. 2026-17"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    form = _form(page, "restrict-form")
    assert "så behandlingen er ikke begrænset" in form and CASE_KEPT in form
    assert 'selected value="retskrav"' in form and 'value="J.nr. 2026-17"' in form
    assert _citizen(app, citizen_id).restricted is False


def test_a_cv_deletion_refused_by_a_save_landing_meanwhile_keeps_the_reason_and_note(app, client, citizen_id,
                                                                                    colleague_saves_at_flush):
    with app.app_context():
        cv_id = db.session.get(Citizen, citizen_id).cv_documents[0].id
    path = f"/borgere/{citizen_id}/cv/{cv_id}/slet"
    html = client.get(path).get_data(as_text=True)
    tab = {"csrf_token": _hidden(html, "csrf_token"), "version": _hidden(html, "version")}
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(path, data={**tab, "reason": "other", "note": "Gemt på den forkerte borger"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page  # was a redirect to the CV page, the note lost
    form = _form(page, "cv-delete-form")
    assert "lige mens du slettede, så CV&#39;et er ikke slettet" in form
    assert 'value="Gemt på den forkerte borger"' in form and 'checked class="form-radio" id="reason-3"' in form
    assert _cv_count(app, citizen_id) == 1
    again = client.post(path, data={**tab, "version": _hidden(page, "version"), "reason": "other",
                                     "note": "Gemt på den forkerte borger"})
    assert again.status_code == 302 and _cv_count(app, citizen_id) == 0


def test_an_erasure_refused_by_a_save_landing_meanwhile_keeps_what_was_typed(app, client, auth, make_user,
                                                                            monkeypatch):
    """The colleague's save lands once the citizen is loaded, before the erasure writes (SQLite
    lets no other connection write after that); the citizen's delete checks the version."""
    from portal.citizens import case

    admin = make_user("admin")
    auth.login(admin.email)
    citizen_id = make_citizen(app)
    path = f"/borgere/{citizen_id}/slet"
    csrf = _hidden(client.get(path).get_data(as_text=True), "csrf_token")
    real, armed = case.erase, [BUMP_PHONE]

    def colleague_first(*args, **kwargs):
        while armed:
            with db.engine.begin() as other:
                other.execute(sa.text(armed.pop()), {"id": citizen_id})
        return real(*args, **kwargs)

    monkeypatch.setattr(case, "erase", colleague_first)
    response = client.post(path, data={"csrf_token": csrf, "purpose": "J.nr. 2026-0042",
                                       "confirm_name": "Sofie Andersen"})
    page = response.get_data(as_text=True)
    assert response.status_code == 409, page
    assert "lige mens du slettede, så intet er slettet" in page
    assert 'value="J.nr. 2026-0042"' in page and 'value="Sofie Andersen"' in page
    assert _citizen(app, citizen_id).phone == "21 34 56 78"
    again = client.post(path, data={"csrf_token": csrf, "purpose": "J.nr. 2026-0042", "confirm_name": "Sofie Andersen"})
    assert again.status_code == 302
    with app.app_context():
        assert db.session.get(Citizen, citizen_id) is None


def test_a_removal_refused_by_a_save_landing_meanwhile_asks_to_confirm_again(app, client, make_user, auth,
                                                                             colleague_saves_at_flush):
    consultant = make_user("consultant")
    auth.login(consultant.email)
    citizen_id = make_citizen(app, vk_id=consultant.id, goals=("Tjener", "Kok"))
    goal_id = _citizen_goals(app, citizen_id)[1].id
    html = client.get(f"/borgere/{citizen_id}/jobmaal?fjern={goal_id}").get_data(as_text=True)
    colleague_saves_at_flush(BUMP_PHONE, id=citizen_id)
    response = client.post(f"/borgere/{citizen_id}/jobmaal/{goal_id}/slet",
                           data={"csrf_token": _hidden(html, "csrf_token"), "confirmed": "ja"})
    assert response.status_code == 303
    assert response.headers["Location"].endswith(f"/borgere/{citizen_id}/jobmaal?fjern={goal_id}#jobmaal-{goal_id}")
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "lige mens du fjernede jobmålet, så det er ikke fjernet" in page and "Ja, fjern" in page
    assert [g.title for g in _citizen_goals(app, citizen_id)] == ["Tjener", "Kok"]


def test_skaanehensyn_refused_by_a_save_that_took_the_user_off_the_case_are_not_shown(app, client, auth, make_user,
                                                                                     colleague_saves_at_flush,
                                                                                     query_after):
    """The colleague's save made someone else VK: the user no longer works on the case, so the
    refused form does not come back with the skånehensyn (403, as the route's own refusal)."""
    query_after(service, "update_limitations")
    vk, other = make_user("consultant"), make_user("consultant")
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, limitation_flags=[], limitations_text="Tåler ikke støj")
    path = f"/borgere/{citizen_id}/skaanehensyn"
    html = client.get(path).get_data(as_text=True)
    tab = {name: _hidden(html, name) for name in ("csrf_token", "version", "base")}
    colleague_saves_at_flush("UPDATE citizen SET vk_id = :other, version = version + 1 WHERE id = :id",
                             other=other.id, id=citizen_id)
    response = client.post(path, data={**tab, "text": "Min tekst"})
    page = response.get_data(as_text=True)
    assert response.status_code == 403, page
    assert "Tåler ikke støj" not in page and "Min tekst" not in page
    assert _citizen(app, citizen_id).limitations_text == "Tåler ikke støj"
