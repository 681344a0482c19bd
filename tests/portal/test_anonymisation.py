"""Review AU 4: retention anonymises for real. What stays is what the figures count; the days,
VKs and contacts with companies are kept only while a figure can still read them, and a case
with a placement still running is held back."""
from __future__ import annotations

from datetime import date, datetime, timedelta, timezone
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal.dashboard.facts import Scope, load_facts
from portal.dashboard.forms import MONTHS_BACK, month_choices
from portal.dashboard.metrics import compute_all, window_start
from portal.dashboard.savings import compute_savings
from portal.dates import add_months, month_end
from portal.extensions import db
from portal.privacy.coarsening import FIGURES_REACH_MONTHS, reach_start
from portal.privacy.retention import anonymise_expired, running_kept
from portal.privacy.scrubbing import ANONYMOUS_NAME
from store.models import (CaseClosure, Citizen, Company, Consent, Interview, JobGoal, Opening, Placement,
                          PlacementEvent, PriorWageHours, Proposal, SuccessStory, Team, VkChange)

TODAY = date(2026, 11, 23)


@pytest.fixture
def uploads(app) -> Path:
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def _case(make_user, closed: date, *, placement_end: date | None = date(2025, 3, 20)) -> dict:
    """A closed case with a profile, a VK and adviser, a reopened closing, an earlier VK, a
    placement with a follow-up, a proposal with a consent and a booked interview, and a story."""
    vk, adviser = make_user("consultant"), make_user("consultant")
    company_user = make_user("company")
    team = db.session.scalar(sa.select(Team.id))
    citizen = Citizen(name="Tigist Haile", phone="12345678", email="t@mail.dk", postcode="8722",
                      benefit_group="integrationsydelse", hours_available=25, max_commute_km=30,
                      driving_licences=["B"], languages="tigrinya, dansk", readiness_group="paa_spring",
                      case_start=date(2023, 4, 17), case_closed=closed, case_close_reason="ordinaert_job",
                      prior_company_placement_end=date(2022, 11, 23), vk_id=vk.id, adviser_id=adviser.id, team_id=team)
    citizen.job_goals.append(JobGoal(title="Tjener"))
    citizen.prior_wage_hours.append(PriorWageHours(month=date(2023, 3, 1), hours=42,
                                                   imported_at=datetime(2024, 1, 5, tzinfo=timezone.utc)))
    db.session.add(citizen)
    db.session.flush()
    citizen.vk_id = adviser.id  # an earlier VK (VkChange)
    db.session.add(CaseClosure(citizen_id=citizen.id, closed_on=date(2024, 2, 9), reopened_on=date(2024, 3, 14)))
    company = db.session.get(Company, company_user.company_id)
    company.code_of_care = True
    opening = Opening(company=company, kind="smaajob", title="Tjener", description="Servering",
                      postcode="8722", hours_min=5, hours_max=10, status="filled")
    proposal = Proposal(citizen_id=citizen.id, opening=opening, status="disclosed",
                        disclosed_at=datetime(2025, 1, 3, 9, tzinfo=timezone.utc), company_response="hired",
                        company_responded_at=datetime(2025, 1, 6, 9, tzinfo=timezone.utc))
    proposal.consents.append(Consent(text_version="v1", channel="brev", deadline=date(2025, 6, 1),
                                     recorded_by_id=vk.id))
    db.session.add(proposal)
    db.session.flush()
    db.session.add(Interview(proposal_id=proposal.id, starts_at=datetime(2025, 1, 5, 9, tzinfo=timezone.utc),
                             location="Caféen, Søndergade 4", offered_by="company", status="booked",
                             uid="au4-interview@jobbro"))
    placement = Placement(citizen_id=citizen.id, company=company, opening=opening, kind="smaajob",
                          start_date=date(2025, 1, 13), end_date=placement_end,
                          end_reason="ordinaert_job" if placement_end else None, weekly_hours=10)
    placement.events.append(PlacementEvent(kind="followup", note="Godt i gang"))
    db.session.add(placement)
    db.session.flush()
    db.session.add(SuccessStory(title="Tjener: fra småjob til fast stilling", text="En god historie.",
                                company=company, placement=placement, kind="smaajob", status="published",
                                author_id=vk.id, consent_confirmed=True))
    db.session.commit()
    return {"citizen": citizen.id, "placement": placement.id, "proposal": proposal.id, "team": team}


def test_anonymisation_keeps_only_what_the_figures_count(app, uploads, make_user):
    """Closed within the figures' reach: the profile goes at once, the days and contacts stay."""
    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14))
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
        citizen = db.session.get(Citizen, ids["citizen"])
        assert (citizen.name, citizen.phone, citizen.email, citizen.postcode) == (ANONYMOUS_NAME, "", "", "")
        assert (citizen.languages, citizen.driving_licences, citizen.hours_available, citizen.max_commute_km) == (
            "", [], 0, 0)
        assert citizen.job_goals == [] and citizen.readiness_group == "i_gang"
        # The case system's wage hours: only an open case's focus goal counts them (review BT 2).
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PriorWageHours)) == 0
        # Kept: what the figures count.
        assert (citizen.benefit_group, citizen.case_close_reason, citizen.team_id) == (
            "integrationsydelse", "ordinaert_job", ids["team"])
        # Still inside /maal's reach: the exact days, the VKs and the contacts stay for the goals.
        assert (citizen.case_start, citizen.case_closed) == (date(2023, 4, 17), date(2025, 5, 14))
        assert citizen.vk_id is not None and db.session.get(Proposal, ids["proposal"]) is not None
        interview = db.session.scalar(sa.select(Interview))
        assert interview.location == "" and interview.status == "booked"
        assert db.session.scalar(sa.select(SuccessStory.status)) == "withdrawn"


def test_wage_hours_imported_for_a_case_anonymised_before_are_dropped_by_the_next_run(app, uploads, make_user):
    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14))
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.add(PriorWageHours(citizen_id=ids["citizen"], month=date(2023, 4, 1), hours=10,
                                      imported_at=datetime(2024, 1, 5, tzinfo=timezone.utc)))
        db.session.commit()  # as a case anonymised before review BT 2 kept them
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 0
        db.session.commit()
        assert db.session.scalar(sa.select(sa.func.count()).select_from(PriorWageHours)) == 0


def test_a_case_wholly_before_the_reach_is_coarsened_to_months(app, uploads, make_user):
    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14))
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
        later = date(2028, 6, 20)  # the reach starts 1 June 2025: the whole case lies before it
        assert reach_start(later) == date(2025, 6, 1)
        assert anonymise_expired(db.session, today=later, retention_days=365) == 0
        db.session.commit()
        citizen = db.session.get(Citizen, ids["citizen"])
        assert (citizen.case_start, citizen.case_closed) == (date(2023, 4, 1), date(2025, 5, 1))
        assert citizen.prior_company_placement_end == date(2022, 11, 1)
        assert (citizen.vk_id, citizen.adviser_id) == (None, None) and citizen.team_id == ids["team"]
        placement = db.session.get(Placement, ids["placement"])
        assert (placement.start_date, placement.end_date) == (date(2025, 1, 1), date(2025, 3, 1))
        assert (placement.company_id, placement.kind, placement.end_reason) == (
            placement.company_id, "smaajob", "ordinaert_job")
        for table in (Proposal, Consent, Interview, VkChange, CaseClosure, PlacementEvent):
            assert db.session.scalar(sa.select(sa.func.count()).select_from(table)) == 0, table
        # Nothing left to do: the next run touches nothing.
        from portal.privacy.coarsening import coarsen_out_of_reach
        assert coarsen_out_of_reach(db.session, today=later) == 0


def test_a_case_with_a_running_placement_is_held_back(app, uploads, make_user):
    """An open-ended småjob whose company still reports hours holds the closed case back."""
    from store.models import HoursLog

    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14), placement_end=None)
        db.session.add(HoursLog(placement_id=ids["placement"], month=date(2026, 10, 1), hours=12))
        db.session.commit()
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 0
        assert running_kept(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
        assert db.session.get(Citizen, ids["citizen"]).name == "Tigist Haile"
        # ended: the next run anonymises it
        placement = db.session.get(Placement, ids["placement"])
        placement.end_date, placement.end_reason = date(2025, 6, 30), "ordinaert_job"
        db.session.commit()
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1


@pytest.mark.parametrize("kind, end, hours_month, held", [
    ("smaajob", None, date(2026, 9, 1), True),  # open-ended, hours for the month two before this one
    ("smaajob", None, date(2026, 8, 1), False),  # the company stopped reporting hours
    ("virksomhedspraktik", None, None, False),  # never any hours
    ("ordinaert", None, date(2026, 11, 1), False),  # hired into an ordinary job: employment, not a measure
    ("fleksjob", None, date(2026, 11, 1), False),
    ("loentilskud", date(2026, 12, 31), None, True),  # within its planned end
    ("loentilskud", TODAY, None, True),  # its last day
    ("virksomhedspraktik", date(2026, 3, 31), date(2026, 11, 1), False),  # planned end long past
])
def test_what_holds_a_closed_case_back(app, uploads, make_user, kind, end, hours_month, held):
    """Review Extra B: only a placement the job centre still follows holds the case back: one
    within its end day, or an open-ended one whose company still reports hours that is no
    ordinary job or fleksjob."""
    from store.models import HoursLog

    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14), placement_end=None)
        placement = db.session.get(Placement, ids["placement"])
        placement.kind, placement.end_date = kind, end
        if hours_month:
            db.session.add(HoursLog(placement_id=placement.id, month=hours_month, hours=12))
        db.session.commit()
        assert running_kept(db.session, today=TODAY, retention_days=365) == int(held)
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == int(not held)


def test_the_reach_covers_every_day_maal_reads():
    """The oldest day /maal reads: the oldest month it offers, its 12-month trend, and the 12
    months a goal counts back from the trend's first day."""
    for today in (date(2026, 11, 23), date(2028, 2, 29), date(2027, 1, 1), date(2026, 12, 31)):
        oldest_month = add_months(today.replace(day=1), -(MONTHS_BACK - 1))
        oldest_day = window_start(month_end(add_months(oldest_month, -11)))
        assert reach_start(today) <= oldest_day.replace(day=1) - timedelta(days=1)
    assert FIGURES_REACH_MONTHS >= (MONTHS_BACK - 1) + 11 + 12 + 1


def _figures(session, today: date) -> dict:
    """Every figure /maal can show on ``today`` (every month offered, scope all and per team),
    with the savings, and every Code of Care report of every year."""
    from portal.partners import report

    out = {}
    teams = list(session.scalars(sa.select(Team.id)))
    for scope in [Scope()] + [Scope("team", team_id=t) for t in teams]:
        facts = load_facts(session, scope)
        for key in month_choices(today):
            first = date(int(key[:4]), int(key[5:]), 1)
            for back in range(12):
                month = add_months(first, -back)
                day = today if month_end(month) >= today else month_end(month)
                out[(scope, key, back)] = [(m.key, m.value, m.numerator, m.denominator)
                                           for m in compute_all(facts, day)]
            savings = compute_savings(facts, today if month_end(first) >= today else month_end(first))
            out[(scope, key, "savings")] = (savings.total, savings.counted, savings.left_out,
                                            [(r.benefit_group, r.citizens, r.weeks) for r in savings.rows])
    for company_id in session.scalars(sa.select(Company.id).where(Company.code_of_care.is_(True))):
        for year in report.years_available(company_id, today):
            built = report.build(company_id, year, today)
            out[("partner", company_id, year)] = (
                [(m.month, m.started, m.running, m.ended, m.hours) for m in built.months], built.outcomes,
                [(r.months, r.employed, r.known) for r in built.retention], built.running_at_end)
    return out


def test_maal_and_the_partner_reports_are_the_same_after_anonymising_old_cases(app, uploads):
    """The demo's cases, five years on: retention anonymises the ones closed more than
    RETENTION_DAYS ago and coarsens them; no figure /maal or a Code of Care report shows moves."""
    from portal.demo.loader import load_demo

    demo_day = date(2026, 11, 23)
    with app.app_context():
        load_demo(db.session, demo_day, citizen_count=150)
        later = demo_day + timedelta(days=app.config["RETENTION_DAYS"] + 200)
        before = _figures(db.session, later)
        starts_before = dict(db.session.execute(sa.select(Placement.id, Placement.start_date)).all())
        count = anonymise_expired(db.session, today=later, retention_days=app.config["RETENTION_DAYS"])
        db.session.commit()
        assert count > 0
        starts_after = dict(db.session.execute(sa.select(Placement.id, Placement.start_date)).all())
        assert any(starts_after[p] != starts_before[p] for p in starts_before)  # some days did move
        assert _figures(db.session, later) == before
        from portal.privacy.coarsening import coarsen_out_of_reach
        assert coarsen_out_of_reach(db.session, today=later) == 0  # nothing selected twice


def test_retention_prunes_old_notifications_and_sent_mails(app, runner, make_user):
    """Review AU 8: a notice older than NOTIFICATION_RETENTION_DAYS and a mail sent longer ago
    than MAIL_RETENTION_DAYS go; newer ones, and mails waiting, stay. A mail given up goes once it
    was made longer ago than MAIL_RETENTION_DAYS (review AW 6), a newer one stays."""
    from store.clock import utcnow
    from store.models import MailMessage, Notification

    user = make_user("consultant")
    now = utcnow()
    with app.app_context():
        days = app.config["NOTIFICATION_RETENTION_DAYS"], app.config["MAIL_RETENTION_DAYS"]
        assert days == (365, 90)
        old_notice, new_notice = now - timedelta(days=366), now - timedelta(days=364)
        db.session.add_all([
            Notification(user_id=user.id, kind="company_answered", text="Firma svarede om Tigist Haile",
                         created_at=old_notice, read_at=old_notice),
            Notification(user_id=user.id, kind="company_answered", text="ny", created_at=new_notice)])
        for status, sent, made in (("sent", now - timedelta(days=91), 200), ("sent", now - timedelta(days=89), 200),
                                   ("pending", None, 200), ("failed", None, 91), ("failed", None, 89)):
            db.session.add(MailMessage(user_id=user.id, to_address="vk@jc.dk", kind="company_answered",
                                       subject=f"{status} om Tigist Haile", status=status, sent_at=sent,
                                       created_at=now - timedelta(days=made)))
        db.session.commit()
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "1 old notifications removed; 2 old sent or failed mails removed" in result.output
    with app.app_context():
        assert list(db.session.scalars(sa.select(Notification.text))) == ["ny"]
        left = db.session.execute(sa.select(MailMessage.status, MailMessage.created_at).order_by(MailMessage.id)).all()
        assert [status for status, _ in left] == ["sent", "pending", "failed"]
        assert left[2][1] > now - timedelta(days=90)  # the newer given-up mail


def test_the_privacy_notice_says_what_anonymisation_keeps_and_the_periods(app, client):
    app.config.update(NOTIFICATION_RETENTION_DAYS=730, MAIL_RETENTION_DAYS=30)
    page = client.get("/om/privatliv").get_data(as_text=True)
    assert "kun tal til statistik" not in page  # review AU 4: it was not true
    assert "først når jobcentret ikke længere følger et forløb i en virksomhed" in page  # review Extra B
    assert "Et ordinært job eller et fleksjob uden slutdato, som borgeren er ansat i, holder ikke sagen tilbage" in page
    assert "ydelsesgruppe, sagens start- og slutmåned" in page and "mindre end 3 år tilbage" in page
    assert "Beskeder i Jobbro slettes, når de er <strong>2 år</strong> gamle" in page
    assert "sendt for <strong>30 dage</strong> siden" in page
    assert "en mail, der ikke kunne sendes, slettes, når den blev lavet for <strong>30 dage</strong> siden" in page


def test_anonymising_and_coarsening_run_on_postgresql(app, postgres_url, uploads):
    """The day-of-month test and the deletes are SQL: the same on PostgreSQL as on SQLite."""
    from portal import create_app
    from portal.demo.loader import load_demo
    from portal.privacy.coarsening import coarsen_out_of_reach
    from tests.postgres_server import fresh_database

    pg_app = create_app({"TESTING": True, "SECRET_KEY": "t", "PSEUDONYM_KEY": "p", "UPLOAD_FOLDER": str(uploads),
                         "DATABASE_URL": fresh_database(postgres_url, "t_anonymisation")})
    with pg_app.app_context():
        db.create_all()
    try:
        with pg_app.app_context():
            demo_day = date(2026, 11, 23)
            load_demo(db.session, demo_day, citizen_count=60)
            later = demo_day + timedelta(days=pg_app.config["RETENTION_DAYS"] + 200)
            assert anonymise_expired(db.session, today=later,
                                     retention_days=pg_app.config["RETENTION_DAYS"]) > 0
            db.session.commit()
            # A case with a placement still open (an ordinary job it was closed into: anonymised since
            # review Extra B) reaches into the figures' reach and keeps its days until that ends.
            open_ended = sa.exists().where(Placement.citizen_id == Citizen.id, Placement.end_date.is_(None))
            anonymised = db.session.execute(sa.select(Citizen.case_start, Citizen.case_closed, Citizen.vk_id).where(
                Citizen.anonymised_at.is_not(None), ~open_ended)).all()
            assert anonymised and all(s.day == 1 and c.day == 1 and vk is None for s, c, vk in anonymised)
            assert coarsen_out_of_reach(db.session, today=later) == 0
    finally:
        with pg_app.app_context():
            db.session.remove()
            db.engine.dispose()


def test_an_anonymised_citizens_open_ended_job_is_never_asked_for_hours(app, uploads, make_user):
    """Review Extra B let a closed case with an open-ended ordinary job be anonymised. The job
    still runs as the company's employment, but its hours are never asked for again: no
    reminder, no count on the company's start page or the partners' overview, no row on the
    month's hours page (nor its payroll file), no month on its own page or in the API, not on
    the staff's follow-up or missing hours lists. What was logged stays: every /maal figure and
    Code of Care report is the same."""
    from portal.placements import followup, hours_reminder, monthly, service
    from store.models import HoursLog, Notification, User

    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14), placement_end=None)
        placement = db.session.get(Placement, ids["placement"])
        placement.kind = "ordinaert"
        db.session.add(HoursLog(placement_id=placement.id, month=date(2026, 9, 1), hours=120))
        db.session.commit()
        company_id, october = placement.company_id, date(2026, 10, 1)
        admin = User(email="admin-x@jc.dk", name="Admin", role="admin", password_hash="x")
        db.session.add(admin)
        db.session.commit()

        def asked() -> dict:
            db.session.expire_all()
            placement = db.session.get(Placement, ids["placement"])
            return {
                "missing": sum(c[company_id] for c in monthly.missing_by_month(monthly.asked_months(TODAY)).values()),
                "page": [p.id for p in monthly.placements_in(company_id, october, TODAY)],
                "months": service.allowed_months(placement, TODAY),
                "missing_list": [r.placement.id for r in followup.list_followups(
                    admin, "all", TODAY, company_id=company_id, missing_hours=True)],
                "followups": [r.placement.id for r in followup.list_followups(admin, "all", TODAY)],
            }

        before = asked()
        assert before["missing"] == 11 and before["page"] == [ids["placement"]]  # the year but September
        assert october in before["months"] and before["missing_list"] == [ids["placement"]]
        assert before["followups"] == [ids["placement"]]
        db.session.expire_all()
        figures = _figures(db.session, TODAY)
        assert figures[("partner", company_id, 2026)][0][8][4] == 120  # September's hours are counted
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
        assert asked() == {"missing": 0, "page": [], "months": [], "missing_list": [], "followups": []}
        assert hours_reminder.run(TODAY).placements == 0
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Notification).where(
            Notification.kind == "hours_missing")) == 0
        assert db.session.scalar(sa.select(HoursLog.hours).where(HoursLog.placement_id == ids["placement"])) == 120
        assert _figures(db.session, TODAY) == figures


def test_the_company_is_not_asked_for_an_anonymised_citizens_hours_on_its_pages(
        app, client, auth, uploads, make_user, frozen_today):
    """The company's pages: the placement's page says its hours are no longer asked for and
    takes none (the API reads the same service.allowed_months, empty: the test above), the
    month's hours page and the start page leave it out."""
    from store.models import HoursLog, User

    with app.app_context():
        ids = _case(make_user, closed=date(2025, 5, 14), placement_end=None)
        placement = db.session.get(Placement, ids["placement"])
        placement.kind = "ordinaert"
        db.session.add(HoursLog(placement_id=placement.id, month=date(2026, 9, 1), hours=120))
        email = db.session.scalar(sa.select(User.email).where(User.company_id == placement.company_id))
        db.session.commit()
    auth.login(email)
    page = client.get(f"/forloeb/{ids['placement']}").get_data(as_text=True)
    assert 'data-testid="hours-form"' in page and "Timerne for november 2026 mangler" in page
    assert f'name="timer-{ids["placement"]}"' in client.get("/forloeb/timer?maaned=2026-10").get_data(as_text=True)
    assert "/forloeb/timer?maaned=2026-10" in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert anonymise_expired(db.session, today=TODAY, retention_days=365) == 1
        db.session.commit()
    page = client.get(f"/forloeb/{ids['placement']}").get_data(as_text=True)
    assert 'data-testid="hours-form"' not in page and 'data-testid="anonymised"' in page
    assert "mangler" not in page and "120" in page  # the hours logged are still shown
    refused = client.post(f"/forloeb/{ids['placement']}/timer", data={
        "csrf_token": auth.csrf_token(f"/forloeb/{ids['placement']}"), "month": "2026-10", "hours": "100"})
    assert refused.status_code == 400
    assert f'name="timer-{ids["placement"]}"' not in client.get("/forloeb/timer?maaned=2026-10").get_data(
        as_text=True)
    assert "/forloeb/timer?maaned=2026-10" not in client.get("/").get_data(as_text=True)
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(HoursLog).where(
            HoursLog.placement_id == ids["placement"])) == 1


def test_the_art_15_export_names_the_day_retention_anonymises_the_case(app, uploads, make_user):
    """Review BN 5: the export's »Anonymiseres« is the first day retention anonymises the case
    (retention.anonymised_on), not the day before it."""
    from portal.admin import access_export
    from portal.privacy.retention import anonymised_on

    closed = date(2025, 5, 14)
    with app.test_request_context():
        ids = _case(make_user, closed=closed)
        citizen = db.session.get(Citizen, ids["citizen"])
        sections = access_export.gather(citizen, retention_days=365, made_by="Test", organisation="Jobcentret")
        said = next(s for s in sections if s["id"] == "opbevaring")["indhold"]["Anonymiseres"]
        assert said == anonymised_on(closed, 365) == date(2026, 5, 15)
        assert anonymise_expired(db.session, today=said - timedelta(days=1), retention_days=365) == 0
        assert anonymise_expired(db.session, today=said, retention_days=365) == 1


def test_retention_and_the_stories_read_one_set_of_employment_kinds():
    """Review BN 5: what retention treats as employment (an open-ended one holds nothing back)
    is what a story shows as »Job«: one set, of kinds the vocabulary knows."""
    from portal.privacy import retention
    from portal.stories import shown
    from store.models import vocab

    assert retention.EMPLOYMENT_KINDS is shown.JOB_KINDS is vocab.EMPLOYMENT_KINDS
    assert set(vocab.EMPLOYMENT_KINDS) <= set(vocab.OPENING_KINDS)
    assert {shown.kind_label(kind) for kind in vocab.EMPLOYMENT_KINDS} == {"Job"}
