"""Replaced CV versions are kept CV_VERSION_KEEP_DAYS, listed with the day they go, then deleted by
the retention run unless a consent in force shares them (review AU 2)."""
from __future__ import annotations

from datetime import date, datetime, time, timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from portal import consents
from portal.config import ConfigError
from portal.extensions import db
from store.clock import LOCAL
from store.models import AuditEvent, Citizen, Consent, CvDocument, JobGoal, Opening, Proposal
from store.models.citizens import CV_FIRST_SAVED
from tests.clock import TODAY

pytestmark = pytest.mark.usefixtures("frozen_today")


def at(day: date) -> datetime:
    return datetime.combine(day, time(12, 0), tzinfo=LOCAL)


def _citizen(name: str, days: list[date], **fields) -> Citizen:
    citizen = Citizen(name=name, postcode="8722", benefit_group="kontanthjaelp", readiness_group="i_gang",
                      case_start=date(2026, 1, 5), **fields)
    citizen.job_goals = [JobGoal(title="Kok", position=0)]
    citizen.cv_documents = [CvDocument(text=f"{name} CV nummer {i} med erfaring som kok", content_type="txt",
                                       created_at=at(day)) for i, day in enumerate(days)]
    return citizen


@pytest.fixture
def world(app, make_user):
    """A: v0 replaced 01.10 (due 31.10: goes), v1 replaced 01.11 (due 01.12: kept), v2 current, v0 with
    a file. B: v0 replaced long ago but shared with a company under a consent in force. C: restricted."""
    consultant, company = make_user("consultant"), make_user("company")
    folder = Path(app.config["UPLOAD_FOLDER"])
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "old0.txt").write_bytes(b"gammel fil")
    with app.app_context():
        a = _citizen("Anna A", [date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)], vk_id=consultant.id)
        a.cv_documents[0].stored_name, a.cv_documents[0].original_filename = "old0.txt", "gammel.txt"
        b = _citizen("Bent B", [date(2026, 8, 1), date(2026, 9, 1)])
        c = _citizen("Carl C", [date(2026, 8, 1), date(2026, 9, 1)], restricted=True)
        opening = Opening(company_id=company.company_id, kind="virksomhedspraktik", title="Praktik i kantinen",
                          hours_min=10, hours_max=20, postcode="7130", status="open")
        db.session.add_all([a, b, c, opening])
        db.session.flush()
        proposal = Proposal(citizen_id=b.id, opening_id=opening.id, status="disclosed", share_cv=True,
                            decided_by_id=consultant.id)
        proposal.consents = [Consent(text_version=consents.CONSENT_TEXT_VERSION, channel="telefon",
                                     given_at=at(date(2026, 8, 15)), deadline=TODAY + timedelta(days=30),
                                     recorded_by_id=consultant.id)]
        db.session.add(proposal)
        db.session.commit()
        return {"consultant": consultant, "a": a.id, "b": b.id, "c": c.id, "proposal": proposal.id,
                "a_cvs": [cv.id for cv in a.cv_documents], "b_cvs": [cv.id for cv in b.cv_documents],
                "c_cvs": [cv.id for cv in c.cv_documents], "folder": folder}


def _cv_ids(app, citizen_id: int) -> list[int]:
    """The citizen's CV versions (not the first CV's marker, which is no CV)."""
    with app.app_context():
        return list(db.session.scalars(sa.select(CvDocument.id).where(
            CvDocument.citizen_id == citizen_id, CvDocument.content_type != CV_FIRST_SAVED).order_by(CvDocument.id)))


def test_deleting_the_first_version_keeps_the_goals_cv_day(app, runner, client, auth, world):
    """Review AW 1: the goal »CV, jobmål og virksomhedskonsulent« counts a citizen from the first CV
    with text; the retention run deleting that replaced version keeps its day (a marker without
    text, file or name), so every month's figure stays as it was, and no page sees the marker."""
    from portal.dashboard import metrics
    from portal.dashboard.facts import Scope, load_facts

    def goal(month_end: date) -> tuple[int, int]:
        facts = load_facts(db.session, Scope())
        open_, matchable = metrics._matchable(facts, month_end)
        return int(open_.sum()), int((open_ & matchable).sum())

    months = [date(2026, 9, 30), date(2026, 10, 31)]
    with app.app_context():
        facts = load_facts(db.session, Scope())
        before = dict(zip(facts.ids.tolist(), facts.cv_since.tolist()))
        figures = [goal(day) for day in months]
    assert runner.invoke(args=["retention"]).exit_code == 0
    assert _cv_ids(app, world["a"]) == world["a_cvs"][1:]  # v0 went
    with app.app_context():
        facts = load_facts(db.session, Scope())
        assert dict(zip(facts.ids.tolist(), facts.cv_since.tolist())) == before
        assert [goal(day) for day in months] == figures
        marker = db.session.scalars(sa.select(CvDocument).where(CvDocument.citizen_id == world["a"],
                                                                CvDocument.content_type == CV_FIRST_SAVED)).one()
        assert (marker.text, marker.stored_name, marker.original_filename) == ("", None, "")
        assert [cv.id for cv in db.session.get(Citizen, world["a"]).cv_documents] == world["a_cvs"][1:]
    auth.login(world["consultant"].email)
    assert client.get(f"/borgere/{world['a']}/cv/{marker.id}/slet").status_code == 404
    assert "Tidligere versioner (1)" in client.get(f"/borgere/{world['a']}/cv").get_data(as_text=True)
    # the next run keeps the one marker, and erasure takes it with the citizen
    assert runner.invoke(args=["retention"]).exit_code == 0
    with app.app_context():
        from portal.privacy.erasure import erase_citizen

        count = sa.select(sa.func.count()).select_from(CvDocument).where(CvDocument.content_type == CV_FIRST_SAVED)
        assert db.session.scalar(count) == 1
        erase_citizen(db.session, world["a"], purpose="test")
        db.session.commit()
        assert db.session.scalar(count) == 0


def test_the_cv_page_lists_each_replaced_version_with_the_day_it_goes(app, client, auth, world):
    auth.login(world["consultant"].email)
    html = client.get(f"/borgere/{world['a']}/cv").get_data(as_text=True)
    assert "Tidligere versioner (2)" in html and "Et erstattet CV slettes 30 dage efter" in html
    rows = {int(part.split('"')[0]): part.split("</li>")[0]
            for part in html.split('data-testid="cv-replaced" data-cv="')[1:]}
    assert "erstattet 01.11.2026" in rows[world["a_cvs"][1]] and "slettes 01.12.2026" in rows[world["a_cvs"][1]]
    assert "slettes ved næste daglige oprydning" in rows[world["a_cvs"][0]]  # due 31.10: the next run deletes it
    assert "Tidligere versioner (2), den første slettes ved næste daglige oprydning" in html
    shared = client.get(f"/borgere/{world['b']}/cv").get_data(as_text=True)
    assert "gemmes, mens en virksomhed har den efter borgerens samtykke" in shared


def test_the_retention_run_deletes_replaced_versions_past_their_time_unless_shared(app, runner, client, auth, world):
    result = runner.invoke(args=["retention"])
    assert result.exit_code == 0, result.output
    assert "1 replaced CV versions deleted (kept 30 days unless shared)" in result.output
    with app.app_context():  # review AW 5: the start page's »Planlagte job« says it too
        from store.models import JobRun

        summary = db.session.scalar(sa.select(JobRun.summary).where(JobRun.job == "retention"))
    assert "slettet: 1 tidligere CV-version" in summary
    assert _cv_ids(app, world["a"]) == world["a_cvs"][1:]  # the current and the one still within its days
    auth.login(world["consultant"].email)
    assert "Tidligere versioner (1), slettes 01.12.2026</summary>" in client.get(f"/borgere/{world['a']}/cv").get_data(
        as_text=True)
    assert not (world["folder"] / "old0.txt").exists()  # the file went after the commit
    assert _cv_ids(app, world["b"]) == world["b_cvs"]  # a company has v0 under a consent in force
    assert _cv_ids(app, world["c"]) == world["c_cvs"]  # restricted: kept as the case is
    with app.app_context():
        [event] = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "cv_superseded_deleted")).all()
        assert (event.citizen_id, event.purpose) == (world["a"], f"cv:{world['a_cvs'][0]} saved:2026-09-01")
        # once the consent ends, the next run deletes the version it kept
        consent = db.session.get(Proposal, world["proposal"]).consents[0]
        consent.withdrawn_at = at(TODAY)
        db.session.commit()
    assert "1 replaced CV versions deleted" in runner.invoke(args=["retention"]).output
    assert _cv_ids(app, world["b"]) == world["b_cvs"][1:]


def test_the_retention_log_reads_in_danish(app):
    from portal.admin.audit_labels import action_label, purpose_label

    assert action_label("cv_superseded_deleted") == "Erstattet CV slettet efter opbevaringsfristen"
    assert purpose_label("cv_superseded_deleted", "cv:7 saved:2026-09-01") == "CV 7 gemt 01.09.2026"


def test_a_shorter_keep_time_deletes_sooner_and_the_setting_is_checked(app, runner, world, tmp_path):
    app.config["CV_VERSION_KEEP_DAYS"] = 7
    assert "2 replaced CV versions deleted (kept 7 days" in runner.invoke(args=["retention"]).output
    assert _cv_ids(app, world["a"]) == world["a_cvs"][2:]
    from portal import create_app

    with pytest.raises(ConfigError, match="CV_VERSION_KEEP_DAYS"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path / "x"), "CV_VERSION_KEEP_DAYS": 0,
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'x.sqlite'}", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p"})


def test_the_access_export_lists_every_version_with_its_deletion_day(app, client, auth, make_user, world):
    auth.login(make_user("admin", email="admin@jc.dk").email)
    csrf = auth.csrf_token(f"/admin/indsigt/{world['a']}")  # the form asking for the request's reference (review AZ 3)
    html = client.post(f"/admin/indsigt/{world['a']}", data={"csrf_token": csrf, "reference": "J.nr. 7"}).get_data(
        as_text=True)
    section = html.split('data-testid="access-section-cv"')[1].split("</section>")[0]
    assert "Anna A CV nummer 0" in section and "slettes senest 01.12.2026" in section
    assert "slettes ved jobcentrets næste daglige oprydning" in section  # v0, due since 31.10


@pytest.mark.parametrize("reason, marked", [("wrong_file", True), ("other_person", False)])
def test_deleting_the_first_version_by_hand_keeps_its_day_unless_it_was_another_persons(
        app, client, auth, world, reason, marked):
    """Review AW 1, »slet nu« on the CV page: the first replaced version's day stays for the goal,
    except for another person's CV, which the citizen never had."""
    from portal.citizens import cv_removal
    from portal.dashboard.facts import Scope, load_facts

    with app.app_context():
        facts = load_facts(db.session, Scope())
        before = dict(zip(facts.ids.tolist(), facts.cv_since.tolist()))
        version = cv_removal.version_key(db.session.get(CvDocument, world["a_cvs"][0]))
    auth.login(world["consultant"].email)
    path = f"/borgere/{world['a']}/cv/{world['a_cvs'][0]}/slet"
    response = client.post(path, data={"csrf_token": auth.csrf_token(path), "reason": reason, "note": "",
                                       "version": version})
    assert response.status_code == 302
    assert _cv_ids(app, world["a"]) == world["a_cvs"][1:]
    assert not (world["folder"] / "old0.txt").exists()
    with app.app_context():
        facts = load_facts(db.session, Scope())
        after = dict(zip(facts.ids.tolist(), facts.cv_since.tolist()))
        markers = db.session.scalars(sa.select(CvDocument.id).where(CvDocument.content_type == CV_FIRST_SAVED)).all()
    assert (after[world["a"]] == before[world["a"]]) is marked
    assert markers == ([world["a_cvs"][0]] if marked else [])
