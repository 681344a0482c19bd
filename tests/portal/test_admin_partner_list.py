"""The administrator's "Code of Care-partnere" figure leads to the list of exactly those companies."""
from __future__ import annotations

import re


def test_the_partner_figure_links_to_the_partners_only(client, auth, make_user):
    make_user("company", email="p@firma.dk", code_of_care=True)
    make_user("company", email="q@firma.dk", code_of_care=True)
    make_user("company", email="x@firma.dk")
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    home = client.get("/").get_data(as_text=True)
    link = re.search(r'<a href="([^"]+)">Code of Care-partnere</a>', home)
    assert link and "partnere=1" in link.group(1)
    partners = client.get(link.group(1).replace("&amp;", "&")).get_data(as_text=True)
    assert "Viser 2 partnere." in partners and partners.count("<td>Ja</td>") == 2 and "<td>Nej</td>" not in partners
    everyone = client.get("/admin/companies").get_data(as_text=True)
    assert "Viser alle 3 virksomheder." in everyone and "<td>Nej</td>" in everyone


def test_one_partner_and_one_company_without_vk_are_singular(client, auth, make_user):
    """Review BI 7: »Viser 1 partnere«, »Viser 1 virksomheder uden virksomhedskonsulent«."""
    make_user("company", email="p@firma.dk", code_of_care=True)
    auth.login(make_user("admin", email="admin@jobcenter.dk").email)
    assert "Viser 1 partner." in client.get("/admin/companies?partnere=1").get_data(as_text=True)
    assert "Viser 1 virksomhed uden virksomhedskonsulent." in client.get(
        "/admin/companies?uden_vk=1").get_data(as_text=True)
