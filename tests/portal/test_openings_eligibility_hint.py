"""The "who may take this opening" hint on an opening without candidates reads the eligibility
table the administrator edits (review AA 5), not a hand-written fleksjob sentence."""
from __future__ import annotations

import pytest

from matching.domain import DEFAULT_ELIGIBILITY
from portal import eligibility
from portal.extensions import db
from portal.openings.progress import kind_limit
from tests.portal import test_openings
from tests.portal.test_openings import make_opening
from tests.portal.test_openings_review_w import add_proposal

company, logged_in = test_openings.company, test_openings.logged_in


def limits_sentence(client, opening_id: int) -> str:
    """The page's list of what narrows the opening (shown once a citizen was not proposed)."""
    html = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    marker = "Det, der begrænser kredsen ved dette opslag: "
    if marker not in html:
        return ""
    return html.split(marker)[1].split(". Tal med")[0]


@pytest.mark.parametrize("kind, expected", [
    ("smaajob", "småjob (kun for borgere i ydelsesgrupperne kontanthjælp, uddannelseshjælp, integrationsydelse, "
                "jobafklaringsforløb, ressourceforløb eller ledighedsydelse)"),
    ("loentilskud", "løntilskud (kun for borgere i ydelsesgrupperne dagpenge, kontanthjælp, uddannelseshjælp, "
                    "integrationsydelse eller ressourceforløb)"),
    ("fleksjob", "fleksjob (kun for borgere i ydelsesgruppen ledighedsydelse)"),
    ("virksomhedspraktik", None),
    ("ordinaert", None),
])
def test_the_default_table_names_the_groups_a_kind_is_limited_to(kind, expected):
    assert kind_limit(kind, DEFAULT_ELIGIBILITY) == expected


def test_the_hint_follows_the_table_an_administrator_edited(app, client, logged_in):
    smaajob = make_opening(app, logged_in.company_id, kind="smaajob", hours_min=5.0, hours_max=10.0)
    loentilskud = make_opening(app, logged_in.company_id, kind="loentilskud")
    fleksjob = make_opening(app, logged_in.company_id, kind="fleksjob")
    praktik = make_opening(app, logged_in.company_id, kind="virksomhedspraktik")
    for opening_id in (smaajob, loentilskud, fleksjob, praktik):
        add_proposal(app, opening_id, status="rejected", decision_reason="Passede ikke")
    assert limits_sentence(client, smaajob).startswith("småjob (kun for borgere i ydelsesgrupperne kontanthjælp")
    assert limits_sentence(client, loentilskud).startswith("løntilskud (kun for borgere i ydelsesgrupperne dagpenge")

    with app.app_context():
        eligibility.seed_defaults(db.session)
        table = eligibility.current_table(db.session)
        allowed = {pair for pair, ok in table.items() if ok}
        allowed -= {(group, "smaajob") for group in ("kontanthjaelp", "uddannelseshjaelp", "integrationsydelse",
                                                      "jobafklaring", "ressourceforloeb")}
        allowed |= {("sygedagpenge", "fleksjob"), *((group, "loentilskud") for group, _ in table)}
        allowed -= {(group, "virksomhedspraktik") for group, _ in table}
        eligibility.save_table(db.session, allowed)
        db.session.commit()

    assert limits_sentence(client, smaajob) == "småjob (kun for borgere i ydelsesgruppen ledighedsydelse)"
    assert limits_sentence(client, loentilskud) == ""  # every group may now take it: nothing narrows
    assert limits_sentence(client, fleksjob) == ("fleksjob (kun for borgere i ydelsesgrupperne sygedagpenge eller "
                                                 "ledighedsydelse)")
    assert limits_sentence(client, praktik) == ("virksomhedspraktik (ingen ydelsesgrupper må lige nu tage denne "
                                                "type forløb)")
