"""Names the administrator types are stored in one Unicode form (NFC, runs of spaces made one),
as they are compared (review BK 5): a decomposed »Å« (A + U+030A, as some macOS or pasted text
arrives) was stored so and sorted as »A«, before »Nord«, where Æ, Ø and Å sort last."""
from __future__ import annotations

import re
import unicodedata

import sqlalchemy as sa

from portal.extensions import db
from store.models import Company, Team, User

ABENRA_NFD = unicodedata.normalize("NFD", "Team Åbenrå")
assert ABENRA_NFD != "Team Åbenrå"


def _post(client, auth, path: str, data: dict, page: str | None = None):
    return client.post(path, data={**data, "csrf_token": auth.csrf_token(page or path)})


def test_a_team_name_typed_decomposed_is_stored_composed_and_sorts_as_a_danish_aa(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    for name in ("Team Nord", "Team Ærø", "Team Ørsted"):
        assert _post(client, auth, "/admin/teams", {"name": name}).status_code == 302
    assert _post(client, auth, "/admin/teams", {"name": f"  {ABENRA_NFD} "}).status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(Team.name).where(Team.name.like("%benr%"))) == "Team Åbenrå"
    listed = re.findall(r">(Team [^<]+)</a>", client.get("/admin/teams").get_data(as_text=True))
    assert listed == ["Team Nord", "Team Ærø", "Team Ørsted", "Team Åbenrå"]
    with app.app_context():  # renamed to a decomposed spelling: stored composed too
        team_id = db.session.scalar(sa.select(Team.id).where(Team.name == "Team Nord"))
    path = f"/admin/teams/{team_id}"
    assert _post(client, auth, path, {"name": unicodedata.normalize("NFD", "Team Nørre Å")}).status_code == 302
    with app.app_context():
        assert db.session.get(Team, team_id).name == "Team Nørre Å"


def test_an_integration_name_typed_decomposed_is_stored_composed(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    page = client.get("/admin/integrationer").get_data(as_text=True)
    form_id = re.search(r'name="form_id" value="([^"]+)"', page).group(1)
    response = _post(client, auth, "/admin/integrationer",
                     {"name": unicodedata.normalize("NFD", "Fagsystem  Århus"), "form_id": form_id})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.scalar(sa.select(User.name).where(User.role == "integration")) == "Fagsystem Århus"


def test_company_and_user_names_typed_decomposed_are_stored_composed(app, client, auth, make_user):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    response = _post(client, auth, "/admin/companies/new", {
        "name": unicodedata.normalize("NFD", " Bager  Bæk & Søn på Ærø "), "cvr": "12345674", "postcode": "8722",
        "standing_seats": "0"})
    assert response.status_code == 302
    with app.app_context():
        company = db.session.scalar(sa.select(Company).where(Company.cvr == "12345674"))
        assert company.name == "Bager Bæk & Søn på Ærø"
    response = _post(client, auth, "/admin/users/new", {
        "email": "aase@firma.dk", "name": unicodedata.normalize("NFD", "Åse  Ørbæk"), "role": "company",
        "company_id": str(company.id), "team_id": "0"})
    assert response.status_code == 200 and 'name="email"' not in response.get_data(as_text=True)
    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "aase@firma.dk"))
        assert user.name == "Åse Ørbæk"
    path = f"/admin/users/{user.id}/ret"
    page = client.get(path).get_data(as_text=True)
    base = re.search(r'name="base"[^>]*value="([^"]*)"', page) or re.search(r'value="([^"]*)"[^>]*name="base"', page)
    response = _post(client, auth, path, {
        "email": "aase@firma.dk", "name": unicodedata.normalize("NFD", "Åse Ørbæk Å"), "company_id": str(company.id),
        "team_id": "0", "phone": "", "base": base.group(1) if base else ""})
    assert response.status_code == 302
    with app.app_context():
        assert db.session.get(User, user.id).name == "Åse Ørbæk Å"
