"""/favicon.ico: the portal's icon, cacheable, where a browser asks for it by itself (a JSON
answer or the OpenAPI document has no <link rel="icon">; it was a 404)."""
from __future__ import annotations

import struct


def test_favicon_ico_is_the_portals_icon_and_may_be_cached(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response.mimetype in ("image/vnd.microsoft.icon", "image/x-icon")
    reserved, kind, count = struct.unpack("<HHH", response.data[:6])
    assert (reserved, kind) == (0, 1) and count >= 1  # an ICO file
    assert "public" in response.headers["Cache-Control"] and "no-store" not in response.headers["Cache-Control"]
    assert int(response.headers["Cache-Control"].split("max-age=")[1]) >= 24 * 3600
    # The other headers every answer carries are kept, and no session cookie is written.
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "Content-Security-Policy" in response.headers
    assert "Set-Cookie" not in response.headers


def test_a_repeat_with_its_etag_is_a_304(client):
    first = client.get("/favicon.ico")
    again = client.get("/favicon.ico", headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 304 and "public" in again.headers["Cache-Control"]


def test_logged_in_the_icon_is_served_alike(client, auth, make_user):
    auth.login(make_user("consultant").email)
    response = client.get("/favicon.ico")
    assert response.status_code == 200 and "Set-Cookie" not in response.headers


def test_pages_still_name_the_svg_and_are_not_cached(client):
    page = client.get("/auth/login")
    assert 'href="/static/favicon.svg"' in page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
