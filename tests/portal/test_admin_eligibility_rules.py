"""/admin/regler (review AN 8): a save from a stale page never silently undoes another
administrator's change, and unticking a pair asks first, naming how many it affects."""
from __future__ import annotations

import html
import re
from datetime import date

import pytest
import sqlalchemy as sa

from portal.extensions import db
from store.models import EligibilityRule, Opening
from store.profiles import load_rules
from tests.portal.citizen_fixtures import make_citizen


@pytest.fixture
def admin(make_user, auth):
    user = make_user("admin", email="admin@jc.dk")
    auth.login(user.email)
    return user


def _page(client) -> str:
    return client.get("/admin/regler").get_data(as_text=True)


def _base(page: str) -> str:
    return re.search(r'name="base" value="([01]*)"', page).group(1)


def _ticked(page: str) -> set[str]:
    return set(re.findall(r'name="allow-([a-z]+-[a-z]+)" value="1" checked', page))


def _confirmed(page: str) -> str:
    """The removals a confirmation page named (its hidden ``bekraeftet``)."""
    return re.search(r'name="bekraeftet" value="([01]*)"', page).group(1)


def _save(client, auth, ticked: set[str], base: str | None, confirmed: str | None = None):
    """A post of the table; with ``confirmed``, the confirmation page's »Ja, gem reglerne«."""
    data = {"csrf_token": auth.csrf_token("/admin/regler"), **{f"allow-{pair}": "1" for pair in ticked}}
    if base is not None:
        data["base"] = base
    if confirmed is not None:
        data["bekraeft"] = "ja"
        data["bekraeftet"] = confirmed
    return client.post("/admin/regler", data=data)


def _allows(app, group: str, kind: str) -> bool:
    with app.app_context():
        return load_rules(db.session).allows(group, kind)


def test_a_stale_tab_is_refused_naming_the_colleagues_change_and_keeps_what_was_typed(app, client, auth, admin):
    tab_a = _page(client)
    tab_b = _page(client)
    # Tab B allows Sygedagpenge → Småjob (an addition: saved at once).
    saved_b = _save(client, auth, _ticked(tab_b) | {"sygedagpenge-smaajob"}, _base(tab_b))
    assert saved_b.status_code == 302 and _allows(app, "sygedagpenge", "smaajob")
    # Tab A, loaded before, unticks Dagpenge → Løntilskud only.
    refused = _save(client, auth, _ticked(tab_a) - {"dagpenge-loentilskud"}, _base(tab_a))
    assert refused.status_code == 409
    text = html.unescape(refused.get_data(as_text=True))
    assert "ændret af en anden" in text and "Sygedagpenge må tage småjob" in text
    assert _allows(app, "sygedagpenge", "smaajob") and _allows(app, "dagpenge", "loentilskud")  # nothing saved
    merged = _ticked(text)
    assert "sygedagpenge-smaajob" in merged and "dagpenge-loentilskud" not in merged  # theirs taken, mine kept
    # Saving the merged table again: the untick asks first, then both changes stand.
    asked = _save(client, auth, merged, _base(text))
    assert asked.status_code == 200 and 'data-testid="eligibility-confirm"' in asked.get_data(as_text=True)
    done = _save(client, auth, merged, _base(asked.get_data(as_text=True)), _confirmed(asked.get_data(as_text=True)))
    assert done.status_code == 302
    assert _allows(app, "sygedagpenge", "smaajob") and not _allows(app, "dagpenge", "loentilskud")


def test_a_stale_tab_that_changed_nothing_would_still_undo_and_is_refused(app, client, auth, admin):
    tab_a, tab_b = _page(client), _page(client)
    _save(client, auth, _ticked(tab_b) | {"sygedagpenge-smaajob"}, _base(tab_b))
    refused = _save(client, auth, _ticked(tab_a), _base(tab_a))
    assert refused.status_code == 409 and _allows(app, "sygedagpenge", "smaajob")
    assert "sygedagpenge-smaajob" in _ticked(refused.get_data(as_text=True))
    stale_own = _save(client, auth, _ticked(tab_a) | {"sygedagpenge-fleksjob"}, _base(tab_a))
    assert stale_own.status_code == 409 and not _allows(app, "sygedagpenge", "fleksjob")


def test_unticking_asks_first_and_names_the_citizens_and_openings_it_affects(app, client, auth, admin, make_user):
    company = make_user("company")
    for name in ("Anna Jensen", "Bo Hansen"):
        make_citizen(app, name=name, benefit_group="dagpenge")
    make_citizen(app, name="Carl Lund", benefit_group="dagpenge", case_closed=date(2026, 1, 5))  # closed: not counted
    make_citizen(app, name="Dorte Holm", benefit_group="sygedagpenge")  # another group
    with app.app_context():
        for status in ("open", "filled"):
            db.session.add(Opening(company_id=company.company_id, kind="ordinaert", title="Lager", postcode="8722",
                                   hours_min=10, hours_max=37, status=status))
        db.session.commit()
    page = _page(client)
    asked = _save(client, auth, _ticked(page) - {"dagpenge-ordinaert"}, _base(page))
    text = html.unescape(asked.get_data(as_text=True))
    assert asked.status_code == 200 and 'data-testid="eligibility-confirm"' in text
    assert ("Dagpenge må ikke længere tage ordinært job: 2 borgere med åben sag i gruppen kan ikke længere matches "
            "til det 1 åbne opslag af typen »Ordinært job«") in text
    assert "dagpenge-ordinaert" not in _ticked(text) and "Ja, gem reglerne" in text
    assert _allows(app, "dagpenge", "ordinaert")  # not saved yet
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(EligibilityRule)) == 0
    done = _save(client, auth, _ticked(text), _base(text), _confirmed(text))
    assert done.status_code == 302 and not _allows(app, "dagpenge", "ordinaert")


def test_a_page_without_the_shown_values_is_shown_again_not_saved(app, client, auth, admin):
    page = _page(client)
    response = _save(client, auth, _ticked(page) | {"sygedagpenge-smaajob"}, None)
    assert response.status_code == 409 and not _allows(app, "sygedagpenge", "smaajob")
    assert "sygedagpenge-smaajob" in _ticked(response.get_data(as_text=True))


def test_a_pair_unticked_on_the_confirmation_page_is_not_saved_without_its_own_confirmation(app, client, auth,
                                                                                          admin):
    """Review AQ 1: »Ja, gem reglerne« saves only the removals the confirmation named."""
    page = _page(client)
    asked = html.unescape(_save(client, auth, _ticked(page) - {"dagpenge-virksomhedspraktik"},
                                _base(page)).get_data(as_text=True))
    assert "Dagpenge må ikke længere tage virksomhedspraktik" in asked
    assert "Dagpenge må ikke længere tage løntilskud" not in asked
    # A second pair unticked in the table under the confirmation, then »Ja, gem reglerne«.
    second = _ticked(asked) - {"dagpenge-loentilskud"}
    again = _save(client, auth, second, _base(asked), _confirmed(asked))
    text = html.unescape(again.get_data(as_text=True))
    assert again.status_code == 200 and 'data-testid="eligibility-confirm"' in text
    assert "bekræftelsen ikke nævnte: Dagpenge må ikke tage løntilskud" in text
    assert "Dagpenge må ikke længere tage løntilskud: " in text  # its effect, named now
    assert _allows(app, "dagpenge", "virksomhedspraktik") and _allows(app, "dagpenge", "loentilskud")  # nothing saved
    assert _ticked(text) == second  # the table as posted
    # A confirm without the list of what it confirmed (a crafted or old page) is asked again too.
    bare = _save(client, auth, second, _base(text), "")
    assert bare.status_code == 200 and _allows(app, "dagpenge", "loentilskud")
    # Confirming the page that names both saves both.
    done = _save(client, auth, second, _base(text), _confirmed(text))
    assert done.status_code == 302
    assert not _allows(app, "dagpenge", "virksomhedspraktik") and not _allows(app, "dagpenge", "loentilskud")


def test_re_ticking_a_pair_on_the_confirmation_page_saves_the_smaller_change(app, client, auth, admin):
    page = _page(client)
    asked = _save(client, auth, _ticked(page) - {"dagpenge-virksomhedspraktik", "dagpenge-loentilskud"},
                  _base(page)).get_data(as_text=True)
    fewer = _ticked(asked) | {"dagpenge-loentilskud"}  # ticked again: within what was confirmed
    done = _save(client, auth, fewer, _base(asked), _confirmed(asked))
    assert done.status_code == 302
    assert not _allows(app, "dagpenge", "virksomhedspraktik") and _allows(app, "dagpenge", "loentilskud")
