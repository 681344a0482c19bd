"""The trainer learns from earlier decisions on the same jobmål and title (``goal_history``)
without reading a decision's own outcome or a later one, and keeps the history with the model."""
from __future__ import annotations

import math
import random
from datetime import datetime, timedelta, timezone

import pytest

from indexer import rerank_train
from indexer.rerank_train import Decision, with_history
from matching.rerank import HISTORY_FEATURES, RerankModel, history_keys, history_secret, key_check
from portal.extensions import db
from store.models import Opening, Proposal
from tests.portal.rerank_fixtures import seed_decisions, train_secret

START = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)
SECRET = history_secret("test-key")

def train_if_due(schedule: rerank_train.Schedule) -> None:
    """What the worker's training child does when the schedule says so (indexer.training):
    train and store, then the schedule waits ``retry``."""
    if schedule.due():
        rerank_train.run(schedule.session, secret=schedule.secret, now=schedule.clock(),
                         encoder_name=schedule.encoder_name)
    schedule.postpone()



@pytest.fixture
def vk(make_user):
    return make_user("consultant", email="vk@jobcenter.dk")


def _decision(n: int, label: int, citizen: int, goal: str = "Truckfører") -> Decision:
    return Decision(n, 1, START + timedelta(hours=n), label, {"relevance": 0.5}, 0.5, citizen,
                    history_keys("Lagermedarbejder", [goal], SECRET))


def test_a_training_decision_reads_only_earlier_ones_and_a_test_decision_only_the_training_ones():
    train = [_decision(1, 1, citizen=1), _decision(2, 1, citizen=2), _decision(3, 0, citizen=3),
             _decision(4, 1, citizen=4, goal="Kok")]
    test = [_decision(5, 0, citizen=5), _decision(6, 0, citizen=6)]
    trained, tested, history = with_history(list(reversed(train)), test, check=key_check(SECRET))  # any order in
    values = {d.proposal_id: d.features["goal_history"] for d in trained}
    assert math.isnan(values[1]) and math.isnan(values[2])  # nothing, then one citizen's only
    prior = (2 + 1) / (2 + 2)  # decisions 1 and 2 only, as the counts
    assert values[3] == pytest.approx((2 + 2 * prior) / (2 + 2) - prior)  # not 3 itself, nor 4
    assert math.isnan(values[4])
    prior = (3 + 1) / (4 + 2)  # all the training decisions, none of the test's
    after_three = (2 + 2 * prior) / (3 + 2) - prior
    assert [d.features["goal_history"] for d in tested] == pytest.approx([after_three, after_three])
    assert len(history.counts) == 1  # "Kok" was decided for one citizen: not kept
    assert history.readable_with(SECRET) and not history.readable_with(history_secret("another key"))


def _follow_the_jobmaal(ids: list[int], seed: int = 3) -> None:
    """Rewrite the stored decisions: every opening is for a warehouse worker, each citizen has
    one of four jobmål, and the consultants approve the two that fit (what no score says)."""
    rng = random.Random(seed)
    goals = ["Truckfører", "Pakkemedarbejder", "Frisør", "Bager"]
    for opening in db.session.query(Opening):
        opening.title = "Lagermedarbejder søges"
    for proposal_id in ids:
        row = db.session.get(Proposal, proposal_id)
        goal = goals[row.citizen_id % len(goals)]
        explanation = dict(row.explanation)
        explanation["goal_scores"] = [{**g, "goal": goal} for g in explanation["goal_scores"]]
        row.explanation = explanation
        approve = (goal in goals[:2]) != (rng.random() < 0.1)
        row.status = "approved" if approve else "rejected"
        row.decision_reason = "" if approve else "Passer ikke"
    db.session.commit()


def test_decisions_that_follow_the_jobmaal_teach_the_model_its_history(app, vk):
    with app.app_context():
        _follow_the_jobmaal(seed_decisions(vk.id, openings=10, citizens=24))
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    assert "tidligere beslutninger" in report["feature_set"]["chosen"]
    model = RerankModel.from_dict(report["model"])
    assert set(HISTORY_FEATURES) <= set(model.features) and model.history is not None
    assert report["history_pairs"] == len(model.history.counts) == 4
    with app.app_context():
        secret = train_secret()
    assert model.history_value("Lagermedarbejder", ["Truckfører"], secret) > 0 > model.history_value(
        "Lagermedarbejder", ["Frisør"], secret)
    assert report["in_use"] is True
    assert report["figures"]["learned"]["map"] > report["figures"]["hand"]["map"]


def test_the_model_in_use_keeps_every_decision_in_its_history(app, vk):
    """Measured with the training decisions' history only, the model is stored with all the
    decisions' (the test part's too): the next ranking comes after every one of them."""
    with app.app_context():
        _follow_the_jobmaal(seed_decisions(vk.id, openings=10, citizens=24))
        decisions = rerank_train.collect(db.session, secret=train_secret())
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    model = RerankModel.from_dict(report["model"])
    stored = sum(a + r for a, r in model.history.counts.values())
    counted = {}
    for d in decisions:
        for key in d.history_keys:
            counted[key] = counted.get(key, 0) + 1
    assert stored == sum(counted[k] for k in model.history.counts)
    train_only = with_history(rerank_train.time_split(decisions)[0], check="x")[2]
    assert stored > sum(a + r for a, r in train_only.counts.values())


def test_without_a_pattern_in_the_jobmaal_the_history_is_left_out(app, vk):
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")  # every jobmål is "Lager": no pair tells anything apart
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    assert "tidligere beslutninger" not in report["feature_set"]["chosen"]
    assert RerankModel.from_dict(report["model"]).history is None and "history_pairs" not in report


def test_an_erasure_makes_the_model_due_for_training_at_once(app, vk, tmp_path):
    """The stored model counts every decided citizen in its history: erasing one retrains it at
    the worker's next turn (runs stay at least ``retry`` apart), not a day later."""
    from portal.privacy.erasure import erase_citizen
    from store.models import Citizen
    from store.models.base import utcnow

    now = [utcnow()]
    with app.app_context():
        seed_decisions(vk.id, openings=2, citizens=5)
        schedule = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0])
        train_if_due(schedule)
        now[0] += schedule.retry  # runs are at least this far apart
        assert not schedule.due()
        assert erase_citizen(db.session, db.session.query(Citizen).first().id, purpose="test")
        db.session.commit()
        assert schedule.due()  # not a day later
        train_if_due(schedule)
        now[0] += schedule.retry
        assert not schedule.due()


def test_a_model_counted_under_another_key_is_due_for_training_at_once(app, vk):
    """When PSEUDONYM_KEY changes, the portal cannot read the stored history: the worker
    retrains at its next turn instead of within the day."""
    with app.app_context():
        _follow_the_jobmaal(seed_decisions(vk.id, openings=10, citizens=24))
        report = rerank_train.run(db.session, secret=history_secret("old key"))
        assert RerankModel.from_dict(report["model"]).history is not None
        assert not rerank_train.Schedule(db.session, secret=history_secret("old key")).due()
        rotated = rerank_train.Schedule(db.session, secret=history_secret("new key"))
        assert rotated.due()
        train_if_due(rotated)
        stored = RerankModel.from_dict(rerank_train.json.loads(
            db.session.get(rerank_train.IndexerState, rerank_train.STATE_KEY).value)["model"])
        assert stored.history.readable_with(history_secret("new key")) and not rotated.due()
