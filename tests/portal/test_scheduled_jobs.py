"""The scheduled commands record each run, and the administrator's start page shows each one's
last run with a warning when one is overdue or failed (review AN 13); migration 0031."""
from __future__ import annotations

from datetime import timedelta

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from portal import job_runs
from portal.extensions import db
from store.models import JobRun
from store.models.base import utcnow
from tests.portal.migration_helpers import migrated_app_fixture


def _runs(app) -> list[tuple[str, str, str]]:
    with app.app_context():
        return [(r.job, r.outcome, r.summary) for r in db.session.scalars(sa.select(JobRun).order_by(JobRun.id))]


def _ran(app, job: str, ago: timedelta, outcome: str = "ok", summary: str = "") -> None:
    with app.app_context():
        started = utcnow() - ago
        db.session.add(JobRun(job=job, started_at=started, outcome=outcome, summary=summary,
                              finished_at=None if outcome == "running" else started + timedelta(seconds=5)))
        db.session.commit()


# --- the commands record their runs -------------------------------------------------------------

def test_each_scheduled_command_records_its_run_with_a_short_count(app, runner):
    for command in ("retention", "hotline-reminders", "hours-reminders"):
        assert runner.invoke(args=[command]).exit_code == 0, command
    runs = _runs(app)
    assert [(job, outcome) for job, outcome, _ in runs] == [
        ("retention", "ok"), ("hotline-reminders", "ok"), ("hours-reminders", "ok")]
    assert runs[0][2] == "0 borgere anonymiseret; intet andet at rydde op"
    assert runs[1][2] == "0 påmindelser, 0 eskaleringer, 0 mails fejlede"
    assert runs[2][2].startswith("Intet at gøre før den 3.") or "uden timer" in runs[2][2]
    with app.app_context():
        assert all(r.finished_at is not None for r in db.session.scalars(sa.select(JobRun)))


def test_the_retention_summary_names_what_the_run_did_and_leaves_out_the_zeros(app):
    from portal.cli import _retention_summary

    zeros = dict(anonymised=0, restricted=0, running=0, replaced=0, sessions=0, notices=0, mails=0,
                 attempts=0, held_forms=0, audit_rows=0, reasons=0)
    with app.app_context():
        assert _retention_summary(**{**zeros, "anonymised": 1, "restricted": 1, "attempts": 1234, "reasons": 2}) == (
            "1 borger anonymiseret; holdt tilbage: 1 borger (begrænset behandling); "
            "slettet: 1.234 loginforsøg og 2 begrundelser for »Ingen egnede kandidater«")
        every = _retention_summary(**{key: 99_999 for key in zeros})
    # Every figure named: the longest summary still fits the column, so nothing is cut.
    assert every.count("99.999") == len(zeros)
    assert len(every) <= job_runs.SUMMARY_LENGTH, len(every)


def test_a_summary_longer_than_the_column_is_cut_visibly(app):
    with app.app_context(), pytest.raises(RuntimeError), job_runs.recorded("retention") as run:
        run.summary = "x" * 1200
        raise RuntimeError("the run fails after its summary is set")
    runs = _runs(app)
    assert runs[-1][1] == "failed"
    assert runs[-1][2] == "x" * 999 + "…"
    assert job_runs._fit("kort") == "kort"


@pytest.fixture
def mails_to_send(monkeypatch):
    """Both reminder jobs find something to mail: 1 reminder and 5 escalations, 41 users."""
    from datetime import date

    from portal.hotline import reminders
    from portal.placements import hours_reminder

    monkeypatch.setattr(reminders, "run", lambda: reminders.Summary(reminded=1, escalated=5))
    monkeypatch.setattr(hours_reminder, "run",
                        lambda _today: hours_reminder.Summary(date(2026, 11, 1), placements=12, notified=41))


@pytest.mark.parametrize(("mail_server", "note"), [
    ("", " (kun skrevet i loggen: ingen mailserver)"), ("smtp.example.dk", "")])
def test_the_reminder_summaries_say_when_the_mails_were_only_logged(app, runner, client, auth, make_user,
                                                                   mails_to_send, mail_server, note):
    # Review AQ 5: without MAIL_SERVER the start page's row must not read as if reminders reached anyone.
    app.config["MAIL_SERVER"] = mail_server
    for command in ("hotline-reminders", "hours-reminders"):
        assert runner.invoke(args=[command]).exit_code == 0, command
    hotline = "1 påmindelse, 5 eskaleringer, 0 mails fejlede" + note
    hours = "november 2026: 12 forløb uden timer, 41 brugere fik besked" + note
    assert [summary for _, _, summary in _runs(app)] == [hotline, hours]
    html = _start_page(client, auth, make_user)
    for job, summary in (("hotline-reminders", hotline), ("hours-reminders", hours)):
        row = html.split(f'<tr data-job="{job}">', 1)[1].split("</tr>", 1)[0]
        assert f'<td data-testid="job-result">{summary}</td>' in row


def test_a_run_that_fails_is_recorded_as_failed(app, runner, monkeypatch):
    from portal.privacy import retention

    calls = []

    def down(*_args, **_kwargs):
        calls.append(1)
        raise sa.exc.OperationalError("SELECT citizen", {}, ConnectionError("connection refused"))

    monkeypatch.setattr(retention, "anonymise_expired", down)
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 1 and "the database cannot be used" in result.output and calls
    assert _runs(app) == [("retention", "failed", "Fejlede: OperationalError")]


def test_only_the_newest_runs_are_kept(app, monkeypatch):
    monkeypatch.setattr(job_runs, "KEEP", 3)
    with app.app_context():
        for n in range(5):
            with job_runs.recorded("hotline-reminders") as run:
                run.summary = f"kørsel {n}"
        with job_runs.recorded("retention"):
            pass
    assert [summary for job, _, summary in _runs(app) if job == "hotline-reminders"] == [
        "kørsel 2", "kørsel 3", "kørsel 4"]
    assert [job for job, _, _ in _runs(app)].count("retention") == 1


def test_an_unknown_job_is_refused(app):
    with app.app_context(), pytest.raises(ValueError):
        with job_runs.recorded("backup"):
            pass


# --- the start page ------------------------------------------------------------------------------

def _start_page(client, auth, make_user) -> str:
    auth.login(make_user("admin").email)
    return client.get("/").get_data(as_text=True)


def _warning(html: str) -> str:
    return html.split('data-testid="jobs-overdue"', 1)[1].split("</div></div>", 1)[0]


def test_jobs_that_never_ran_are_a_warning_with_the_commands_to_schedule(app, client, auth, make_user):
    html = _start_page(client, auth, make_user)
    warning = _warning(html)
    assert "Planlagte job kører ikke, som de skal" in warning
    for job in ("retention", "hotline-reminders", "hours-reminders"):
        assert f'data-job="{job}"' in warning and f"flask --app portal {job}</code>" in warning
    assert "har aldrig kørt" in warning and "(advarsel efter 26 timer)" in warning
    assert "*/15 * * * * cd /srv/jobbro &amp;&amp; flask --app portal hotline-reminders" in warning
    assert "(advarsel efter 1 time)" in warning
    assert "»Drift uden Docker«" in warning and "ikke anonymiseret" in warning
    # The schedule loop runs them (docker-compose's scheduler service, make run); cron is the other way.
    how = warning.split('data-testid="jobs-how">', 1)[1].split("</p>", 1)[0]
    assert "Portalen kører ikke disse job selv. Det gør planlæggeren" in how
    assert "<code>flask --app portal scheduled-jobs --loop</code>" in how
    assert "tjenesten <code>scheduler</code>" in how and "<code>make run</code>" in how
    assert "sæt jobbene i cron på serveren med linjerne ovenfor" in how
    table = html.split('data-testid="scheduled-jobs"', 1)[1].split("</table>", 1)[0]
    assert table.count("Aldrig") == 3


def test_recent_runs_are_shown_without_a_warning(app, client, auth, make_user):
    _ran(app, "retention", timedelta(hours=20), summary="3 borgere anonymiseret; 0 borgere holdt tilbage")
    _ran(app, "hotline-reminders", timedelta(minutes=10), summary="1 påmindelse, 0 eskaleringer, 0 mails fejlede")
    _ran(app, "hours-reminders", timedelta(hours=2), summary="november 2026: 2 forløb uden timer")
    html = _start_page(client, auth, make_user)
    assert 'data-testid="jobs-overdue"' not in html
    row = html.split('<tr data-job="retention">', 1)[1].split("</tr>", 1)[0]
    assert "3 borgere anonymiseret" in row and "flask --app portal retention</code>, dagligt" in row


def test_a_job_overdue_or_failed_is_named_alone(app, client, auth, make_user):
    _ran(app, "retention", timedelta(hours=27), summary="0 borgere anonymiseret")
    _ran(app, "hotline-reminders", timedelta(minutes=50))
    _ran(app, "hotline-reminders", timedelta(minutes=5), outcome="failed", summary="Fejlede: OperationalError")
    _ran(app, "hours-reminders", timedelta(hours=3))
    html = _start_page(client, auth, make_user)
    warning = _warning(html)
    assert 'data-job="hours-reminders"' not in warning
    retention = warning.split('data-job="retention">', 1)[1].split("</li>", 1)[0]
    assert "har ikke kørt siden" in retention and "ikke anonymiseret" in warning
    hotline = warning.split('data-job="hotline-reminders">', 1)[1].split("</li>", 1)[0]
    assert "den seneste kørsel fejlede, og den sidste, der lykkedes, var" in hotline
    row = html.split('<tr data-job="hotline-reminders">', 1)[1].split("</tr>", 1)[0]
    assert "Fejlede: OperationalError" in row


def test_a_run_that_never_finished_is_a_warning_once_it_is_old(app, client, auth, make_user):
    for job in ("retention", "hours-reminders"):
        _ran(app, job, timedelta(hours=1))
    _ran(app, "hotline-reminders", timedelta(minutes=20))
    _ran(app, "hotline-reminders", timedelta(minutes=2), outcome="running")
    html = _start_page(client, auth, make_user)
    assert 'data-testid="jobs-overdue"' not in html  # running now
    assert "Kører nu" in html.split('<tr data-job="hotline-reminders">', 1)[1].split("</tr>", 1)[0]
    _ran(app, "retention", timedelta(minutes=61 + 5), outcome="running")  # killed an hour ago
    html = client.get("/").get_data(as_text=True)
    warning = _warning(html)
    assert "er ikke blevet færdig (stoppet eller hænger)" in warning and "Et planlagt job" in warning
    assert "Portalen kører ikke dette job selv" in warning and "sæt jobbet i cron på serveren med linjen ovenfor" in warning
    assert "Ikke færdig" in html.split('<tr data-job="retention">', 1)[1].split("</tr>", 1)[0]


# --- migration 0031, on SQLite and PostgreSQL ------------------------------------------------------

migrated_app = migrated_app_fixture("jobrun")


def test_0031_adds_the_job_run_table_and_goes_back(migrated_app):
    inspector = sa.inspect(db.engine)
    assert "job_run" in inspector.get_table_names()
    assert {tuple(i["column_names"]) for i in inspector.get_indexes("job_run")} == {("job", "started_at")}
    with db.engine.begin() as connection:
        connection.execute(sa.text("INSERT INTO job_run (job, started_at, outcome, summary) "
                                   "VALUES ('retention', CURRENT_TIMESTAMP, 'ok', '1 borger anonymiseret')"))
    retention = job_runs.overview()[0]  # the start page's one statement reads on each database
    assert retention.last.summary == "1 borger anonymiseret" and not retention.overdue
    with pytest.raises(sa.exc.IntegrityError) as refused:  # only the known outcomes
        with db.engine.begin() as connection:
            connection.execute(sa.text("INSERT INTO job_run (job, started_at, outcome, summary) "
                                       "VALUES ('retention', CURRENT_TIMESTAMP, 'maybe', '')"))
    assert "ck_job_run_outcome_known" in str(refused.value)
    db.session.remove()
    downgrade(revision="0030")
    assert "job_run" not in sa.inspect(db.engine).get_table_names()
    upgrade()
    assert "job_run" in sa.inspect(db.engine).get_table_names()
