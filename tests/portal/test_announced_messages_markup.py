"""The marks jobbro.js reads to announce what a step did (review AT 5, 6; the browser side is
tests/e2e/test_announced_messages.py): a form's refusal as a whole is marked
``data-jobbro-form-error``, and the flashed messages sit in one ``data-jobbro-flashes`` box,
each with its category. A refused log-in marks both fields invalid (it never says which)."""
from __future__ import annotations

import lxml.html

from tests.portal.test_openings import post_new


def test_a_refused_log_in_marks_its_box_and_both_fields(client, auth, make_user):
    user = make_user("company")
    page = client.post("/auth/login", data={"email": user.email, "password": "forkert",
                                            "csrf_token": auth.csrf_token("/auth/login")})
    tree = lxml.html.fromstring(page.get_data(as_text=True))
    (box,) = tree.xpath("//main//*[@data-jobbro-form-error]")
    assert "Forkert e-mail eller adgangskode." in box.text_content() and box.get("role") == "alert"
    for name in ("email", "password"):
        assert tree.xpath(f"//input[@name='{name}']")[0].get("aria-invalid") == "true"


def test_a_log_in_page_not_yet_refused_marks_nothing(client):
    tree = lxml.html.fromstring(client.get("/auth/login").get_data(as_text=True))
    assert not tree.xpath("//*[@data-jobbro-form-error]") and not tree.xpath("//input[@aria-invalid]")


def test_the_flashed_messages_share_one_box_with_their_categories(client, auth, make_user):
    auth.login(make_user("company").email)
    sent = post_new(client, auth, hours_max="20")  # saved, with a warning: two messages
    assert sent.status_code == 302
    tree = lxml.html.fromstring(client.get(sent.headers["Location"]).get_data(as_text=True))
    (box,) = tree.xpath("//main/*[@data-jobbro-flashes]")
    flashes = box.xpath("./*[@data-jobbro-flash]")
    assert [f.get("data-jobbro-flash") for f in flashes] == ["success", "warning"]
    assert "er oprettet" in flashes[0].text_content()
    assert not tree.xpath("//*[@data-jobbro-flashes]")[1:]
