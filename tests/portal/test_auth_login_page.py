"""The login page's texts."""
from __future__ import annotations

import re


def test_the_login_page_says_how_a_company_gets_access(app, client):
    """Review B 6: a new company met a dead end; the page now says whom to call (the configured
    job centre and phone, never hard-coded)."""
    app.config.update(ORGANISATION_NAME="Jobcenter Testby", HOTLINE_PHONE="11 22 33 44")
    page = client.get("/auth/login").get_data(as_text=True)
    line = re.search(r'data-testid="how-to-get-access">(.*?)</p>', page, re.S).group(1)
    assert "Ring til Jobcenter Testby" in line and 'href="tel:11223344"' in line and "11 22 33 44" in line
