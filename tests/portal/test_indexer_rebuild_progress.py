"""While a rebuild runs, /admin/indexer shows its progress instead of »not built« and »not
running«, and the citizen pages do not say the indexer is not running (review AN 12).

The rows are written as the indexer writes them (``indexer.progress``): JSON in indexer_state.
"""
from __future__ import annotations

import json
from datetime import date, datetime, timedelta, timezone

from portal.extensions import db
from store.index_status import REBUILD_KEY, REBUILD_STALE_AFTER, STALLED_AFTER, WORKER_KEY
from store.models import Citizen, CvDocument, IndexerState, JobGoal, OutboxEvent
from store.models.base import utcnow

STARTED = datetime(2026, 12, 6, 9, 2, tzinfo=timezone.utc)  # 10:02 in Copenhagen


def _state(app, key: str, value: dict) -> None:
    with app.app_context():
        db.session.merge(IndexerState(key=key, value=json.dumps(value)))
        db.session.commit()


def _rebuilding(app, *, phase: str = "citizen", age: timedelta = timedelta(seconds=2)) -> None:
    _state(app, REBUILD_KEY, {"owner": "vært:4711:abc", "started": STARTED.isoformat(),
                              "updated": (utcnow() - age).isoformat(timespec="seconds"), "phase": phase,
                              "done": {"opening": 2 if phase != "opening" else 1, "citizen": 1234},
                              "totals": {"opening": 2, "citizen": 5000}})


def _world(app, vk_id: int) -> int:
    """A matchable citizen (not in the index: it is missing) and a change waiting untried for long."""
    with app.app_context():
        citizen = Citizen(name="Anna", postcode="8722", benefit_group="kontanthjaelp", hours_available=10,
                          readiness_group="paa_vej", case_start=date(2025, 6, 1), vk_id=vk_id)
        citizen.job_goals.append(JobGoal(title="Lagermedarbejder"))
        citizen.cv_documents.append(CvDocument(text="Truck og lager."))
        db.session.add(citizen)
        db.session.flush()
        db.session.add(OutboxEvent(entity="citizen", entity_id=citizen.id, status="pending",
                                   created_at=utcnow() - STALLED_AFTER - timedelta(minutes=3)))
        db.session.commit()
        return citizen.id


def _admin_page(client, auth, make_user) -> str:
    auth.login(make_user("admin").email)
    return client.get("/admin/indexer").get_data(as_text=True)


def test_without_a_rebuild_the_page_says_not_built_and_not_running(app, client, auth, make_user):
    _world(app, make_user("consultant").id)
    html = _admin_page(client, auth, make_user)
    assert 'data-testid="index-not-built"' in html and 'data-testid="indexer-stalled"' in html
    assert 'data-testid="rebuild-running"' not in html and 'data-testid="rebuild-stopped"' not in html


def test_a_running_rebuild_shows_its_progress_instead_of_the_two_alerts(app, client, auth, make_user):
    _world(app, make_user("consultant").id)
    _rebuilding(app)
    html = _admin_page(client, auth, make_user)
    progress = html.split('data-testid="rebuild-progress">', 1)[1].split("</p>", 1)[0]
    assert progress == "Genopbygning i gang: 1.234 af 5.000 borgere (startet 06.12.2026 kl.\u00a010.02)"
    assert "Start ikke en genopbygning mere" in html
    assert 'data-testid="index-not-built"' not in html and 'data-testid="indexer-stalled"' not in html
    assert "Indekseringen kører ikke" not in html


def test_while_openings_are_written_the_citizens_come_next(app, client, auth, make_user):
    _world(app, make_user("consultant").id)
    _rebuilding(app, phase="opening")
    html = _admin_page(client, auth, make_user)
    assert "Genopbygning i gang: 1 af 2 opslag, derefter 5.000 borgere (startet 06.12.2026 kl.\u00a010.02)" in html
    _rebuilding(app, phase="finishing")
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert "Genopbygning i gang: alt er skrevet; de rækker, der er ændret undervejs, rettes nu" in html


def test_a_rebuild_that_stopped_reporting_is_said_to_have_stopped(app, client, auth, make_user):
    _world(app, make_user("consultant").id)
    _rebuilding(app, age=REBUILD_STALE_AFTER + timedelta(minutes=1))
    html = _admin_page(client, auth, make_user)
    assert 'data-testid="rebuild-running"' not in html
    stopped = html.split('data-testid="rebuild-stopped"', 1)[1].split("</div>", 1)[0]
    assert "holdt op uden at blive færdig" in stopped and "startede 06.12.2026 kl.\u00a010.02" in stopped
    assert "python -m indexer rebuild" in stopped
    # it runs no more: the page says what is true again
    assert 'data-testid="index-not-built"' in html and 'data-testid="indexer-stalled"' in html


def test_the_page_says_when_the_worker_last_polled(app, client, auth, make_user):
    html = _admin_page(client, auth, make_user)
    assert 'data-testid="worker-seen">Ikke endnu<' in html
    _state(app, WORKER_KEY, {"at": STARTED.isoformat(), "worker": "vært:1"})
    html = client.get("/admin/indexer").get_data(as_text=True)
    assert 'data-testid="worker-seen">06.12.2026 kl.\u00a010.02<' in html


def test_the_citizen_page_does_not_say_the_indexer_is_not_running_during_a_rebuild(app, client, auth,
                                                                                    make_user):
    vk = make_user("consultant", email="vk@jc.dk")
    cid = _world(app, vk.id)
    auth.login(vk.email)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="indexer-stalled"' in html  # nobody at work
    _rebuilding(app)
    html = client.get(f"/borgere/{cid}").get_data(as_text=True)
    assert 'data-testid="indexer-stalled"' not in html and "kører ikke" not in html
    assert "Afventer indeksering" in html
