"""/admin/users pages through the users, 50 a page (review: 10× the demo's data), with the count
the page shows equal to the users listed, and the deactivated users who still hold cases listed
above the table on every page, wherever they fall in it."""
from __future__ import annotations

import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal import name_order
from portal.admin.service import PER_PAGE
from portal.extensions import db
from store.models import Citizen, User
from tests.portal.test_admin_users_queries import add_users, rows


def emails(html: str) -> list[str]:
    return [cells[1] for cells in rows(html)]


def everyone(app) -> list[str]:
    with app.app_context():
        return db.session.scalars(sa.select(User.email).where(User.role != "integration")
                                  .order_by(User.role, *name_order.order_by(User.name, User.id))).all()


@pytest.fixture
def many(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    add_users(app, 22, "p")  # 66 users and the administrator: two pages
    return everyone(app)


def test_page_two_holds_the_rest_in_order_and_the_figures_are_the_lists(app, client, many):
    first = client.get("/admin/users").get_data(as_text=True)
    assert emails(first) == many[:PER_PAGE]
    assert f"Viser 1–{PER_PAGE} af {len(many)} brugere · side 1 af 2." in first
    following = re.search(r'<a href="([^"]+)" rel="next">', first).group(1)
    assert following == "/admin/users?side=2" and 'rel="prev"' not in first
    second = client.get(following).get_data(as_text=True)
    assert emails(second) == many[PER_PAGE:]
    assert f"Viser {PER_PAGE + 1}–{len(many)} af {len(many)} brugere · side 2 af 2." in second
    assert re.search(r'<a href="([^"]+)" rel="prev">', second).group(1) == "/admin/users?side=1"
    assert 'rel="next"' not in second
    start = client.get("/").get_data(as_text=True)  # the start page's figure counts the same users
    assert re.search(r'<a href="/admin/users">Brugere</a></th><td>(\d+)</td>', start).group(1) == str(len(many))


@pytest.mark.parametrize("side, shown", [("9", "last"), ("0", "first"), ("-3", "first"), ("abc", "first"),
                                         ("", "first")])
def test_a_page_outside_the_list_shows_the_nearest_one(app, client, many, side, shown):
    response = client.get(f"/admin/users?side={side}")
    assert response.status_code == 200
    expected = many[PER_PAGE:] if shown == "last" else many[:PER_PAGE]
    assert emails(response.get_data(as_text=True)) == expected


def test_a_short_list_has_no_page_links(app, client, auth, make_user):
    auth.login(make_user("admin").email)
    add_users(app, 2, "q")
    html = client.get("/admin/users").get_data(as_text=True)
    assert len(rows(html)) == 7 and 'data-testid="user-pages"' not in html


def test_deactivated_holders_are_listed_above_every_page(app, client, many):
    """A deactivated consultant who still holds a citizen sorts onto page 2, yet page 1's
    section of deactivated users with cases names them (and page 2's row offers no deactivation)."""
    holder_email = many[-1]
    with app.app_context():
        holder = db.session.scalar(sa.select(User).where(User.email == holder_email))
        holder.role, holder.active, holder.company_id = "consultant", False, None
        db.session.add(Citizen(name="Borger Holdt", postcode="8722", benefit_group="kontanthjaelp",
                               readiness_group="i_gang", vk_id=holder.id, case_start=date(2020, 1, 5),
                               hours_available=20))
        db.session.commit()
        holder_id = holder.id
    ordered = everyone(app)
    assert ordered.index(holder_email) >= PER_PAGE
    for side in (1, 2):
        html = client.get(f"/admin/users?side={side}").get_data(as_text=True)
        assert re.search(rf'data-testid="holding" data-user-id="{holder_id}"', html), side


def test_deactivating_on_page_two_comes_back_to_page_two(app, client, many):
    html = client.get("/admin/users?side=2").get_data(as_text=True)
    form = re.search(r'<form method="post" action="(/admin/users/(\d+)/toggle)">.*?name="csrf_token" type="hidden" '
                     r'value="([^"]+)".*?name="til" value="inaktiv"><input type="hidden" name="side" value="2">', html)
    assert form, "page 2's deactivate form does not carry its page"
    action, user_id, token = form.groups()
    response = client.post(action, data={"csrf_token": token, "til": "inaktiv", "side": "2"})
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/users?side=2")
    with app.app_context():
        assert db.session.get(User, int(user_id)).active is False
