"""Where a request came from, and where it may send the browser back to.

:func:`safe_next` keeps redirects on this host (no open redirects); :func:`form_page` is the
page a POST was sent from, for the pages that answer a refused form (a lapsed login, a stale
form token: :mod:`portal.errors`) and the log-in that returns to it (:mod:`portal.auth`).
Both areas read it here, so neither imports the other's views for it.
"""
from __future__ import annotations

from urllib.parse import urlsplit

from flask import current_app, request, url_for
from werkzeug.exceptions import HTTPException


def safe_next(target: str | None) -> str | None:
    """Return ``target`` if it is a path on this host, else None (no open redirects)."""
    if not target or not target.startswith("/") or target.startswith(("//", "/\\")):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or any(ch in target for ch in "\r\n\\"):
        return None
    return target


def form_page() -> str:
    """The page a POST was sent from: the Referer when it is on this host, else the start page."""
    referrer = urlsplit(request.referrer or "")
    if referrer.netloc == request.host and referrer.scheme in ("http", "https"):
        page = safe_next(referrer.path + (f"?{referrer.query}" if referrer.query else ""))
        if page and not page.startswith("/auth/") and _answers_get(referrer.path):
            return page
    return url_for("main.index")


def _answers_get(path: str) -> bool:
    """True when ``path`` is a page (a GET route): a form re-shown by a POST-only URL is not."""
    try:
        current_app.url_map.bind(request.host).match(path, method="GET")
    except HTTPException:  # 405, 404, or a redirect (trailing slash): not a page as it is
        return False
    return True
