"""Every form a user can reach, given hostile input, answers without a server error.

For each role the pages reachable from the start page are crawled (the demo data, so every
kind of form is present); each distinct form is posted with edge values in all its visible
fields: empty, blanks, very long text, control characters, markup, numbers at and past the
edges, a Danish decimal comma, and invalid UTF-8. A 500 anywhere fails the test; a refusal
must be a page (4xx/2xx/3xx), never an unexpected error.
"""
from __future__ import annotations

import re
from urllib.parse import quote

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import User
from tests.clock import TODAY
from tests.conftest import AuthActions

pytestmark = pytest.mark.usefixtures("frozen_today")

EDGE_VALUES = ("", "   ", "x" * 5000, "-1", "0", "1e309", "NaN", "99999999999999999999", "12,5",
               "<script>alert(1)</script>", "a\x00b\x07c", "2026-02-30", "💥" * 50)
SKIP_ACTIONS = ("/auth/logout",)
FORM = re.compile(r"<form\b([^>]*)>(.*?)</form>", re.DOTALL | re.IGNORECASE)
ATTR = re.compile(r'(\w[\w-]*)="([^"]*)"')


@pytest.fixture
def demo(app, password_hash):
    from portal.demo.loader import load_demo

    with app.app_context():
        load_demo(db.session, TODAY, citizen_count=60, password_hash=password_hash)
        return {role: db.session.scalar(sa.select(User.email).where(User.email == email))
                for role, email in (("consultant", "konsulent@demo.jobbro.dk"),
                                    ("company", "virksomhed@demo.jobbro.dk"),
                                    ("partner", "partner@demo.jobbro.dk"),
                                    ("admin", "admin@demo.jobbro.dk"))}


def _pages(client, limit: int = 150) -> dict[str, str]:
    seen: dict[str, str] = {}
    queue = ["/"]
    while queue and len(seen) < limit:
        path = queue.pop(0)
        if path in seen or path.startswith(("/static", "/auth/logout")):
            continue
        response = client.get(path)
        if response.mimetype != "text/html":
            continue
        seen[path] = response.get_data(as_text=True)
        queue += [link.replace("&amp;", "&") for link in re.findall(r'href="(/[^"#]*)"', seen[path])]
    return seen


def _forms(pages: dict[str, str]) -> dict[str, tuple[str, dict[str, str], list[str]]]:
    """Distinct post forms by action shape: (action, hidden fields, visible field names)."""
    found = {}
    for path, html in pages.items():
        for attrs, body in FORM.findall(html):
            a = dict(ATTR.findall(attrs))
            action = a.get("action", "").replace("&amp;", "&") or path  # no action: the page itself
            if a.get("method", "get").lower() != "post" or not action.startswith("/") \
                    or action.startswith(SKIP_ACTIONS):
                continue
            shape = re.sub(r"\d+", "N", action.split("?")[0])
            if shape in found:
                continue
            hidden, visible = {}, []
            for tag, tag_attrs in re.findall(r"<(input|select|textarea)\b([^>]*)>", body):
                t = dict(ATTR.findall(tag_attrs))
                if "name" not in t:
                    continue
                if tag == "input" and t.get("type") == "hidden":
                    hidden[t["name"]] = t.get("value", "")
                elif t.get("type") not in ("submit", "button"):
                    visible.append(t["name"])
            found[shape] = (action, hidden, sorted(set(visible)))
    return found


@pytest.mark.parametrize("role", ["consultant", "company", "partner", "admin"])
def test_no_form_answers_hostile_input_with_a_server_error(app, demo, role):
    client = app.test_client()
    assert AuthActions(client).login(demo[role]).status_code == 302
    forms = _forms(_pages(client))
    assert len(forms) >= 3, forms  # the crawl reached the role's forms
    failures = []
    for shape, (action, hidden, visible) in forms.items():
        for value in EDGE_VALUES:
            response = client.post(action, data={**hidden, **{name: value for name in visible}})
            if response.status_code >= 500:
                failures.append((shape, visible, value[:20], response.status_code))
        # Invalid UTF-8 in every visible field, sent as the browser would percent-encode bytes.
        body = "&".join([f"{quote(k)}={quote(v)}" for k, v in hidden.items()]
                        + [f"{quote(name)}=%FF%FE%FD" for name in visible])
        response = client.post(action, data=body, content_type="application/x-www-form-urlencoded")
        if response.status_code >= 500:
            failures.append((shape, visible, "invalid utf-8", response.status_code))
    assert not failures, failures
