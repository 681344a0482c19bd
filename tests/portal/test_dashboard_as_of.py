"""The CV/jobmål/VK goal of a month reads the VK and the CV as of the month (review N 1, N 2),
and the provisional savings list does not say its figure will freeze (review N 7).

- A VK deactivated today still counted in October and in November (provisional until 9
  December); the month in progress counts the citizen as missing a VK. A month first computed
  after the deactivation is frozen with the VK it had then.
- A citizen who had a CV with text by the month's end counts for it, even when the CV has
  been updated since (the goal read the latest CV's date).
"""
from __future__ import annotations

import re
from datetime import date, datetime, timezone

import pytest
import sqlalchemy as sa

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.metrics import MATCHABLE_DEFINITION, Metric, compute_matchable_share, redefined
from portal.extensions import db
from store.models import CvDocument, User
from tests.clock import travel
from tests.portal.dashboard_fixtures import World

TODAY = date(2026, 12, 5)
OCTOBER, NOVEMBER = date(2026, 10, 31), date(2026, 11, 30)
# The definition the figure was computed under before review N: frozen months say so.
EARLIER_DEFINITION = (
    "Åbne sager, hvor borgeren har CV, mindst ét jobmål og en aktiv virksomhedskonsulent (en "
    "deaktiveret tæller som ingen; samme regel som borgerlisten). For tidligere måneder bruges "
    "nuværende jobmål og konsulent, og CV'et tæller kun, "
    "hvis det var gemt inden månedens udgang (jobmål og konsulent gemmes uden dato). "
    "Mål: 80 %, derefter 85 %.")


@pytest.fixture
def world(app):
    return World(app)


def flat(html: str) -> str:
    return " ".join(html.split())


def counted(app, as_of: date) -> tuple[int, int]:
    with app.app_context():
        metric = compute_matchable_share(load_facts(db.session, Scope()), as_of)
        return metric.numerator, metric.denominator


def matchable_card(client, month: str) -> str:
    html = flat(client.get(f"/maal/?maaned={month}").get_data(as_text=True))
    # the card links both numbers to their lists (review T 4): the paragraph's text
    return re.sub(r"<[^>]+>", "", re.search(r'data-testid="count-matchable">(.*?)</p>', html).group(1))


def set_active(app, user_id: int, active: bool) -> None:
    with app.app_context():
        db.session.get(User, user_id).active = active
        db.session.commit()


def deactivated_at(app, user_id: int) -> datetime | None:
    with app.app_context():
        return db.session.get(User, user_id).deactivated_at


def test_deactivated_at_follows_active_on_every_change(app, make_user):
    """Set when the user becomes inactive, cleared when enabled again, stamped on a user
    created inactive: a flush hook, whatever path changes ``active``."""
    vk = make_user("consultant")
    assert deactivated_at(app, vk.id) is None
    with travel(TODAY):
        set_active(app, vk.id, False)
        stamped = deactivated_at(app, vk.id)
        assert stamped is not None and stamped.date() == TODAY
        set_active(app, vk.id, False)  # no change: the moment stays
        assert deactivated_at(app, vk.id) == stamped
        set_active(app, vk.id, True)
        assert deactivated_at(app, vk.id) is None
        gone = make_user("consultant", active=False)
        assert deactivated_at(app, gone.id).date() == TODAY


def test_a_vk_deactivated_today_counts_for_past_months_not_for_the_month_in_progress(
        app, client, auth, make_user, world):
    vk = make_user("consultant")
    citizen = world.citizen(matchable=True, vk_id=vk.id, name="Magnus Vestergaard")
    world.citizen(matchable=True, name="Uden VK")  # never had a VK: missing in every month
    with travel(TODAY):
        set_active(app, vk.id, False)
        assert counted(app, OCTOBER) == (1, 2)  # unchanged: the VK was active all October
        assert counted(app, NOVEMBER) == (1, 2)  # provisional, and still as of 30 November
        assert counted(app, TODAY) == (0, 2)  # the month in progress: missing a VK today
        auth.login(make_user("admin").email)
        # October is frozen at this first view, after the deactivation: as it stood then.
        assert matchable_card(client, "2026-10") == "1 af 2"
        assert matchable_card(client, "2026-12") == "0 af 2"
        listed = flat(client.get("/maal/borgere?maal=cv&omfang=all&maaned=2026-12").get_data(as_text=True))
        row = listed.split(f'data-citizen-id="{citizen}"')[1].split("</tr>")[0]
        assert "Tildel" in row and "CV'et blev gemt efter" not in row
        october = flat(client.get("/maal/borgere?maal=cv&omfang=all&maaned=2026-10").get_data(as_text=True))
        assert f'data-citizen-id="{citizen}"' not in october
        set_active(app, vk.id, True)
        assert counted(app, TODAY) == (1, 2)
        assert matchable_card(client, "2026-10") == "1 af 2"


def test_an_inactive_vk_deactivated_when_unknown_counts_as_none_in_every_month(app, make_user, world):
    """Deactivated before 0020 without an audit event: read as long ago (as before the fix)."""
    vk = make_user("consultant", active=False)
    world.citizen(matchable=True, vk_id=vk.id)
    with app.app_context():
        db.session.execute(sa.update(User).where(User.id == vk.id).values(deactivated_at=None))
        db.session.commit()
    assert counted(app, OCTOBER) == (0, 1)


def test_a_cv_updated_in_the_provisional_window_keeps_counting_for_november(app, client, auth, make_user, world):
    vk = make_user("consultant")
    updated = world.citizen(matchable=True, vk_id=vk.id, name="Magnus Vestergaard",
                            cv_at=datetime(2026, 2, 11, 9, tzinfo=timezone.utc))
    late = world.citizen(matchable=True, vk_id=vk.id, name="Sen Sørensen",
                         cv_at=datetime(2026, 12, 3, 9, tzinfo=timezone.utc))
    blank_first = world.citizen(matchable=True, vk_id=vk.id, name="Tom Tekst",
                                cv_at=datetime(2026, 2, 1, 9, tzinfo=timezone.utc))
    with app.app_context():
        # February's CV had no text (an upload that could not be read): no CV for November;
        # the one with text came on 2 December.
        db.session.execute(sa.update(CvDocument).where(CvDocument.citizen_id == blank_first).values(text="  "))
        db.session.add(CvDocument(citizen_id=blank_first, text="Lager", content_type="txt",
                                  created_at=datetime(2026, 12, 2, 9, tzinfo=timezone.utc)))
        db.session.commit()
    with travel(TODAY):
        assert counted(app, NOVEMBER) == (1, 3)
        with app.app_context():  # the consultant updates Magnus's CV today
            db.session.add(CvDocument(citizen_id=updated, text="Truckcertifikat og lager", content_type="txt"))
            db.session.commit()
        assert counted(app, NOVEMBER) == (1, 3)
        assert counted(app, TODAY) == (3, 3)
        auth.login(make_user("admin").email)
        assert matchable_card(client, "2026-11") == "1 af 3"
        listed = flat(client.get("/maal/borgere?maal=cv&omfang=all&maaned=2026-11").get_data(as_text=True))
        assert f'data-citizen-id="{updated}"' not in listed
        for citizen in (late, blank_first):
            row = listed.split(f'data-citizen-id="{citizen}"')[1].split("</tr>")[0]
            assert "CV'et blev gemt efter 30.11.2026" in row


def test_months_computed_under_the_earlier_definition_say_so():
    """The rule changed its meaning (VK and CV as of the month): a month frozen before is
    flagged as computed under an earlier definition, and the text says what counts now."""
    old = Metric("matchable", "CV, jobmål og virksomhedskonsulent", 0.5, "share", EARLIER_DEFINITION,
                 numerator=1, denominator=2)
    assert redefined(old)
    assert "konsulenten er den, borgeren havde ved månedens udgang; den tæller, hvis den var aktiv da" \
        in MATCHABLE_DEFINITION
    assert "et CV, der er opdateret siden, tæller fra det første" in MATCHABLE_DEFINITION


def test_the_provisional_savings_list_does_not_say_it_will_freeze(app, client, auth, make_user, world):
    world.citizen(matchable=True)
    with travel(TODAY):
        auth.login(make_user("admin").email)
        savings = flat(client.get("/maal/grundlag?tal=besparelse&omfang=all&maaned=2026-11").get_data(as_text=True))
        note = savings.split('data-testid="provisional-note">')[1].split("</div>")[0]
        assert "senest 09.12.2026" in note and "derefter står de fast" not in note
        assert "Besparelsen og listen herunder regnes altid ud fra dagens data (05.12.2026)" in note
        assert 'data-testid="savings-hint">Besparelsen står ikke fast' in savings
        outcomes = flat(client.get("/maal/grundlag?tal=udfald&omfang=all&maaned=2026-11").get_data(as_text=True))
        assert "derefter står de fast" in outcomes.split('data-testid="provisional-note">')[1]
