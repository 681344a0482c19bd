"""The company's start page and opening list as a work list (reviews D5, D6, F12).

What waits for the company comes first: the candidates it has not answered (each linked to its
card with the answer form) and last month's hours still to register. Its open openings follow,
open first; filled and closed ones are counted and left to /opslag/. A placement that has ended
(an end date passed, or an end registered with a reason and its day come) is finished on every
company screen and in the API, and its candidate is "ikke længere aktuel" with the day it ended.
"""
from __future__ import annotations

import re
from datetime import date, datetime, timedelta, timezone

import pytest

from portal import consents, proposals
from portal.extensions import db
from portal.pseudonyms import pseudonym
from store.models import Citizen, Company, Consent, HoursLog, Opening, Placement, Proposal
from tests.api.api_fixtures import bearer, make_token
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")

OCTOBER = date(2026, 10, 1)  # the month before TODAY's


def _citizen(name: str) -> Citizen:
    return Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                   case_start=date(2025, 1, 5), hours_available=20)


def _opening(company_id: int, title: str, status: str = "open") -> Opening:
    return Opening(company_id=company_id, kind="smaajob", title=title, hours_min=5.0, hours_max=10.0,
                   postcode="8722", status=status)


def _proposal(citizen: Citizen, opening: Opening, status: str = "approved", days_ago: int = 1,
              **values) -> Proposal:
    return Proposal(citizen_id=citizen.id, opening_id=opening.id, status=status,
                    decided_at=datetime(2026, 11, 22, 9, tzinfo=timezone.utc) - timedelta(days=days_ago), **values)


def _consent(proposal: Proposal, recorded_by: int) -> Consent:
    return Consent(proposal=proposal, text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                   deadline=TODAY + timedelta(days=90), recorded_by_id=recorded_by)


def _ids(pattern: str, html: str) -> list[str]:
    return re.findall(pattern, html)


@pytest.fixture
def company(make_user):
    return make_user("company", code_of_care=True)


def test_a_placement_ended_today_with_a_reason_is_finished_everywhere(app, client, auth, company):
    """Review F12: ended today with «Ordinært job», it was still "igangværende" and API-active."""
    with app.app_context():
        opening = _opening(company.company_id, "Lagerhjælp", status="filled")
        citizens = [_citizen(f"Borger {n}") for n in range(3)]
        db.session.add_all([opening, *citizens])
        db.session.flush()
        start = date(2026, 9, 1)
        rows = {"ended": Placement(citizen_id=citizens[0].id, opening_id=opening.id, company_id=company.company_id,
                                   kind="smaajob", start_date=start, weekly_hours=5, end_date=TODAY,
                                   end_reason="ordinaert_job"),
                "last_day": Placement(citizen_id=citizens[1].id, opening_id=opening.id, company_id=company.company_id,
                                      kind="smaajob", start_date=start, weekly_hours=5, end_date=TODAY),
                "ends_ahead": Placement(citizen_id=citizens[2].id, opening_id=opening.id,
                                        company_id=company.company_id, kind="smaajob", start_date=start,
                                        weekly_hours=5, end_date=TODAY + timedelta(days=10), end_reason="uddannelse")}
        db.session.add_all(rows.values())
        db.session.commit()
        ids = {key: p.id for key, p in rows.items()}
    running = {ids["last_day"], ids["ends_ahead"]}
    auth.login(company.email)
    start_page = client.get("/").get_data(as_text=True)
    assert {int(i) for i in _ids(r'href="/forloeb/(\d+)"', start_page)} == running
    assert re.search(r'data-testid="partner-active">(\d+)<', start_page).group(1) == "2"
    raw = make_token(app, company, scope="read")
    one = client.get(f"/api/v1/placements/{ids['ended']}", headers=bearer(raw)).json
    assert (one["end_reason"], one["active"]) == ("ordinaert_job", False)
    items = client.get("/api/v1/placements/", headers=bearer(raw)).json["items"]
    assert {p["id"] for p in items if p["active"]} == running
    active = client.get("/api/v1/placements/?status=active", headers=bearer(raw)).json["items"]
    ended = client.get("/api/v1/placements/?status=ended", headers=bearer(raw)).json["items"]
    assert {p["id"] for p in active} == running and [p["id"] for p in ended] == [ids["ended"]]


def test_a_candidate_whose_placement_ended_is_no_longer_current_on_the_opening(app, client, auth, company,
                                                                               make_user):
    """Review F12: /opslag/<id> counted candidates with placements ended a year ago as "aktuelle",
    with «Jobcentret har startet forløbet … Kontakt jobcentret, hvis forløbet skal stoppe»."""
    consultant = make_user("consultant").id
    with app.app_context():
        opening = _opening(company.company_id, "Chauffør")
        done, running, new = _citizen("Færdig Fredriksen"), _citizen("Igang Iversen"), _citizen("Ny Nielsen")
        db.session.add_all([opening, done, running, new])
        db.session.flush()
        finished = _proposal(done, opening, "disclosed", company_response="hired")
        placed = _proposal(running, opening, "disclosed", company_response="hired")
        db.session.add_all([finished, placed, _proposal(new, opening), _consent(finished, consultant),
                            _consent(placed, consultant)])
        db.session.add_all([
            Placement(citizen_id=done.id, opening_id=opening.id, company_id=company.company_id, kind="smaajob",
                      start_date=date(2025, 9, 1), end_date=date(2025, 11, 23), end_reason="afbrudt", weekly_hours=5),
            Placement(citizen_id=running.id, opening_id=opening.id, company_id=company.company_id, kind="smaajob",
                      start_date=date(2026, 9, 1), weekly_hours=5)])
        db.session.commit()
        opening_id, finished_id, done_alias = opening.id, finished.id, pseudonym(done.id, opening.id)
    auth.login(company.email)
    page = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    assert 'data-testid="shared-count">2 aktuelle kandidater foreslået til jer; 1 er ikke længere aktuel' in page
    assert page.count('data-testid="shared-candidate"') == 2 and page.count('data-testid="answer-locked"') == 1
    gone = re.search(r'<ul data-testid="ended-candidates">(.*?)</ul>', page, re.DOTALL).group(1)
    assert (f'id="kandidat-{finished_id}" data-testid="finished-candidate"' in gone and done_alias in gone
            and 'Færdig Fredriksen</a>: <span data-testid="candidate-status">Forløbet sluttede 23.11.2025.</span>' in gone)
    listed = client.get("/opslag/").get_data(as_text=True)  # the list counts what the page calls current
    assert (f'href="/opslag/{opening_id}#kandidater" data-testid="candidate-count">2 foreslået, 1 med navn, '
            '<strong data-testid="candidate-waiting">1 venter') in listed


def test_an_opening_whose_candidates_are_all_gone_says_none_current_not_none_yet(app, client, auth, company):
    with app.app_context():
        opening = _opening(company.company_id, "Pakkemedarbejder", status="filled")
        citizen = _citizen("Tidligere Thomsen")
        db.session.add_all([opening, citizen])
        db.session.flush()
        db.session.add_all([_proposal(citizen, opening, "withdrawn")])
        db.session.commit()
        opening_id = opening.id
    auth.login(company.email)
    listed = client.get("/opslag/").get_data(as_text=True)
    assert (f'href="/opslag/{opening_id}#ikke-aktuelle" data-testid="candidate-count">Ingen aktuelle'
            '<span class="sr-only"> til »Pakkemedarbejder«</span></a>') in listed
    assert "Ingen endnu" not in listed


@pytest.fixture
def busy(app, company):
    """Seven unanswered candidates on two open openings, one answered, two on a closed opening,
    a filled opening, a draft, and a placement that ran in October without hours."""
    with app.app_context():
        storage, office = _opening(company.company_id, "Lager"), _opening(company.company_id, "Kontor")
        closed, filled = _opening(company.company_id, "Gammelt", "closed"), _opening(company.company_id, "Besat", "filled")
        draft = _opening(company.company_id, "Kladde", "draft")
        db.session.add_all([filled, storage, draft, closed, office])  # created in an order that is not the page's
        citizens = [_citizen(f"Borger {n}") for n in range(11)]
        db.session.add_all(citizens)
        db.session.flush()
        waiting = [_proposal(citizens[n], storage if n < 4 else office, days_ago=30 - n) for n in range(7)]
        answered = _proposal(citizens[7], storage, company_response="interested")
        on_closed = [_proposal(citizens[n], closed) for n in (8, 9)]
        db.session.add_all([*waiting, answered, *on_closed])
        october = Placement(citizen_id=citizens[10].id, opening_id=filled.id, company_id=company.company_id,
                            kind="smaajob", start_date=date(2026, 9, 1), weekly_hours=5)
        db.session.add(october)
        db.session.commit()
        return {"waiting": [(p.id, p.opening_id, pseudonym(p.citizen_id, p.opening_id)) for p in waiting],
                "storage": storage.id, "office": office.id, "closed": closed.id, "filled": filled.id,
                "draft": draft.id, "october": october.id, "answered": answered.id}


def test_the_start_page_lists_who_waits_for_an_answer_first_with_links_to_the_answer_form(app, client, auth,
                                                                                             company, busy):
    """Review D6: nothing said how many candidates waited for the company's answer."""
    auth.login(company.email)
    page = client.get("/").get_data(as_text=True)
    todo = re.search(r'<section data-testid="company-todo">(.*?)</section>', page, re.DOTALL).group(1)
    assert page.index('data-testid="company-todo"') < page.index('data-testid="start-openings"')
    # the two on the closed opening wait too, labelled (review W5: closing promised they stay)
    assert 'data-testid="waiting-total">9 kandidater venter på jeres svar' in todo
    shown = _ids(r'href="/opslag/(\d+)#kandidat-(\d+)">(Kandidat [A-Z0-9-]+)</a>', todo)
    longest = busy["waiting"][:5]  # longest waiting first, five by name
    assert shown == [(str(o), str(p), alias) for p, o, alias in longest]
    # the other two are counted by opening, each leading to the opening's candidates
    assert f'<a href="/opslag/{busy["office"]}#kandidater">2 til »Kontor«</a>' in todo
    # every link leads to the card with the answer form
    opening_page = client.get(f"/opslag/{busy['storage']}").get_data(as_text=True)
    card = opening_page.split(f'id="kandidat-{longest[0][0]}"')[1].split("</li>")[0]
    assert f'/opslag/{busy["storage"]}/kandidat/{longest[0][0]}/svar' in card
    assert f'<a href="/opslag/{busy["closed"]}#kandidater">2 til »Gammelt«</a>' in todo
    # answered candidates wait for no answer
    assert f'#kandidat-{busy["answered"]}"' not in todo
    # the counts on the opening rows agree with the list
    counted = _ids(r'<strong data-testid="candidate-waiting">(\d+) venter', page)
    assert sorted(map(int, counted)) == [3, 4]


def test_open_openings_come_first_and_filled_or_closed_ones_are_left_to_the_list(app, client, auth, company, busy):
    auth.login(company.email)
    page = client.get("/").get_data(as_text=True)
    table = page.split('data-testid="start-openings"')[1].split("</table>")[0]
    rows = _ids(r'<th scope="row" data-title="" class="jobbro-stack-head"><a href="/opslag/(\d+)">', table)
    assert rows == [str(busy["office"]), str(busy["storage"]), str(busy["draft"])]  # open (newest first), then draft
    assert f'/opslag/{busy["closed"]}"' not in table and f'/opslag/{busy["filled"]}"' not in table
    assert ('data-testid="done-openings"><a href="/opslag/">Se alle jeres opslag</a>, også 2 besatte eller lukkede.'
            in page)
    # review H 11: the draft is listed, so the heading does not say "åbne", and the draft is explained
    assert "Jeres åbne opslag" not in page and "Jeres aktuelle opslag" in page
    assert "En kladde er ikke slået op endnu, så jobcentret leder ikke efter kandidater til den." in page
    listing = client.get("/opslag/").get_data(as_text=True)
    for opening_id in (busy["closed"], busy["filled"]):
        assert f'<th scope="row"><a href="/opslag/{opening_id}">' in listing


def test_missing_hours_lead_to_each_month_until_they_are_logged(app, client, auth, company, busy):
    """Every month of the last year without hours has its line (review AG 2: an older gap left
    the start page once it was no longer last month), newest first, each to its month's page."""
    due_pattern = r'data-testid="hours-due"><a href="([^"]+)">([^<]+)</a>'
    auth.login(company.email)
    page = client.get("/").get_data(as_text=True)
    assert re.findall(due_pattern, page) == [  # started 01.09: September and October lack hours
        ("/forloeb/timer?maaned=2026-10", "1 forløb mangler timer for oktober 2026: registrér dem"),
        ("/forloeb/timer?maaned=2026-09", "1 forløb mangler timer for september 2026: registrér dem")]
    assert '<h2 id="timer">Timer der mangler</h2>' in page
    for link, _text in re.findall(due_pattern, page):
        assert f'name="timer-{busy["october"]}"' in client.get(link).get_data(as_text=True)
    with app.app_context():
        db.session.add(HoursLog(placement_id=busy["october"], month=OCTOBER, hours=8))
        db.session.commit()
    page = client.get("/").get_data(as_text=True)
    assert re.findall(due_pattern, page) == [
        ("/forloeb/timer?maaned=2026-09", "1 forløb mangler timer for september 2026: registrér dem")]
    assert '<h2 id="timer">Timer for september 2026</h2>' in page
    with app.app_context():
        db.session.add(HoursLog(placement_id=busy["october"], month=date(2026, 9, 1), hours=8))
        db.session.commit()
    assert 'data-testid="hours-due"' not in client.get("/").get_data(as_text=True)


def test_a_company_with_nothing_waiting_is_told_so(client, auth, company):
    auth.login(company.email)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="waiting-none">Ingen kandidater venter på jeres svar lige nu.' in page
    assert 'data-testid="hours-due"' not in page


def test_a_restricted_citizen_is_not_listed_as_waiting(app, client, auth, company):
    """Their answer would be refused (portal.proposals.respond), so the page does not ask for it."""
    with app.app_context():
        opening, citizen = _opening(company.company_id, "Lager"), _citizen("Begrænset Bech")
        citizen.restricted = True
        db.session.add_all([opening, citizen])
        db.session.flush()
        db.session.add(_proposal(citizen, opening))
        db.session.commit()
    auth.login(company.email)
    assert 'data-testid="waiting-none"' in client.get("/").get_data(as_text=True)


def test_only_the_company_sees_its_own_waiting_candidates(app, client, auth, company, busy, make_user):
    other = make_user("company")
    with app.app_context():
        assert db.session.get(Company, other.company_id) is not None
    auth.login(other.email)
    page = client.get("/").get_data(as_text=True)
    assert 'data-testid="waiting-none"' in page and "#kandidat-" not in page


def test_a_restricted_citizen_is_not_counted_as_named(app, client, auth, company, make_user):
    """Review L 4: the list's »med navn« agrees with the opening's page, which withholds the name
    of a citizen whose processing is restricted (art. 18) though the consent is live."""
    consultant = make_user("consultant").id
    with app.app_context():
        opening = _opening(company.company_id, "Lagerhjælp")
        shown, held = _citizen("Synlig Sørensen"), _citizen("Begrænset Bach")
        db.session.add_all([opening, shown, held])
        db.session.flush()
        named, restricted = _proposal(shown, opening, "disclosed"), _proposal(held, opening, "disclosed")
        db.session.add_all([named, restricted, _consent(named, consultant), _consent(restricted, consultant)])
        held.restricted = True
        db.session.commit()
        opening_id = opening.id
        assert not proposals.identity_released(db.session.get(Proposal, restricted.id), TODAY)
    auth.login(company.email)
    listed = client.get("/opslag/").get_data(as_text=True)
    assert f'href="/opslag/{opening_id}#kandidater" data-testid="candidate-count">2 foreslået, 1 med navn' in listed
    assert "Begrænset Bach" not in client.get(f"/opslag/{opening_id}").get_data(as_text=True)


def test_a_held_candidate_is_not_counted_as_named(app, client, auth, company, make_user):
    """Review AE 7: a change of the opening's requirements puts a disclosed candidate on hold;
    the opening's page then shows it without a name, and so do the counts."""
    from portal.openings import requirements

    consultant = make_user("consultant").id
    with app.app_context():
        opening = _opening(company.company_id, "Lagerhjælp")
        fits, short = _citizen("Passer Poulsen"), _citizen("Bero Bertelsen")
        short.hours_available = 6
        db.session.add_all([opening, fits, short])
        db.session.flush()
        shown, held = _proposal(fits, opening, "disclosed"), _proposal(short, opening, "disclosed")
        db.session.add_all([shown, held, _consent(shown, consultant), _consent(held, consultant)])
        db.session.commit()
        opening.hours_min = 8.0
        assert [p.id for p in requirements.remark(opening, ["hours_min"], TODAY)[0]] == [held.id]
        db.session.commit()
        opening_id = opening.id
    auth.login(company.email)
    page = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    assert "Passer Poulsen" in page and "Bero Bertelsen" not in page
    count = (f'href="/opslag/{opening_id}#kandidater" data-testid="candidate-count">2 foreslået, 1 med navn, '
             '<strong data-testid="candidate-waiting">1 venter på jeres svar<')
    assert count in client.get("/opslag/").get_data(as_text=True)
    assert count in client.get("/").get_data(as_text=True)


@pytest.mark.parametrize("reason, ended", [("aflyst", False), ("afbrudt", True)])
def test_a_placement_cancelled_before_its_start_never_ended_on_the_opening(app, client, auth, company, make_user,
                                                                            reason, ended):
    """The pair's only placement was cancelled before its start (end reason "aflyst", ended on the
    planned start): the company is not told »Forløbet sluttede <start>«, the candidate stays
    current, and the hire waits for a placement again. The control, ended as "afbrudt", did end."""
    consultant = make_user("consultant").id
    with app.app_context():
        opening = _opening(company.company_id, "Chauffør")
        citizen = _citizen("Aflyst Andersen")
        db.session.add_all([opening, citizen])
        db.session.flush()
        hired = _proposal(citizen, opening, "disclosed", company_response="hired")
        db.session.add_all([hired, _consent(hired, consultant),
                            Placement(citizen_id=citizen.id, opening_id=opening.id, company_id=company.company_id,
                                      kind="smaajob", start_date=date(2026, 11, 2), end_date=date(2026, 11, 2),
                                      end_reason=reason, weekly_hours=5)])
        db.session.commit()
        opening_id = opening.id
        from portal.openings.service import places
        assert places(db.session.get(Opening, opening_id)).hired_waiting == int(not ended)
    auth.login(company.email)
    page = client.get(f"/opslag/{opening_id}").get_data(as_text=True)
    assert ("Forløbet sluttede 02.11.2026" in page) is ended
    assert ('data-testid="finished-candidate"' in page) is ended
    assert page.count('data-testid="shared-candidate"') == int(not ended)
