"""Two consultants save the same citizen's skånehensyn, caseworkers or jobmål from pages opened
at once (review AF 4, 5 and 7). Before, the later save silently undid the earlier one and both
were told it was saved. Each test loads the form, lets the record change in between (a save
from another tab, or straight in the database), and then sends the old form."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import Citizen, JobGoal
from tests.portal.citizen_fixtures import make_citizen

pytestmark = pytest.mark.usefixtures("frozen_today")


def _hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" type="hidden" value="([^"]*)"', html).group(1)


def _page(client, path: str) -> tuple[str, dict]:
    html = client.get(path).get_data(as_text=True)
    return html, {"csrf_token": _hidden(html, "csrf_token")}


def _citizen(app, citizen_id: int) -> Citizen:
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        db.session.expunge(citizen)
        return citizen


@pytest.fixture
def people(app, client, auth, make_user):
    vk, adviser, other, third = (make_user("consultant") for _ in range(4))
    auth.login(vk.email)
    citizen_id = make_citizen(app, vk_id=vk.id, adviser_id=adviser.id, goals=("Tjener", "Kok"),
                              limitation_flags=[], limitations_text="")
    return {"vk": vk, "adviser": adviser, "other": other, "third": third, "citizen": citizen_id}


# --- Skånehensyn (AF 4) ---------------------------------------------------------------------

def _limitations_tab(client, path: str) -> dict:
    html, data = _page(client, path)
    return {**data, "version": _hidden(html, "version"), "base": _hidden(html, "base"),
            "flags": re.findall(r'<input checked [^>]*name="flags" type="checkbox" value="([^"]+)"', html),
            "text": re.search(r'<textarea[^>]*name="text"[^>]*>\s*([^<]*)</textarea>', html).group(1)}


def test_a_stale_skaanehensyn_save_is_refused_and_shows_both(app, client, people):
    path = f"/borgere/{people['citizen']}/skaanehensyn"
    tab_a, tab_b = _limitations_tab(client, path), _limitations_tab(client, path)
    saved = client.post(path, data={**tab_a, "flags": ["no_night_work"], "text": "Tåler ikke nattevagter (A)"},
                        follow_redirects=True)
    assert "Skånehensyn er gemt." in saved.get_data(as_text=True)
    refused = client.post(path, data={**tab_b, "flags": ["quiet_environment"],
                                      "text": "Har brug for rolige omgivelser (B)"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409, html
    assert "Borgerens skånehensyn er blevet ændret af en anden, mens du redigerede, så intet er gemt endnu." in html
    assert "I har begge ændret de markerede skånehensyn (den anden: »Intet natarbejde«)" in html
    assert "beskrivelsen (den anden: »Tåler ikke nattevagter (A)«)" in html
    assert "Skånehensyn er gemt" not in html
    form = html.split('data-testid="limitations-form"', 1)[1]
    assert 'checked class="form-checkbox" id="flags-2"' in form and "Har brug for rolige omgivelser (B)" in form  # mine kept
    assert "Tåler ikke nattevagter (A)" in html.split('data-testid="limitations"', 1)[1].split("</section>")[0]
    citizen = _citizen(app, people["citizen"])
    assert (citizen.limitation_flags, citizen.limitations_text) == (["no_night_work"], "Tåler ikke nattevagter (A)")
    again = {**tab_b, "flags": ["no_night_work", "quiet_environment"],
             "text": "Tåler ikke nattevagter (A). Har brug for rolige omgivelser (B)",
             "version": _hidden(html, "version"), "base": _hidden(html, "base")}
    assert client.post(path, data=again).status_code == 302  # saving the merged form again is a choice
    citizen = _citizen(app, people["citizen"])
    assert citizen.limitation_flags == ["no_night_work", "quiet_environment"]


def test_a_field_only_the_other_changed_is_taken_into_the_form(app, client, people):
    path = f"/borgere/{people['citizen']}/skaanehensyn"
    tab_a, tab_b = _limitations_tab(client, path), _limitations_tab(client, path)
    client.post(path, data={**tab_a, "text": "Tåler ikke nattevagter"}, follow_redirects=True)
    html = client.post(path, data={**tab_b, "flags": ["no_heavy_lifting"]}).get_data(as_text=True)
    assert "Den anden ændrede beskrivelsen (»Tåler ikke nattevagter«)" in html and "begge" not in html
    form = html.split('data-testid="limitations-form"', 1)[1]
    assert 'checked class="form-checkbox" id="flags-0"' in form and "Tåler ikke nattevagter</textarea>" in form


def test_a_version_moved_by_another_change_saves_the_skaanehensyn(app, client, people):
    path = f"/borgere/{people['citizen']}/skaanehensyn"
    tab = _limitations_tab(client, path)
    with app.app_context():  # a jobmål added meanwhile raises the version, not the skånehensyn
        citizen = db.session.get(Citizen, people["citizen"])
        citizen.job_goals.append(JobGoal(title="Opvasker", position=2))
        citizen.languages = "dansk, engelsk"
        db.session.commit()
    assert client.post(path, data={**tab, "flags": ["reduced_hours"]}).status_code == 302
    assert _citizen(app, people["citizen"]).limitation_flags == ["reduced_hours"]


# --- Sagsbehandlere (AF 5) ------------------------------------------------------------------

def _assign_tab(client, path: str, **choice) -> dict:
    html, data = _page(client, path)
    return {**data, "version": _hidden(html, "version"), "base": _hidden(html, "base"), **choice}


def test_a_stale_caseworker_form_writes_only_what_this_user_changed(app, client, people):
    path = f"/borgere/{people['citizen']}/sagsbehandlere"
    vk, adviser, other, third = (people[k].id for k in ("vk", "adviser", "other", "third"))
    tab_a = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    tab_b = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    assert client.post(path, data={**tab_a, "adviser_id": other}).status_code == 302
    saved = client.post(path, data={**tab_b, "vk_id": third, "confirm_vk_change": "y"}, follow_redirects=True)
    html = saved.get_data(as_text=True)
    citizen = _citizen(app, people["citizen"])
    assert (citizen.vk_id, citizen.adviser_id) == (third, other)  # the colleague's adviser stays
    assert "Sagsbehandlerne er gemt." in html
    assert "En anden havde imens ændret beskæftigelsesrådgiver (»Consultant Testesen«); det er bevaret" in html


def test_a_caseworker_both_changed_is_refused_with_the_other_choice_named(app, client, people):
    path = f"/borgere/{people['citizen']}/sagsbehandlere"
    vk, adviser, other, third = (people[k].id for k in ("vk", "adviser", "other", "third"))
    tab_a = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    tab_b = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    client.post(path, data={**tab_a, "adviser_id": other})
    refused = client.post(path, data={**tab_b, "adviser_id": third})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Sagsbehandlerne er blevet ændret af en anden, mens du redigerede, så intet er gemt." in html
    assert "I har begge ændret beskæftigelsesrådgiver (den anden: »Consultant Testesen«)" in html
    adviser_select = html.split('name="adviser_id"', 1)[1].split("</select>", 1)[0]
    assert f'<option selected value="{third}"' in adviser_select  # my choice kept
    assert _citizen(app, people["citizen"]).adviser_id == other
    again = {**tab_b, "adviser_id": third, "version": _hidden(html, "version"), "base": _hidden(html, "base")}
    assert client.post(path, data=again).status_code == 302
    assert _citizen(app, people["citizen"]).adviser_id == third


def test_a_stale_form_that_changes_nothing_leaves_the_colleagues_change(app, client, people):
    path = f"/borgere/{people['citizen']}/sagsbehandlere"
    vk, adviser, other = (people[k].id for k in ("vk", "adviser", "other"))
    tab = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    with app.app_context():
        db.session.get(Citizen, people["citizen"]).adviser_id = other
        db.session.commit()
    assert client.post(path, data=tab).status_code == 302
    assert _citizen(app, people["citizen"]).adviser_id == other


# --- Jobmål (AF 7) --------------------------------------------------------------------------

def _goal_tab(client, citizen_id: int, goal_id: int) -> dict:
    html, data = _page(client, f"/borgere/{citizen_id}/jobmaal?ret={goal_id}")
    return {**data, "old_title": _hidden(html, "old_title")}


def _goal(app, citizen_id: int, title: str) -> int:
    with app.app_context():
        return next(g.id for g in db.session.get(Citizen, citizen_id).job_goals if g.title == title)


def test_a_rename_from_a_stale_page_is_refused_and_keeps_the_typed_text(app, client, people):
    citizen_id = people["citizen"]
    goal_id = _goal(app, citizen_id, "Tjener")
    path = f"/borgere/{citizen_id}/jobmaal/{goal_id}/ret"
    tab_a, tab_b = _goal_tab(client, citizen_id, goal_id), _goal_tab(client, citizen_id, goal_id)
    assert tab_a["old_title"] == "Tjener"
    assert client.post(path, data={**tab_a, "new_title": "Tjener og truckfører"}).status_code == 302
    refused = client.post(path, data={**tab_b, "new_title": "Tjener (deltid)"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Jobmålet er ændret af en anden til »Tjener og truckfører«, mens du rettede det" in html
    assert 'value="Tjener (deltid)"' in html  # what was typed
    with app.app_context():
        assert db.session.get(JobGoal, goal_id).title == "Tjener og truckfører"
    again = {**tab_b, "new_title": "Tjener (deltid)", "old_title": _hidden(html, "old_title")}
    assert again["old_title"] == "Tjener og truckfører"
    assert client.post(path, data=again).status_code == 302  # sending again replaces theirs, knowingly
    with app.app_context():
        assert db.session.get(JobGoal, goal_id).title == "Tjener (deltid)"


def test_a_rename_of_a_goal_removed_meanwhile_comes_back_in_the_add_form(app, client, people):
    citizen_id = people["citizen"]
    goal_id = _goal(app, citizen_id, "Kok")
    tab = _goal_tab(client, citizen_id, goal_id)
    with app.app_context():
        citizen = db.session.get(Citizen, citizen_id)
        citizen.job_goals.remove(db.session.get(JobGoal, goal_id))
        db.session.commit()
    refused = client.post(f"/borgere/{citizen_id}/jobmaal/{goal_id}/ret", data={**tab, "new_title": "Kok (kantine)"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "er fjernet af en anden imens" in html
    add_form = html.split('data-testid="add-job-goal"', 1)[1]
    assert 'value="Kok (kantine)"' in add_form


def _colleague_saves_first(app, monkeypatch, module, statements: str, **params) -> None:
    """Another consultant's save lands between this save's check and its commit."""
    real = module.commit_or_refuse

    def colleague_first() -> bool:
        with db.engine.begin() as other:
            for statement in statements.split(";"):
                other.execute(sa.text(statement), params)
        return real()

    monkeypatch.setattr(module, "commit_or_refuse", colleague_first)


def test_a_skaanehensyn_save_landing_meanwhile_refuses_this_one_and_keeps_the_typing(app, client, people,
                                                                                     monkeypatch):
    from portal.citizens import routes_cv

    path = f"/borgere/{people['citizen']}/skaanehensyn"
    tab = _limitations_tab(client, path)
    _colleague_saves_first(app, monkeypatch, routes_cv, "UPDATE citizen SET limitations_text = 'Kollegaens tekst', "
                           "version = version + 1 WHERE id = :id", id=people["citizen"])
    refused = client.post(path, data={**tab, "text": "Min tekst"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "I har begge ændret beskrivelsen (den anden: »Kollegaens tekst«)" in html
    assert "Min tekst</textarea>" in html.split('data-testid="limitations-form"', 1)[1]
    assert _citizen(app, people["citizen"]).limitations_text == "Kollegaens tekst"


def test_a_caseworker_save_landing_meanwhile_refuses_this_one_and_keeps_the_choice(app, client, people,
                                                                                   monkeypatch):
    from portal.citizens import routes_cv

    path = f"/borgere/{people['citizen']}/sagsbehandlere"
    vk, adviser, other, third = (people[k].id for k in ("vk", "adviser", "other", "third"))
    tab = _assign_tab(client, path, vk_id=vk, adviser_id=adviser)
    _colleague_saves_first(app, monkeypatch, routes_cv, "UPDATE citizen SET adviser_id = :other, "
                           "version = version + 1 WHERE id = :id", other=other, id=people["citizen"])
    refused = client.post(path, data={**tab, "adviser_id": third})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409 and "lige mens du gemte, så intet er gemt" in html
    assert f'<option selected value="{third}"' in html.split('name="adviser_id"', 1)[1].split("</select>", 1)[0]
    assert _citizen(app, people["citizen"]).adviser_id == other


def test_a_rename_landing_meanwhile_refuses_this_one_and_keeps_the_typed_text(app, client, people, monkeypatch):
    from portal.citizens import routes_goals

    citizen_id = people["citizen"]
    goal_id = _goal(app, citizen_id, "Tjener")
    tab = _goal_tab(client, citizen_id, goal_id)
    _colleague_saves_first(app, monkeypatch, routes_goals, "UPDATE job_goal SET title = 'Tjener og truckfører' "
                           "WHERE id = :goal; UPDATE citizen SET version = version + 1 WHERE id = :id",
                           goal=goal_id, id=citizen_id)
    refused = client.post(f"/borgere/{citizen_id}/jobmaal/{goal_id}/ret", data={**tab, "new_title": "Tjener (deltid)"})
    html = refused.get_data(as_text=True)
    assert refused.status_code == 409
    assert "Jobmålet er ændret af en anden til »Tjener og truckfører«" in html and 'value="Tjener (deltid)"' in html
    with app.app_context():
        assert db.session.get(JobGoal, goal_id).title == "Tjener og truckfører"
