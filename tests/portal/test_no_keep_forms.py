"""Forms whose fields the browser must never keep (static/js/session.js, review M 2): health
details (skånehensyn) and the erasure of a citizen carry ``data-jobbro-no-keep``."""
from __future__ import annotations

import re

from tests.portal.citizen_fixtures import make_citizen


def _form_tag(html: str, testid: str) -> str:
    return re.search(rf'<form [^>]*data-testid="{testid}"[^>]*>', html).group(0)


def test_the_skaanehensyn_forms_are_never_kept_in_the_browser(app, client, auth, make_user):
    vk, outsider = make_user("consultant"), make_user("consultant")
    cid = make_citizen(app, vk_id=vk.id)
    auth.login(vk.email)
    assert "data-jobbro-no-keep" in _form_tag(client.get(f"/borgere/{cid}/skaanehensyn").get_data(as_text=True),
                                              "limitations-form")
    auth.switch_to(outsider.email)  # outside the case: the purpose form of "break the glass"
    assert "data-jobbro-no-keep" in _form_tag(client.get(f"/borgere/{cid}/skaanehensyn").get_data(as_text=True),
                                              "break-glass-form")


def test_the_erase_form_is_never_kept_in_the_browser(app, client, auth, make_user):
    admin = make_user("admin")
    cid = make_citizen(app)
    auth.login(admin.email)
    assert "data-jobbro-no-keep" in _form_tag(client.get(f"/borgere/{cid}/slet").get_data(as_text=True), "erase-form")
