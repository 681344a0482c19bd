"""Opening a set-password link as a browser does (review AZ 2): the link's first request puts the
token's SHA-256 in the session and redirects to the token-less page, where the form is."""
from __future__ import annotations

import re

PAGE = "/auth/set-password"
_CSRF = re.compile(r'name="csrf_token" type="hidden" value="([^"]+)"')


def open_link(client, path: str) -> str:
    """Follow the link ``path`` (``/auth/set-password/<token>``) and return the CSRF token of the
    page it leads to: the form at :data:`PAGE` for a live link, the error page for a dead one."""
    html = client.get(path, follow_redirects=True).get_data(as_text=True)
    match = _CSRF.search(html)
    assert match, f"no CSRF token behind {path}"
    return match.group(1)
