"""The trainer chooses on its own training decisions whether the best jobmål's dense and
lexical channels go into the model: in when the consultants' decisions follow them, out when
they carry nothing (or were not recorded, as in explanations stored before them)."""
from __future__ import annotations

import random

import pytest

from indexer import rerank_train
from matching.rerank import CHANNEL_FEATURES, RerankModel
from portal.extensions import db
from store.models import Proposal
from tests.portal.rerank_fixtures import seed_decisions, train_secret

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


def _follow_the_lexical_channel(ids: list[int], seed: int = 5) -> None:
    """Rewrite the stored decisions: approved exactly when the best jobmål shares word parts
    with the opening (its lexical channel), which no older fact shows: every jobmål is
    "middel" with the same fit (so no pair falls under the trainer's jobmål check)."""
    rng = random.Random(seed)
    for proposal_id in ids:
        row = db.session.get(Proposal, proposal_id)
        lexical = rng.uniform(0.0, 1.0)
        explanation = dict(row.explanation)
        explanation["goal_scores"] = [{**goal, "dense": round(rng.uniform(0.75, 0.95), 6), "band": "middel",
                                       "fit": 0.5, "lexical": round(lexical, 6)}
                                      for goal in explanation["goal_scores"]]
        row.explanation = explanation
        approve = lexical + rng.gauss(0, 0.05) > 0.5
        row.status = "approved" if approve else "rejected"
        row.decision_reason = "" if approve else "Passer ikke"
    db.session.commit()


def test_channels_the_decisions_follow_are_chosen_and_beat_the_hand_set_weights(app, vk):
    with app.app_context():
        _follow_the_lexical_channel(seed_decisions(vk.id, openings=12, citizens=25))
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    assert report["feature_set"]["chosen"] == "med kanaler"
    validation = report["feature_set"]["validation"]
    assert validation["med kanaler"]["map"] > validation["uden kanaler"]["map"]
    model = RerankModel.from_dict(report["model"])
    assert set(CHANNEL_FEATURES) <= set(model.features)
    weights = dict(zip(model.features, model.coef))
    assert max(weights, key=lambda n: abs(weights[n])) == "best_goal_lexical"
    assert report["in_use"] is True
    assert report["figures"]["learned"]["map"] > report["figures"]["hand"]["map"]


def test_explanations_stored_without_the_channels_train_a_model_without_them(app, vk):
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")  # stored the old way: no dense, no lexical
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    assert report["feature_set"]["chosen"] == "uden kanaler"
    assert not set(CHANNEL_FEATURES) & set(RerankModel.from_dict(report["model"]).features)
    assert report["in_use"] is True  # the rest of the facts still learn the planted preference


def test_too_few_training_decisions_to_choose_keep_the_plain_set():
    names, choice = rerank_train.choose_features([], "check")
    assert choice["chosen"] == "uden kanaler" and names == rerank_train.FEATURE_SETS["uden kanaler"]
    assert not set(CHANNEL_FEATURES) & set(names)


def test_the_comparison_measures_every_feature_set_on_each_time_window(app, vk):
    from indexer.rerank_compare import FEATURE_SETS, compare

    with app.app_context():
        _follow_the_lexical_channel(seed_decisions(vk.id, openings=12, citizens=25))
        report = compare(rerank_train.collect(db.session, secret=train_secret()), cuts=(0.6, 0.8))
    assert [w["cut"] for w in report["windows"]] == [0.6, 0.8]
    last = report["windows"][-1]
    assert (last["train"], last["test"]) == (240, 60)  # the trainer's own split
    assert set(last["sets"]) == set(FEATURE_SETS)
    assert last["sets"]["plain+lexical"]["map"] > last["sets"]["plain"]["map"]
    assert report["mean_map"]["all"] > report["mean_map"]["plain"]
    assert last["chosen"] == "med kanaler" and last["chosen_map"] == last["sets"]["all"]["map"]


def test_a_stored_model_of_the_old_format_is_retrained_by_the_restarted_worker_at_once(app, vk):
    import json
    from datetime import datetime, timedelta, timezone

    from matching.rerank import FORMAT, STATE_KEY
    from store.models import IndexerState

    now = [datetime(2026, 12, 3, 2, 0, tzinfo=timezone.utc)]
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")
        schedule = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0])
        train_if_due(schedule)
        stored = json.loads(db.session.get(IndexerState, STATE_KEY).value)
        assert stored["model"]["format"] == FORMAT and not schedule.due()
        stored["model"]["format"] = FORMAT - 1  # what the trainer stored before the channels
        rerank_train.store_report(db.session, stored)
        now[0] += timedelta(minutes=5)
        assert rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0]).due()
        upgraded = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0])  # the restarted worker
        train_if_due(upgraded)
        again = json.loads(db.session.get(IndexerState, STATE_KEY).value)
    assert again["model"]["format"] == FORMAT and again["trained_at"] > stored["trained_at"]
