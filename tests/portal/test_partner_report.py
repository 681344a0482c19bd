"""/partner/rapport: a Code of Care partner's year in aggregates, small counts as "<3", XLSX download."""
from __future__ import annotations

import io
import re
from datetime import date
from decimal import Decimal

import pytest
import sqlalchemy as sa
from openpyxl import load_workbook

from portal.extensions import db
from portal.partners import report
from store.models import AuditEvent, Citizen, Company, HoursLog, Placement
from tests.clock import TODAY
from tests.conftest import AuthActions

pytestmark = pytest.mark.usefixtures("frozen_today")
MARKER = "ZQXPARTNER"


@pytest.fixture
def world(app, make_user):
    """Partner: 5 placements ended in a job in 2026 (3m: 3 ja, 1 nej, 1 unknown), 1 running, 1 in 2025."""
    partner = make_user("company", email="p@firma.dk", code_of_care=True)
    make_user("company", email="plain@firma.dk")
    make_user("consultant", email="vk@jc.dk")
    with app.app_context():
        citizen = Citizen(name=f"{MARKER}navn", phone=f"{MARKER}tlf", postcode="8722",
                          benefit_group="kontanthjaelp", readiness_group="i_gang", case_start=date(2025, 1, 5),
                          hours_available=20, limitations_text=f"{MARKER}skåne")
        db.session.add(citizen)
        db.session.flush()
        common = {"citizen_id": citizen.id, "company_id": partner.company_id, "kind": "smaajob", "weekly_hours": 10}
        answers = [(True, True), (True, None), (True, True), (False, None), (None, None)]
        placements = [Placement(start_date=date(2026, 1, 5), end_date=date(2026, 3, 31), end_reason="ordinaert_job",
                                employed_3m=a3, employed_6m=a6, **common) for a3, a6 in answers]
        running = Placement(start_date=date(2026, 2, 1), **common)
        old = Placement(start_date=date(2025, 3, 1), end_date=date(2025, 6, 1), end_reason="afbrudt", **common)
        db.session.add_all([*placements, running, old])
        db.session.flush()
        db.session.add_all([HoursLog(placement_id=p.id, month=date(2026, 2, 1), hours=Decimal("10.5"))
                            for p in placements])
        db.session.add(HoursLog(placement_id=running.id, month=date(2026, 10, 1), hours=Decimal("40")))
        db.session.commit()
    return {"partner": partner}


@pytest.mark.parametrize("count, expected", [(0, 0), (1, "<3"), (2, "<3"), (3, 3), (40, 40)])
def test_small_counts_are_suppressed(count, expected):
    assert report.shown(count) == expected


@pytest.mark.parametrize("cells, total, expected", [
    # the review's case: okt "<3", nov 4, dec "<3" under 6 made okt and dec 1 each
    ([0, 1, 4, 1], 6, ([0, "<3", "skjult", "<3"], 6)),
    ([1, 5], 6, (["<3", "skjult"], 6)),                      # one "<3" beside a shown count: exact
    ([1, 2, 5, 9], 17, (["<3", "<3", 5, 9], 17)),            # two "<3" summing to 3 (1+2 or 2+1): not pinned
    ([2, 2, 5, 9], 18, (["<3", "<3", "skjult", 9], 18)),     # two summing to their most: pinned
    ([1, 1, 5, 9], 16, (["<3", "<3", "skjult", 9], 16)),     # two summing to their least: pinned
    ([1, 1, 1], 3, (["–"] * 3, 3)),                          # nothing left to hide: the total only
    ([1, 0, 1], 2, (["–"] * 3, "<3")),                       # two "<3" under a "<3" total are 1 each
    ([0, 2, 0], 2, (["–"] * 3, "<3")),                       # never split: "–" beside this would say 2
    ([3, 4, 0], 7, ([3, 4, 0], 7)),
    ([1, 3, 3, 4], 11, (["<3", 3, 3, "skjult"], 11)),        # hiding a 3 would pin it again (1 + 3 = 4)
])
def test_no_small_count_can_be_worked_out_from_the_total(cells, total, expected):
    assert report.shown_group(cells, total) == (expected[0], expected[1])


@pytest.mark.parametrize("employed, known, share", [(3, 4, None), (3, 6, 0.5), (0, 3, 0.0), (2, 5, None),
                                                    (0, 0, None), (4, 4, 1.0)])
def test_share_only_when_no_side_is_one_or_two(employed, known, share):
    assert report.Retention(3, employed, known, 0).share == share


def test_build_counts_the_year(app, world):
    with app.app_context():
        figures = report.build(world["partner"].company_id, 2026, TODAY)
    assert figures.partial and len(figures.months) == 11  # January to November (today)
    january, february, march = figures.months[:3]
    assert (january.started, january.running, january.ended) == (5, 5, 0)
    assert (february.started, february.running, february.hours) == (1, 6, Decimal("52.5"))
    assert march.ended == 5 and figures.months[3].running == 1
    assert figures.months[9].hours == Decimal("40")
    assert (figures.started, figures.ended, figures.running_at_end) == (6, 5, 1)
    assert figures.outcomes["ordinaert_job"] == 5 and figures.outcomes["afbrudt"] == 0
    three, six = figures.retention
    assert (three.employed, three.known, three.unknown) == (3, 4, 1)
    assert three.share is None  # "1 nej" would show
    assert (six.employed, six.known, six.unknown) == (2, 2, 3)


@pytest.mark.parametrize("reason, counts", [("aflyst", False), ("afbrudt", True)])
def test_a_placement_cancelled_before_its_start_is_in_no_figure(app, client, world, reason, counts):
    """A cancelled placement (end reason "aflyst", ended on its planned start) never happened: not
    started, running, ended nor an outcome, on the page or in the XLSX, and it adds no year. The
    control, the same placement ended on its start as "afbrudt", counts."""
    with app.app_context():
        common = {"citizen_id": db.session.scalar(sa.select(Citizen.id)), "company_id": world["partner"].company_id,
                  "kind": "smaajob", "weekly_hours": 10}
        db.session.add_all([Placement(start_date=date(2026, 6, 1), end_date=date(2026, 6, 1), end_reason=reason,
                                      **common),
                            Placement(start_date=date(2024, 5, 1), end_date=date(2024, 5, 1), end_reason=reason,
                                      **common)])
        db.session.commit()
        figures = report.build(world["partner"].company_id, 2026, TODAY)
        years = report.years_available(world["partner"].company_id, TODAY)
    june = figures.months[5]
    assert (june.started, june.running, june.ended) == ((1, 2, 1) if counts else (0, 1, 0))
    assert (figures.started, figures.ended) == ((7, 6) if counts else (6, 5))
    assert "aflyst" not in figures.outcomes and figures.outcomes["afbrudt"] == int(counts)
    assert (2024 in years) is counts
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport").get_data(as_text=True)
    assert "Aflyst før start" not in html and 'data-testid="cancelled-note"' in html
    book = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    outcome_labels = [row[0] for row in list(book["Udfald"].iter_rows(values_only=True))[1:]]
    assert "Aflyst før start" not in outcome_labels and outcome_labels
    overview = dict(row[:2] for row in book["Oversigt"].iter_rows(values_only=True) if row[0])
    assert overview["Afsluttede forløb i alt"] == (6 if counts else 5) and overview["Aflyste forløb"] == report.CANCELLED_NOTE


def test_page_shows_aggregates_and_suppression(client, world):
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport").get_data(as_text=True)
    assert "Code of Care-rapport 2026" in html and "året er ikke slut" in html
    # up to today, not »til og med december 2026« on a day in December (review AD 13)
    assert f'tallene går til og med i dag, <span data-testid="figures-until">{TODAY:%d.%m.%Y}</span>' in html
    assert "&lt;3" in html and 'data-testid="suppression-note"' in html
    assert "vises som »&lt;3«" in html and 'vises som "' not in html  # Danish quotes
    row = re.search(r'data-testid="retention-3">(.*?)</tr>', html, re.S).group(1)
    # 4 known answers beside "<3" without one under the 5 job outcomes would make it 1: n is hidden
    assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", row)] == ["–", "skjult", "–", "&lt;3"]
    assert 'data-testid="chart-placements"' in html and 'data-testid="chart-hours"' in html
    assert MARKER not in html
    older = client.get("/partner/rapport?aar=2025").get_data(as_text=True)
    assert "Code of Care-rapport 2025" in older and "året er ikke slut" not in older


@pytest.mark.parametrize("year", ["2019", "abc", "2027", "9" * 400, "²⁰²⁶"])
def test_bad_year_shows_a_notice_and_this_year(client, world, year):
    AuthActions(client).switch_to("p@firma.dk")
    response = client.get("/partner/rapport", query_string={"aar": year})
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Vælg et år fra listen. Viser 2026." in html and "Code of Care-rapport 2026" in html


def test_xlsx_has_the_sheets_and_no_names(app, client, world):
    AuthActions(client).switch_to("p@firma.dk")
    response = client.get("/partner/rapport/2026.xlsx")
    assert response.status_code == 200
    assert 'filename="code-of-care-2026.xlsx"' in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert book.sheetnames == ["Oversigt", "Forløb pr. måned", "Timer pr. måned", "Fastholdelse", "Udfald"]
    months = list(book["Forløb pr. måned"].iter_rows(values_only=True))
    # started and ended per month would be differences of the running counts: year totals only
    assert months[0] == ("Måned", "I gang") and months[1] == ("januar 2026", 5)
    assert months[2] == ("februar 2026", 6)
    hours = list(book["Timer pr. måned"].iter_rows(values_only=True))
    assert hours[2] == ("februar 2026", 52.5)
    retention = list(book["Fastholdelse"].iter_rows(values_only=True))
    assert retention[1] == ("3 måneder", "–", "skjult", None, "<3")
    text = "\n".join(str(v) for s in book.worksheets for r in s.iter_rows(values_only=True) for v in r)
    assert MARKER not in text
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                                 .where(AuditEvent.action == "export_partner_report")) == 1


def test_download_needs_a_fresh_login(client, world):
    AuthActions(client).switch_to("p@firma.dk")
    with client.session_transaction() as session:
        session["_fresh"] = False
    response = client.get("/partner/rapport/2026.xlsx")
    assert response.status_code == 302 and "/auth/confirm" in response.headers["Location"]


@pytest.mark.parametrize("year", [2024, 2027, 0, 99999])
def test_download_of_a_year_outside_the_list_is_404(client, world, year):
    AuthActions(client).switch_to("p@firma.dk")
    assert client.get(f"/partner/rapport/{year}.xlsx").status_code == 404


@pytest.mark.parametrize("path", ["/partner/rapport", "/partner/rapport/2026.xlsx"])
def test_other_companies_get_the_partners_only_page_and_staff_403(client, world, path):
    AuthActions(client).switch_to("plain@firma.dk")
    response = client.get(path)
    assert response.status_code == 403 and 'data-testid="partners-only"' in response.get_data(as_text=True)
    AuthActions(client).switch_to("vk@jc.dk")
    assert client.get(path).status_code == 403


def test_navigation_and_start_page_link_for_partners_only(app, client, world):
    AuthActions(client).switch_to("p@firma.dk")
    start = client.get("/").get_data(as_text=True)
    assert start.count('href="/partner/rapport"') >= 2  # menu and start page
    AuthActions(client).switch_to("plain@firma.dk")
    assert 'href="/partner/rapport"' not in client.get("/").get_data(as_text=True)
    with app.app_context():
        company = db.session.scalar(sa.select(Company).where(Company.code_of_care.is_(True)))
        assert company is not None


def test_a_new_partner_without_placements_sees_zeros(client, make_user):
    make_user("company", email="ny@firma.dk", code_of_care=True)
    AuthActions(client).switch_to("ny@firma.dk")
    response = client.get("/partner/rapport")
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "Code of Care-rapport 2026" in html
    assert re.search(r'data-testid="total-started">0<', html)
    assert client.get("/partner/rapport/2026.xlsx").status_code == 200


def test_no_suppressed_count_is_ever_pinned_down_by_what_is_shown():
    """Every shown group, checked by brute force: each "<3" cell can be 1 and can be 2 among the
    underlying counts that match what is shown (exact counts, "<3" as 1-2, "skjult" as 3+)."""
    import itertools

    for cells in itertools.product(range(6), repeat=3):
        total = sum(cells)
        display, shown_total = report.shown_group(list(cells), total)
        options = [[d] if isinstance(d, int) else [1, 2] if d == "<3" else list(range(3, total + 1))
                   if d == "skjult" else list(range(0, total + 1)) for d in display]  # "–": not split
        totals = [total] if isinstance(shown_total, int) else [1, 2]
        matching = [v for v in itertools.product(*options) if sum(v) in totals]
        assert tuple(cells) in matching
        for i, d in enumerate(display):
            if d == "<3":
                assert {v[i] for v in matching} == {1, 2}, (cells, display)


# --- Suppression across tables (review A 5): a brute-force reader of every shown number ---

JOB, OTHER = list(report.SUCCESS_END_REASONS), ["afbrudt", "forloeb_slut", "andet", report.NO_REASON]


def _options(shown, most):
    if isinstance(shown, int):
        return [shown]
    if shown == report.SUPPRESSED:
        return [1, 2]
    if shown == report.HIDDEN:
        return list(range(report.SMALL, most + 1))
    return list(range(most + 1))  # "–": not split


def _adding_up(options, most):
    """Every choice of one value per list of ``options`` whose sum is at most ``most``."""
    if not options:
        yield ()
        return
    for value in options[0]:
        if value <= most:
            for rest in _adding_up(options[1:], most - value):
                yield (value, *rest)


def _readings(outcomes, retention, total):
    """Every world that fits what is shown: the outcomes (summing to the year's "Forløb
    afsluttet"), and per checkpoint yes, known (n) and no answer, with n plus no answer equal to
    the job outcomes and yes at most n. Yields (outcomes by key, rows of (yes, n, no answer))."""
    import itertools

    keys = list(outcomes)
    totals = _options(total, 0)
    most = max(totals)
    for values in _adding_up([_options(outcomes[k], most) for k in keys], most):
        if sum(values) not in totals:
            continue
        world = dict(zip(keys, values))
        in_job = sum(world[k] for k in JOB)
        row_options = []
        for yes, known, unknown in retention:
            row_options.append([(y, n, u) for n in _options(known, in_job) for u in _options(unknown, in_job)
                                if n + u == in_job for y in _options(yes, n) if y <= n])
        for rows in itertools.product(*row_options):
            yield world, rows


def _assert_nothing_pinned(outcomes, retention, total):
    """Each "<3" shown can be 1 and can be 2 in some world that fits everything shown."""
    worlds = list(_readings(outcomes, retention, total))
    assert worlds, "what is shown fits no world"
    for key, shown in outcomes.items():
        if shown == report.SUPPRESSED:
            assert {w[key] for w, _ in worlds} == {1, 2}, (key, outcomes, retention)
    for i, row in enumerate(retention):
        for j, shown in enumerate(row):
            if shown == report.SUPPRESSED:
                assert {rows[i][j] for _, rows in worlds} == {1, 2}, (i, j, outcomes, retention)
    if total == report.SUPPRESSED:
        assert {sum(w.values()) for w, _ in worlds} == {1, 2}


def test_the_reviews_sum_across_tables_no_longer_gives_andet():
    """The review: four "<3" outcomes (5 together), Afbrudt 3, Forløb afsluttet 7, total 15, and
    "Ikke oplyst endnu 4" for the job outcomes made Andet 5 - 4 = 1."""
    counts = {"ordinaert_job": 2, "fleksjob": 1, "uddannelse": 1, "afbrudt": 3, "forloeb_slut": 7, "andet": 1}
    outcomes, retention, total = report.shown_counts(counts, [(0, 0, 4), (0, 0, 4)])
    assert outcomes["andet"] == "<3" and total == 15
    _assert_nothing_pinned(outcomes, retention, total)


def test_no_count_is_pinned_down_across_outcomes_and_retention():
    """Brute force over small worlds: job outcomes, other outcomes and the retention answers."""
    import itertools

    for job in itertools.product(range(4), repeat=2):
        for other in itertools.product(range(4), range(3)):
            in_job = sum(job)
            counts = {"ordinaert_job": job[0], "fleksjob": job[1], "uddannelse": 0,
                      "afbrudt": other[0], "forloeb_slut": other[1], "andet": 0}
            for yes, no in itertools.product(range(in_job + 1), repeat=2):
                if yes + no > in_job:
                    continue
                outcomes, retention, total = report.shown_counts(counts, [(yes, no, in_job - yes - no)])
                _assert_nothing_pinned(outcomes, retention, total)


def _review_world(app, make_user):
    """The review's 2026: ended 2 ordinært job, 1 fleksjob, 1 uddannelse (no answers), 3 afbrudt,
    7 forløb afsluttet and 1 andet; one placement still running."""
    partner = make_user("company", email="p@firma.dk", code_of_care=True)
    with app.app_context():
        citizen = Citizen(name="A", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2025, 1, 5), hours_available=20)
        db.session.add(citizen)
        db.session.flush()
        reasons = ["ordinaert_job"] * 2 + ["fleksjob", "uddannelse"] + ["afbrudt"] * 3 + ["forloeb_slut"] * 7 + ["andet"]
        for i, reason in enumerate(reasons):
            db.session.add(Placement(citizen_id=citizen.id, company_id=partner.company_id, kind="smaajob",
                                     weekly_hours=10, start_date=date(2026, 1 + i % 6, 2),
                                     end_date=date(2026, 7 + i % 4, 20), end_reason=reason))
        db.session.add(Placement(citizen_id=citizen.id, company_id=partner.company_id, kind="smaajob",
                                 weekly_hours=10, start_date=date(2026, 3, 2)))
        db.session.commit()


def test_page_and_xlsx_give_no_reader_a_hidden_count(app, client, make_user):
    """Every number the page and the XLSX show, read together, pins down no "<3"."""
    _review_world(app, make_user)
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport").get_data(as_text=True).replace("&lt;", "<")

    def cell(text):
        text = text.strip()
        return int(text.replace(".", "")) if text.isdigit() else text

    outcomes = {key: cell(re.search(rf'data-testid="outcome-{key}"><td>.*?</td><td>(.*?)</td>', html).group(1))
                for key in JOB + OTHER}
    total = cell(re.search(r'data-testid="total-ended">(.*?)<', html).group(1))
    retention = []
    for months in (3, 6):
        row = re.search(rf'data-testid="retention-{months}">(.*?)</tr>', html, re.S).group(1)
        yes, known, _share, unknown = [cell(c) for c in re.findall(r"<td>(.*?)</td>", row)]
        retention.append((yes, known, unknown))
    assert outcomes["andet"] == "<3" and total == 15
    _assert_nothing_pinned(outcomes, retention, total)
    assert "Startet</th>" not in html and "Afsluttet</th>" not in html  # no per-month differences

    book = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    names = {label: key for key, label in report.ENDING_REASONS.items()} | {"Ikke angivet": report.NO_REASON}
    x_outcomes = {names[label]: n for label, n in list(book["Udfald"].iter_rows(values_only=True))[1:]}
    x_total = dict(list(book["Oversigt"].iter_rows(values_only=True))[1:6])["Afsluttede forløb i alt"]
    x_retention = [(yes, known, unknown) for _, yes, known, _share, unknown
                   in list(book["Fastholdelse"].iter_rows(values_only=True))[1:]]
    assert x_outcomes == outcomes and x_total == total and x_retention == retention
    assert list(book["Forløb pr. måned"].iter_rows(values_only=True))[0] == ("Måned", "I gang")


def test_month_in_progress_is_marked_and_left_out_of_the_charts(client, world, monkeypatch):
    """Today (the frozen clock) is mid-month: the table marks the month, the charts end before it."""
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport").get_data(as_text=True)
    last = TODAY.replace(day=1)
    from portal.i18n import format_month

    assert f"{format_month(last)} (i gang)" in html and 'data-testid="month-in-progress"' in html
    chart = re.search(r"data-testid=\"chart-hours\" data-chart='(.*?)'", html).group(1)
    import json

    labels = json.loads(chart.replace("&#34;", '"'))["labels"]
    assert format_month(last, abbreviated=True) not in labels and len(labels) == TODAY.month - 1


def test_a_year_with_one_ending_does_not_split_it_either(client, world):
    """2025 has one placement, ended: its outcome is not split, and the page says why. Review W
    2: "Afbrudt <3" under 1 ended but the sentence under 2 with two outcomes told 1 from 2."""
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport?aar=2025").get_data(as_text=True)
    assert 'data-testid="outcomes-unsplit"' in html and 'data-testid="outcome-afbrudt"' not in html
    assert "Der er for få afsluttede forløb i 2025 (&lt;3) til at vise, hvordan de endte" in html


def test_outcomes_too_few_to_split_are_said_in_words_on_page_and_in_xlsx(app, client, world):
    """Two endings with different outcomes: "–" in every row said nothing; now a sentence does."""
    with app.app_context():
        placement = db.session.scalar(sa.select(Placement).where(Placement.end_reason == "afbrudt"))
        db.session.add(Placement(citizen_id=placement.citizen_id, company_id=placement.company_id, kind="smaajob",
                                 weekly_hours=5, start_date=date(2025, 4, 1), end_date=date(2025, 5, 1),
                                 end_reason="andet"))
        db.session.commit()
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport?aar=2025").get_data(as_text=True)
    assert 'data-testid="outcomes-unsplit"' in html and 'data-testid="outcome-andet"' not in html
    assert "Der er for få afsluttede forløb i 2025 (&lt;3) til at vise, hvordan de endte" in html
    book = load_workbook(io.BytesIO(client.get("/partner/rapport/2025.xlsx").data))
    text = [r[0] for r in book["Udfald"].iter_rows(values_only=True) if r and r[0]]
    assert "Der er for få afsluttede forløb i 2025 (<3) til at vise, hvordan de endte, uden at en enkeltperson " \
           "kan genkendes." in text


def test_the_report_and_the_placements_page_say_which_figures_to_share(client, world):
    """Review B 5: the report hid "<3" that /forloeb/ showed exactly, and neither page said why.
    The partner knows its own placements (they are listed on /forloeb/): exact there, for
    internal use; the report, made to be shared, keeps suppressing and says so."""
    AuthActions(client).switch_to("p@firma.dk")
    note = re.search(r'data-testid="suppression-note">(.*?)</p>', client.get("/partner/rapport").get_data(as_text=True),
                     re.S).group(1)
    assert "Brug tallene herfra, når de skal videre" in note and 'href="/forloeb/"' in note
    assert "til internt brug" in note
    placements = client.get("/forloeb/").get_data(as_text=True)
    summary = re.search(r'data-testid="partner-summary">(.*?)</section>', placements, re.S).group(1)
    internal = re.search(r'data-testid="summary-internal">(.*?)</p>', summary, re.S).group(1)
    assert "Præcise tal til internt brug" in internal and "brug Code of Care-rapporten" in internal
    assert 'href="/partner/rapport"' in summary


# --- The year's flow (review W 2): running at the start + started = ended + running at the end ---

def _flows(runs, start, most):
    """Every (started, ended, running at the end) a year can have with running ``start`` at its
    start and a running per month among ``runs`` (lists of values): placement by placement,
    each month's running is what was running before plus its starts, less its ends after it."""
    from functools import lru_cache

    @lru_cache(maxsize=None)
    def rest(month, carry):
        if month == len(runs):
            return frozenset({(0, 0, carry)})
        out = set()
        for running in runs[month]:
            if running < carry:
                continue
            for ends in range(running + 1):
                for s, e, r in rest(month + 1, running - ends):
                    if s + running - carry <= most and e + ends <= most:
                        out.add((s + running - carry, e + ends, r))
        return frozenset(out)

    return rest(0, start)


def _flow_readings(started, ended, running_at_end, months, start):
    """What a reader of the page can take the three totals to be: worlds (started, ended,
    running at the end) that fit every shown number, the running at the start as the report
    would show it, and the running per month as shown."""
    most = started + ended + running_at_end + start + 6
    shown_months = [report.shown(m) for m in months]
    fig = report.shown_flow(started, ended, running_at_end, report.shown(ended), shown_months)
    runs = [[m] if isinstance(m, int) else [1, 2] for m in shown_months]
    worlds = set()
    for begin in _options(report.shown(start), most):
        for world in _flows(runs, begin, most):
            if all(v in _options(d, most) for v, d in zip(world, fig)):
                worlds.add(world)
    return fig, worlds


def _assert_flow_unpinned(started, ended, running_at_end, months, start):
    """No count of 1 or 2 among the three totals can be pinned down by a reader of the page,
    unless the running per month and at the start pin it down without any total."""
    fig, worlds = _flow_readings(started, ended, running_at_end, months, start)
    most = started + ended + running_at_end + start + 6
    runs = [[m] if isinstance(m, int) else [1, 2] for m in map(report.shown, months)]
    bare = {w for begin in _options(report.shown(start), most) for w in _flows(runs, begin, most)}
    assert (started, ended, running_at_end) in worlds
    for i, value in enumerate((started, ended, running_at_end)):
        if 0 < value < report.SMALL and len({w[i] for w in bare}) >= 2:
            assert len({w[i] for w in worlds}) >= 2, (fig, started, ended, running_at_end, months, start)
    return fig


def test_the_reviews_2025_no_longer_gives_two_ended_and_two_running():
    """Review W 2: partner's 2025, its first year: 4 started in October, 2 ended (afbrudt) in
    November, 2 running at the end. "4" beside "<3" and "<3" made both 2."""
    months = [0] * 9 + [4, 4, 2]
    # October's 4 says 4 started, the fall to "<3" that 2 or more ended: ended is left out
    # (its outcomes too), and 2 or 3 of them ended, 2 or 1 still running
    assert _assert_flow_unpinned(4, 2, 2, months, 0) == (4, "–", "<3")
    # 2 started and ended in October, 2 started in November: "skjult" started frees the rest
    assert _assert_flow_unpinned(4, 2, 2, [0] * 9 + [2, 2, 2], 0) == ("skjult", "<3", "<3")


def test_without_the_flow_the_reviewer_pins_both_small_counts():
    """The reader of the test above does find the review's 2 and 2 in what was shown before."""
    most = 20
    runs = [[0]] * 9 + [[1, 2], [4], [1, 2]]
    worlds = {w for w in _flows(runs, 0, most) if w[0] == 4 and w[1] in (1, 2) and w[2] in (1, 2)}
    assert worlds == {(4, 2, 2)}


@pytest.mark.parametrize("started, ended, running_at_end, months, start", [
    (1, 1, 0, [0, "<3", 0], 0),
    (0, 0, 2, [2, 2, 2], 2),
    (3, 1, 5, [4, 5, 5], 3),
    (2, 2, 0, [1, 2, 2, 1, 0], 0),
    (6, 1, 7, [3, 5, 8], 2),
])
def test_no_flow_total_is_pinned_down(started, ended, running_at_end, months, start):
    months = [m if isinstance(m, int) else 1 for m in months]
    _assert_flow_unpinned(started, ended, running_at_end, months, start)


def test_the_reviews_2025_on_the_page_and_in_the_xlsx(app, client, make_user):
    """The review's shape through the database: the page and the XLSX no longer show 4 started
    beside "<3" ended and "<3" running."""
    partner = make_user("company", email="p@firma.dk", code_of_care=True)
    with app.app_context():
        citizen = Citizen(name="A", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                          case_start=date(2025, 1, 5), hours_available=20)
        db.session.add(citizen)
        db.session.flush()
        common = {"citizen_id": citizen.id, "company_id": partner.company_id, "kind": "smaajob", "weekly_hours": 10}
        db.session.add_all([Placement(start_date=date(2025, 10, 6), end_date=date(2025, 11, 14), end_reason="afbrudt",
                                      **common) for _ in range(2)])
        db.session.add_all([Placement(start_date=date(2025, 10, 6), **common) for _ in range(2)])
        db.session.commit()
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport?aar=2025").get_data(as_text=True).replace("&lt;", "<")

    def number(text):
        return int(text) if text.isdigit() else text

    figures = [number(re.search(rf'data-testid="total-{k}">(.*?)</td>', html).group(1))
               for k in ("started", "ended", "running")]
    assert figures == [4, "–", "<3"]
    months = [number(c) for c in re.findall(r'data-testid="month-row"><th scope="row">.*?</th><td>(.*?)</td>', html)]
    assert months == [0] * 9 + [4, 4, "<3"]
    assert 'data-testid="outcome-afbrudt"' not in html and "Der er for få afsluttede forløb i 2025 til" in html
    book = load_workbook(io.BytesIO(client.get("/partner/rapport/2025.xlsx").data))
    overview = dict(list(book["Oversigt"].iter_rows(values_only=True))[1:5])
    assert [overview["Forløb startet"], overview["Afsluttede forløb i alt"],
            overview["Forløb i gang ved periodens slut"]] == figures
    assert {row[1] for row in list(book["Udfald"].iter_rows(values_only=True))[1:] if len(row) > 1} <= {"–", None}


def test_no_flow_total_is_ever_pinned_down_property():
    """Property: any year, month by month starts and ends (with running at its start), read
    through the shown totals, the shown running per month and the running at the start."""
    from hypothesis import given, settings
    from hypothesis import strategies as st

    @settings(max_examples=60, deadline=None, derandomize=True)
    @given(st.integers(0, 4), st.lists(st.tuples(st.integers(0, 3), st.integers(0, 3)), min_size=1, max_size=4))
    def check(start, flows):
        months, carry, started, ended = [], start, 0, 0
        for starts, ends in flows:
            running = carry + starts
            ends = min(ends, running)
            months.append(running)
            carry, started, ended = running - ends, started + starts, ended + ends
        _assert_flow_unpinned(started, ended, carry, months, start)

    check()


def test_an_end_registered_ahead_is_running_not_ended_until_its_date(app, world):
    """Review AG 4: one rule with /forloeb (service.is_active): no double count, no early outcome."""
    from portal.placements import service

    with app.app_context():
        running = db.session.scalar(sa.select(Placement).where(Placement.end_date.is_(None)))
        running.end_date, running.end_reason = date(2026, 12, 20), "afbrudt"
        db.session.commit()
        company_id = world["partner"].company_id
        figures = report.build(company_id, 2026, TODAY)
        assert (figures.started, figures.ended, figures.running_at_end) == (6, 5, 1)
        assert figures.outcomes["afbrudt"] == 0 and sum(m.ended for m in figures.months) == 5
        summary = service.partner_summary(company_id, TODAY)
        assert (summary.active, summary.ended) == (1, 6)  # /forloeb agrees (its 6 ended: 5 + 2025's)
        later = report.build(company_id, 2026, date(2026, 12, 21))
        assert (later.ended, later.running_at_end, later.outcomes["afbrudt"]) == (6, 0, 1)
        assert later.months[-1].ended == 1


# --- Review AM: one rule for "ended", today's cut, provisional months, retention beside unsplit outcomes ---

def _add(app, company_id, *shapes):
    """Placements of (start, end, reason) for ``company_id``, on the world's citizen."""
    with app.app_context():
        citizen_id = db.session.scalar(sa.select(Citizen.id))
        db.session.add_all([Placement(citizen_id=citizen_id, company_id=company_id, kind="smaajob", weekly_hours=10,
                                      start_date=start, end_date=end, end_reason=reason)
                            for start, end, reason in shapes])
        db.session.commit()


def _running_at_start(app, company_id, year):
    """Counted apart from the report: placements begun before the year and not ended before it."""
    first = date(year, 1, 1)
    with app.app_context():
        return sum(1 for p in db.session.scalars(sa.select(Placement).where(Placement.company_id == company_id))
                   if p.end_reason != "aflyst" and p.start_date < first and (p.end_date is None or p.end_date >= first))


def test_a_placement_past_its_planned_end_without_a_reason_has_ended_as_on_forloeb(app, client, world):
    """Review AM 1: the planned end passed, no end registered: /forloeb/ says ended ("Ikke
    angivet"); the report dropped it from every figure but "started". Now it is ended there too."""
    from portal.placements import service

    company_id = world["partner"].company_id
    with app.app_context():
        running = db.session.scalar(sa.select(Placement).where(Placement.end_date.is_(None)))
        running.end_date = date(2026, 10, 31)
        db.session.commit()
    _add(app, company_id, (date(2026, 5, 4), date(2026, 6, 30), None), (date(2026, 5, 4), date(2026, 7, 31), None))
    with app.app_context():
        figures = report.build(company_id, 2026, TODAY)
        summary = service.partner_summary(company_id, TODAY)
    assert (figures.started, figures.ended, figures.running_at_end) == (8, 8, 0)
    assert figures.outcomes[report.NO_REASON] == 3 and figures.months[9].ended == 1
    assert summary.outcomes[report.NO_REASON] == 3 and summary.active == 0  # /forloeb/ agrees
    assert _running_at_start(app, company_id, 2026) + figures.started == figures.ended + figures.running_at_end
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport").get_data(as_text=True)
    assert 'data-testid="outcome-ikke_angivet"><td>Ikke angivet</td><td>3</td>' in html
    assert re.search(r'data-testid="total-ended">8<', html)
    book = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    assert ("Ikke angivet", 3) in list(book["Udfald"].iter_rows(values_only=True))


def test_a_placement_ending_today_without_a_reason_runs_its_last_day(app, world):
    company_id = world["partner"].company_id
    _add(app, company_id, (date(2026, 9, 1), TODAY, None))
    with app.app_context():
        figures = report.build(company_id, 2026, TODAY)
    assert (figures.started, figures.ended, figures.running_at_end) == (7, 5, 2)
    assert figures.outcomes[report.NO_REASON] == 0


def test_a_placement_planned_later_this_month_has_not_started(app, world):
    """Review AM 2: a start later this month was "started" and "i gang" before its day."""
    company_id = world["partner"].company_id
    _add(app, company_id, (date(2026, 11, 28), None, None))
    with app.app_context():
        before = report.build(company_id, 2026, TODAY)
        on_the_day = report.build(company_id, 2026, date(2026, 11, 28))
    assert (before.started, before.months[-1].started, before.months[-1].running, before.running_at_end) == (6, 0, 1, 1)
    assert (on_the_day.started, on_the_day.months[-1].running, on_the_day.running_at_end) == (7, 2, 2)


@pytest.mark.parametrize("today", [date(2026, 11, 23), date(2026, 11, 30), date(2026, 12, 6), date(2026, 12, 31),
                                   date(2027, 1, 5), date(2027, 3, 1)])
def test_the_year_adds_up(app, world, today):
    """Running at the start + started = ended + running at the end, whatever the placements'
    shapes: begun the year before, ended without a reason, an end registered ahead, an end
    today without a reason, planned later this month or next year, cancelled."""
    company_id = world["partner"].company_id
    _add(app, company_id,
         (date(2025, 11, 3), None, None), (date(2025, 12, 1), date(2026, 2, 27), None),
         (date(2025, 6, 1), date(2026, 1, 1), "afbrudt"), (date(2025, 12, 1), date(2025, 12, 31), None),
         (date(2026, 4, 1), date(2026, 8, 31), None), (date(2026, 10, 1), date(2026, 12, 20), "andet"),
         (date(2026, 11, 2), date(2026, 11, 23), None), (date(2026, 11, 28), None, None),
         (date(2026, 12, 8), date(2026, 12, 31), None), (date(2026, 12, 14), date(2026, 12, 14), "aflyst"),
         (date(2027, 1, 4), None, None))
    with app.app_context():
        figures = report.build(company_id, 2026, today)
    start = _running_at_start(app, company_id, 2026)
    assert start == 3 and start + figures.started == figures.ended + figures.running_at_end
    assert figures.started == sum(m.started for m in figures.months)
    assert figures.ended == sum(m.ended for m in figures.months) == sum(figures.outcomes.values())


def test_provisional_months_and_year_by_the_hours_deadline(app, world):
    """Review AM 4: a month is provisional until its hours deadline has passed; the year is final
    only after December's."""
    from portal.dates import hours_due

    company_id = world["partner"].company_id
    with app.app_context():
        cases = {day: report.build(company_id, 2026, day)
                 for day in (date(2026, 11, 30), date(2026, 12, 6), date(2026, 12, 31), date(2027, 1, 5))}
    november, december = date(2026, 11, 1), date(2026, 12, 1)
    last_day = cases[date(2026, 11, 30)]
    assert last_day.current == november and last_day.partial and not last_day.final  # its last day is in progress
    assert [m.month for m in last_day.provisional_months] == [november]
    assert last_day.finished_months[-1].month == date(2026, 10, 1)
    sixth = cases[date(2026, 12, 6)]
    assert [m.month for m in sixth.provisional_months] == [november, december]
    assert sixth.months[10].open_until == hours_due(november) and sixth.current == december
    new_year = cases[date(2026, 12, 31)]
    assert new_year.partial and new_year.current == december and not new_year.final
    january = cases[date(2027, 1, 5)]
    assert not january.partial and not january.final and january.current is None
    assert [m.month for m in january.provisional_months] == [december]
    assert january.final_after == hours_due(december) and len(january.finished_months) == 11
    with app.app_context():
        after = report.build(company_id, 2026, hours_due(december) + (date(2026, 1, 2) - date(2026, 1, 1)))
    assert after.final and not after.provisional_months and len(after.finished_months) == 12


def _chart_labels(html, key):
    import json

    chart = re.search(rf"data-testid=\"chart-{key}\" data-chart='(.*?)'", html).group(1)
    return json.loads(chart.replace("&#34;", '"'))["labels"]


def test_page_and_xlsx_mark_december_provisional_on_5_january(app, client, world):
    """05.01.2027: December's hours are still due. The page and the XLSX say the year is
    provisional, mark December, and the chart ends in November; ?aar defaults to 2026."""
    from portal.dates import hours_due
    from portal.i18n import format_date
    from tests.clock import travel

    due = format_date(hours_due(date(2026, 12, 1)))
    with travel(date(2027, 1, 5)):
        AuthActions(client).switch_to("p@firma.dk")
        html = client.get("/partner/rapport").get_data(as_text=True)
        book = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    assert "Code of Care-rapport 2026" in html and "året er ikke slut" not in html
    assert f"foreløbig: timerne for december 2026 kan registreres til og med {due}" in html
    assert f"december 2026 (foreløbig: timer kan registreres til og med {due})" in html
    assert 'data-testid="months-provisional"' in html and 'data-testid="month-in-progress"' not in html
    assert _chart_labels(html, "hours")[-1] == "nov. 2026" or len(_chart_labels(html, "hours")) == 11
    overview = dict(row[:2] for row in book["Oversigt"].iter_rows(values_only=True) if row[0])
    assert overview["År"] == f"2026 (foreløbig: timerne for december 2026 kan registreres til og med {due})"
    hours = [row[0] for row in book["Timer pr. måned"].iter_rows(values_only=True)]
    assert hours[-1] == f"december 2026 (foreløbig: timer kan registreres til og med {due})"
    assert hours[-2] == "november 2026"


def test_page_on_6_december_holds_november_out_of_the_charts(client, world):
    from portal.dates import hours_due
    from portal.i18n import format_date
    from tests.clock import travel

    with travel(date(2026, 12, 6)):
        AuthActions(client).switch_to("p@firma.dk")
        html = client.get("/partner/rapport").get_data(as_text=True)
        book = load_workbook(io.BytesIO(client.get("/partner/rapport/2026.xlsx").data))
    due = format_date(hours_due(date(2026, 11, 1)))
    assert f"november 2026 (foreløbig: timer kan registreres til og med {due})" in html
    assert "december 2026 (i gang)" in html and len(_chart_labels(html, "placements")) == 10
    months = [row[0] for row in book["Forløb pr. måned"].iter_rows(values_only=True)]
    assert months[-2:] == [f"november 2026 (foreløbig: timer kan registreres til og med {due})",
                           "december 2026 (i gang)"]
    assert dict(row[:2] for row in book["Oversigt"].iter_rows(values_only=True) if row[0])["År"] == \
        "2026 (året er ikke slut)"


@pytest.mark.parametrize("day, in_progress", [(date(2026, 11, 30), "november 2026"), (date(2026, 12, 31), "december 2026")])
def test_the_last_day_of_a_month_or_year_is_still_in_progress(client, world, day, in_progress):
    from tests.clock import travel

    with travel(day):
        AuthActions(client).switch_to("p@firma.dk")
        html = client.get("/partner/rapport").get_data(as_text=True)
    assert f"{in_progress} (i gang)" in html and "året er ikke slut" in html
    assert len(_chart_labels(html, "hours")) == day.month - 1  # the month before's deadline has passed


@pytest.mark.parametrize("total", [1, 2])
def test_retention_rows_give_nothing_away_beside_unsplit_outcomes(total):
    """Review AM 8: 1–2 ended, outcomes "–": the retention rows showed 0 when none went to a job
    and "–" when one did. Now they read "–" either way, and no reader can tell the job sum."""
    shown_rows = set()
    for in_job in range(total + 1):
        counts = {"ordinaert_job": in_job, "fleksjob": 0, "uddannelse": 0, "afbrudt": total - in_job,
                  "forloeb_slut": 0, "andet": 0}
        outcomes, retention, shown_total = report.shown_counts(counts, [(0, 0, in_job), (0, 0, in_job)])
        assert set(outcomes.values()) == {report.UNSPLIT} and shown_total == report.SUPPRESSED
        shown_rows.add(tuple(retention))
        worlds = list(_readings(outcomes, retention, shown_total))
        assert {sum(w[k] for k in JOB) for w, _ in worlds} == {0, 1, 2}  # the job sum stays unknown
    assert shown_rows == {((report.UNSPLIT,) * 3,) * 2}


def test_retention_is_unsplit_on_the_page_for_a_year_with_one_ending(client, world):
    AuthActions(client).switch_to("p@firma.dk")
    html = client.get("/partner/rapport?aar=2025").get_data(as_text=True)
    for months in (3, 6):
        row = re.search(rf'data-testid="retention-{months}">(.*?)</tr>', html, re.S).group(1)
        assert [c.strip() for c in re.findall(r"<td>(.*?)</td>", row)] == ["–"] * 4


def test_a_control_character_stored_in_the_company_name_does_not_break_the_xlsx(app, client, world):
    # Stored before the forms refused it (review AO 1's second line, for the partner's own workbook).
    from store.models import Company, User

    with app.app_context():
        user = db.session.scalar(sa.select(User).where(User.email == "p@firma.dk"))
        db.session.get(Company, user.company_id).name = "Firma\x00 A/S\x01"
        db.session.commit()
    AuthActions(client).switch_to("p@firma.dk")
    response = client.get("/partner/rapport/2026.xlsx")
    assert response.status_code == 200
    assert load_workbook(io.BytesIO(response.data))["Oversigt"]["B1"].value == "Firma A/S"
