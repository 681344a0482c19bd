"""The load test runner's own logic: account preparation and the figures (not the load itself,
which is `make loadtest`, a command of its own)."""
from __future__ import annotations

import sqlite3

import pytest

from loadtest import run


def test_prepare_accounts_clones_each_role_up_to_the_number_of_users(app, make_user, tmp_path):
    for role in ("company", "consultant", "admin"):
        make_user(role)
    make_user("company", code_of_care=True)
    database = tmp_path / "test.sqlite"

    accounts = run.prepare_accounts(database, users=3)

    assert {role: len(emails) for role, emails in accounts.items()} == {
        "company": 3, "partner": 3, "consultant": 3, "admin": 3}
    assert all(len(set(emails)) == 3 for emails in accounts.values())
    with sqlite3.connect(database) as conn:
        rows = conn.execute('SELECT email, role, company_id, password_hash FROM "user" '
                            "WHERE email LIKE 'belastning-partner-%'").fetchall()
        original = conn.execute('SELECT company_id, password_hash FROM "user" WHERE email = ?',
                                (accounts["partner"][0],)).fetchone()
    assert len(rows) == 2
    assert {(r[1], r[2], r[3]) for r in rows} == {("company", original[0], original[1])}


def test_prepare_accounts_refuses_a_demo_without_a_role(app, make_user, tmp_path):
    make_user("consultant")
    with pytest.raises(run.LoadTestError, match="no company account"):
        run.prepare_accounts(tmp_path / "test.sqlite", users=2)


def test_copy_instance_needs_the_demo_database(tmp_path):
    with pytest.raises(run.LoadTestError, match="make setup"):
        run.copy_instance(tmp_path / "missing", tmp_path / "copy")


def test_summary_separates_ranking_from_pages():
    result = {"times": {"ranking": [100.0] * 19 + [900.0], "pages": [10.0] * 80},
              "failures": {"ranking": 1, "pages": 2}}

    figures = run.summarise(result, users=5, seconds=10.0)

    assert figures["requests"] == 100 and figures["failures"] == 3
    assert figures["p95_ms_pages"] == 10.0
    assert 100.0 <= figures["p95_ms_ranking"] <= 900.0
    assert figures["p50_ms"] == 10.0
    assert figures["rps"] == 10.0
    assert list(figures) == ["users", "seconds", "requests", "failures", "p50_ms", "p95_ms",
                             "p95_ms_ranking", "p95_ms_pages", "rps"]


def test_the_servers_warnings_and_errors_are_reported_before_the_logs_go(tmp_path, capsys):
    from loadtest.run import report_server_logs

    gunicorn = tmp_path / "gunicorn.log"
    gunicorn.write_text("[2026-12-03 02:24:08,067] ERROR in mailer: mail drain failed\n"
                        "[2026-12-03 02:24:09,000] INFO in mail: sent\n"
                        "[2026-12-03 02:24:10 +0000] [42] [WARNING] Worker graceful timeout\n")
    indexer = tmp_path / "indexer.log"
    indexer.write_text("INFO:indexer.worker:batch of 3\n")
    counts = report_server_logs(gunicorn, indexer, tmp_path / "missing.log")
    assert counts == {"gunicorn.log": 2, "indexer.log": 0}
    err = capsys.readouterr().err
    assert "mail drain failed" in err and "graceful timeout" in err and "sent" not in err
