"""portal.admin.service: the work behind the admin routes (issue 7, finding 5: thin routes)."""
from __future__ import annotations

import ast
import inspect
import textwrap

import pytest

from portal.admin import handover, routes, service
from portal.auth.tokens import user_for_token
from portal.extensions import db
from store.models import AuditEvent, Company, Team, User


@pytest.fixture
def ctx(app):
    with app.test_request_context():
        yield


def test_create_user_normalises_and_issues_a_link(ctx):
    team = Team(name="Team Nord")
    company = Company(name="Firma ApS", cvr="12121212", postcode="8722")
    db.session.add_all([team, company])
    db.session.commit()
    staff, token = service.create_user(service.NewUser(
        email="  Ny.VK@Jobcenter.DK ", name=" Ny VK ", role="consultant", company_id=company.id,
        team_id=team.id), link_hours=1)
    assert (staff.email, staff.name, staff.company_id, staff.team_id) == ("ny.vk@jobcenter.dk", "Ny VK", None, team.id)
    assert staff.password_hash is None and user_for_token(token).id == staff.id
    worker, _ = service.create_user(service.NewUser(
        email="ansat@firma.dk", name="Ansat", role="company", company_id=company.id, team_id=team.id), 1)
    assert (worker.company_id, worker.team_id) == (company.id, None)
    assert db.session.query(AuditEvent).filter_by(action="user_created").count() == 2


@pytest.mark.parametrize("new, field", [
    (service.NewUser(email="TAGET@firma.dk", name="X", role="consultant"), "email"),
    (service.NewUser(email="ny@firma.dk", name="X", role="company", company_id=None), "company_id"),
])
def test_create_user_refusals_name_their_field(ctx, new, field):
    db.session.add(User(email="taget@firma.dk", name="T", role="consultant"))
    db.session.commit()
    with pytest.raises(service.AccountRuleError) as refusal:
        service.create_user(new, 1)
    assert refusal.value.field == field
    assert db.session.query(User).count() == 1


def test_save_company_creates_updates_and_refuses_a_taken_cvr(ctx):
    values = {"name": "A ApS", "cvr": "11111111", "address": "", "postcode": "8722",
              "code_of_care": True, "standing_seats": 3}
    first = service.save_company(Company(), values)
    service.save_company(first, values | {"standing_seats": 4})  # its own CVR is no clash
    assert db.session.get(Company, first.id).standing_seats == 4
    with pytest.raises(service.AccountRuleError) as refusal:
        service.save_company(Company(), values | {"name": "B ApS"})
    assert refusal.value.field == "cvr"
    assert db.session.query(Company).count() == 1


@pytest.mark.parametrize("view", [routes.new_user, routes.edit_company, handover.toggle_user, handover.handover])
def test_admin_routes_leave_writes_to_the_service(view):
    tree = ast.parse(textwrap.dedent(inspect.getsource(inspect.unwrap(view))))
    calls = {ast.unparse(node.func) for node in ast.walk(tree) if isinstance(node, ast.Call)}
    assert not calls & {"db.session.add", "audit.record", "User", "issue_set_password_token",
                        "form.populate_obj", "end_all_sessions"}, calls
