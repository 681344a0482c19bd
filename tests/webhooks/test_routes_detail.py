"""The endpoint page: the secret's rotation is confirmed first."""
from __future__ import annotations

import re

from .conftest import add_endpoint


def _page(wh_app, client, auth, make_user) -> tuple[int, str]:
    user = make_user("company")
    endpoint_id = add_endpoint(wh_app, "https://8.8.8.8/hook", company_id=user.company_id)
    auth.login(user.email)
    return endpoint_id, client.get(f"/webhooks/{endpoint_id}").get_data(as_text=True)


def test_rotating_the_secret_takes_a_second_step_that_says_what_happens(wh_app, client, auth, make_user):
    endpoint_id, page = _page(wh_app, client, auth, make_user)
    action = f'action="/webhooks/{endpoint_id}/hemmelighed"'
    assert page.count(action) == 1
    confirm = re.search(r'<details class="jobbro-confirm" data-testid="rotate-confirm">(.*?)</details>',
                        page, re.DOTALL)
    assert confirm is not None and action in confirm.group(1)
    summary, rest = confirm.group(1).split("</summary>", 1)
    assert "Roter hemmelighed" in summary and "<button" not in summary
    assert "holder op med at virke med det samme" in rest and "kan ikke fortrydes" in rest
