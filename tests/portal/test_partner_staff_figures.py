"""/partner/partnere reads its figures with aggregate statements grouped by company, so its
statements do not grow with the number of partners (review: each partner's whole report was
built, plus a few counts, per partner). Every figure is the one the per-partner way gave: the
reference below is that code, run beside the new one on many partners and days."""
from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from portal.dates import add_months, month_start
from portal.extensions import db
from portal.partners import report, staff
from portal.placements import monthly
from portal.placements.service import active_clause, not_cancelled_clause
from store.models import Citizen, Company, HotlineRequest, HoursLog, Placement, User
from store.models.vocab import SUCCESS_END_REASONS
from tests.clock import TODAY
from tests.sql_statements import statements

pytestmark = pytest.mark.usefixtures("frozen_today")

REASONS = (None, None, None, "ordinaert_job", "fleksjob", "uddannelse", "afbrudt", "forloeb_slut", "andet", "aflyst")
# Days around the edges: today, the first and last day of a year, a month's first, and days
# some placements below start or end on (an end on the day itself, registered or not).
DAYS = (TODAY, date(2026, 1, 1), date(2026, 12, 31), date(2027, 1, 1), date(2026, 12, 1), date(2026, 2, 28),
        date(2026, 6, 15), date(2025, 12, 31))


def reference_rows(today: date) -> list[tuple]:
    """The figures as the list computed them before, one partner at a time (kept verbatim)."""
    companies = db.session.scalars(sa.select(Company).where(Company.code_of_care.is_(True))
                                   .order_by(Company.name, Company.id))
    last_month = add_months(month_start(today), -1)
    missing = monthly.missing_hours(last_month)
    hotline = dict(db.session.execute(sa.select(HotlineRequest.company_id, sa.func.count())
                                      .where(HotlineRequest.status == "open").group_by(HotlineRequest.company_id)).all())
    rows = []
    for company in companies:
        figures = report.build(company.id, today.year, today)
        running, planned = (db.session.scalar(
            sa.select(sa.func.count()).select_from(Placement)
            .where(Placement.company_id == company.id, active_clause(today), not_cancelled_clause(), condition))
            for condition in (Placement.start_date <= today, Placement.start_date > today))
        hours = db.session.scalar(sa.select(sa.func.sum(HoursLog.hours)).join(Placement)
                                  .where(Placement.company_id == company.id, HoursLog.month == last_month,
                                         not_cancelled_clause()))
        moved_on = sum(count for key, count in figures.outcomes.items() if key in SUCCESS_END_REASONS)
        rows.append((company.id, running, planned, figures.started, figures.ended, moved_on,
                     Decimal(hours) if hours is not None else Decimal(0), missing[company.id],
                     hotline.get(company.id, 0)))
    return rows


def _figures(rows: list[staff.PartnerRow]) -> list[tuple]:
    return [(r.company.id, r.running, r.planned, r.started, r.ended, r.moved_on, r.last_month_hours,
             r.missing_hours, r.open_hotline) for r in rows]


def add_partners(count: int, seed: int = 3, placements: int = 40) -> list[int]:
    """``count`` partners (and a company that is none) with placements of every kind of period and
    end (ended, ending today with and without a reason, ended ahead, cancelled, planned, running
    for years), hours for some months and hotline requests in each status; their ids."""
    rng = random.Random(seed)
    citizen = Citizen(name="Borger Tal", postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                      case_start=date(2024, 1, 5), hours_available=20)
    db.session.add(citizen)
    ids = []
    first_id = db.session.scalar(sa.select(sa.func.count()).select_from(Company)) or 0
    for n in range(count + 1):
        company = Company(name=f"Partner {n:02d}", cvr=f"{30000000 + first_id + n}", postcode="8722",
                          code_of_care=n < count)
        db.session.add(company)
        db.session.flush()
        if n < count:
            ids.append(company.id)
        for _ in range(rng.randrange(placements)):
            start = date(2025, 6, 1) + timedelta(days=rng.randrange(600))
            day = rng.choice(DAYS)
            end = rng.choice((None, start + timedelta(days=rng.randrange(400)), max(day, start),
                              max(day - timedelta(days=1), start)))
            reason = rng.choice(REASONS) if end is not None else rng.choice((None, None, "aflyst"))
            if reason == "aflyst":
                end = end or start
            placement = Placement(citizen_id=citizen.id, company_id=company.id, kind="smaajob", start_date=start,
                                  end_date=end, end_reason=reason, weekly_hours=10)
            db.session.add(placement)
            db.session.flush()
            month = month_start(start)
            while month <= month_start(end or date(2027, 3, 1)):
                if rng.random() < 0.6:
                    db.session.add(HoursLog(placement_id=placement.id, month=month,
                                            hours=Decimal(rng.randrange(1, 16000)) / 100))
                month = add_months(month, 1)
        created = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        user = User(email=f"kontakt{company.id}@partner.dk", name="Kontakt", role="company", password_hash="x",
                    phone="", company_id=company.id)
        db.session.add(user)
        db.session.flush()
        db.session.add_all([HotlineRequest(company_id=company.id, category="andet", urgency="normal", subject="Emne",
                                           status=rng.choice(("open", "answered", "closed")), created_at=created,
                                           due_at=created + timedelta(days=3), created_by_id=user.id)
                            for _ in range(rng.randrange(4))])
    db.session.commit()
    return ids


def test_every_figure_is_the_one_the_per_partner_way_gave(app):
    with app.app_context():
        ids = add_partners(12)
        for day in DAYS:
            new = _figures(staff.partner_rows(day))
            assert [row[0] for row in new] == ids  # every partner, by name, the other company left out
            assert new == reference_rows(day), day
        # the fixtures reach every figure (the test compares more than zeros)
        columns = list(zip(*(_figures(staff.partner_rows(TODAY)) + _figures(staff.partner_rows(date(2026, 6, 15))))))
        assert all(any(value for value in column) for column in columns[1:])


def _page_statements(app, client) -> tuple[int, list[str]]:
    """The partner rows /partner/partnere shows and the statements it ran."""
    with statements(app) as seen:
        html = client.get("/partner/partnere").get_data(as_text=True)
    return html.count('data-testid="partner-row-'), list(seen)


def test_the_pages_statements_do_not_grow_with_the_partners(app, client, auth, make_user):
    """As many statements for 1 partner as for 3 and for 15 (each with placements, hours and
    hotline requests): the user, the session, the partners and their figures, grouped."""
    make_user("consultant", email="vk@jc.dk")
    auth.login("vk@jc.dk")
    counts = []
    for more in (1, 2, 12):
        with app.app_context():
            add_partners(more, seed=more, placements=12)
        shown, seen = _page_statements(app, client)
        counts.append((shown, len(seen)))
    assert [shown for shown, _ in counts] == [1, 3, 15]
    assert len({n for _, n in counts}) == 1, counts


@pytest.mark.parametrize(("end", "reason", "running", "ended"), [
    (TODAY, None, 1, 0),  # its last day, no end registered: »Slutter i dag«, still running
    (TODAY, "ordinaert_job", 0, 1),  # its end registered and come: ended
    (TODAY - timedelta(days=1), None, 0, 1),  # the end date passed without a reason: ended
    (TODAY + timedelta(days=3), "afbrudt", 1, 0),  # an end registered ahead: running until that day
])
def test_running_and_ended_follow_the_one_rule_active_clause(app, end, reason, running, ended):
    """Review BN 2: the list's »ended« is »no longer active« (placements.service.active_clause,
    is_active), not a hand-written copy; on a placement's last day without an end reason it is running."""
    from portal.placements.service import is_active

    with app.app_context():
        citizen = Citizen(name="Borger Sidste", postcode="8722", benefit_group="kontanthjaelp",
                          readiness_group="i_gang", case_start=date(2024, 1, 5), hours_available=20)
        company = Company(name="Partner Sidste", cvr="39999999", postcode="8722", code_of_care=True)
        db.session.add_all([citizen, company])
        db.session.flush()
        placement = Placement(citizen_id=citizen.id, company_id=company.id, kind="smaajob",
                              start_date=date(TODAY.year, 1, 2), end_date=end, end_reason=reason, weekly_hours=10)
        db.session.add(placement)
        db.session.commit()
        counts = staff._placement_counts(sa.select(Company.id).where(Company.id == company.id), TODAY)
        assert counts[company.id][0] == running == int(is_active(placement, TODAY))
        assert counts[company.id][3] == ended
