"""Training the re-ranking from decisions in the database: labels, the time split, the
planted preference recovered, and the model used only when it beats the hand-set weights."""
from __future__ import annotations

import json

import pytest

from indexer import rerank_train
from matching.rerank import FEATURE_LABELS, STATE_KEY, RerankModel
from portal.extensions import db
from store.models import IndexerState, Interview, Placement, Proposal
from tests.portal.rerank_fixtures import seed_decisions, train_secret


@pytest.fixture
def vk(make_user):
    return make_user("consultant", email="vk@jobcenter.dk")


def test_the_time_split_never_tests_on_a_decision_older_than_a_training_one(app, vk):
    with app.app_context():
        seed_decisions(vk.id, openings=5, citizens=8)
        train, test = rerank_train.time_split(rerank_train.collect(db.session, secret=train_secret()))
    assert len(test) == 8 and len(train) == 32
    assert max(d.decided_at for d in train) <= min(d.decided_at for d in test)


def test_training_recovers_the_planted_preference_and_uses_the_model(app, vk):
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")
        report = rerank_train.run(db.session, secret=train_secret())
        stored = json.loads(db.session.get(IndexerState, STATE_KEY).value)
    assert report["decisions"] == 240 and stored["in_use"] is True
    model = RerankModel.from_dict(stored["model"])
    weights = dict(zip(model.features, model.coef))
    assert max(weights, key=lambda n: abs(weights[n])) == "best_goal_relevance" and weights["best_goal_relevance"] > 0
    hand, learned = stored["figures"]["hand"], stored["figures"]["learned"]
    assert learned["map"] > hand["map"] and learned["auc"] > hand["auc"]
    assert "slog de håndsatte vægte" in stored["reason"]
    assert set(model.features) <= set(FEATURE_LABELS)


def test_a_model_that_does_not_beat_the_hand_set_weights_is_not_used(app, vk):
    with app.app_context():
        seed_decisions(vk.id, prefer="hand")  # the hand-set order is already perfect
        report = rerank_train.run(db.session, secret=train_secret())
    assert report["figures"]["hand"]["map"] == 1.0
    assert report["in_use"] is False and report["model"] is not None
    assert "slog ikke" in report["reason"]


def test_too_few_decisions_keep_the_hand_set_weights(app, vk):
    with app.app_context():
        seed_decisions(vk.id, openings=6, citizens=20, prefer="goal")  # 120 < 200
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
        assert db.session.get(IndexerState, STATE_KEY) is None  # a dry run stores nothing
    assert report["decisions"] == 120 and report["in_use"] is False
    assert "For få beslutninger" in report["reason"]


def test_labels_follow_the_company_answer_and_the_interview(app, vk):
    with app.app_context():
        ids = seed_decisions(vk.id, openings=1, citizens=4)
        rows = [db.session.get(Proposal, i) for i in ids]
        for row in rows:
            row.status = "disclosed"
        rows[0].company_response = "declined"
        rows[1].company_response = "hired"
        db.session.add(Interview(proposal_id=rows[2].id, starts_at=rows[2].decided_at, offered_by="company",
                                 status="booked", uid="x@test"))
        db.session.commit()
        gains = {d.proposal_id: d.gain for d in rerank_train.collect(db.session, secret=train_secret())}
    assert [gains[i] for i in ids] == [0, 3, 2, 1]


@pytest.mark.parametrize("end_reason, gain", [(None, 3), ("ordinaert_job", 3), ("aflyst", 1)])
def test_a_placement_is_a_hire_unless_it_was_cancelled_before_its_start(app, vk, end_reason, gain):
    with app.app_context():
        [proposal_id] = seed_decisions(vk.id, openings=1, citizens=1)
        proposal = db.session.get(Proposal, proposal_id)
        proposal.status = "disclosed"
        start = proposal.decided_at.date()
        db.session.add(Placement(citizen_id=proposal.citizen_id, company_id=proposal.opening.company_id,
                                 opening_id=proposal.opening_id, kind="virksomhedspraktik", start_date=start,
                                 end_date=start if end_reason else None, end_reason=end_reason, weekly_hours=10))
        db.session.commit()
        gains = {d.proposal_id: d.gain for d in rerank_train.collect(db.session, secret=train_secret())}
    assert gains[proposal_id] == gain


def test_the_command_scores_decisions_stored_without_facts_and_prints_json(app, vk, seed, tmp_path, monkeypatch,
                                                                            capsys):
    from indexer.cli import main

    with app.app_context():
        ids = seed_decisions(vk.id, openings=3, citizens=5)
        first = db.session.get(Proposal, ids[0])
        citizen_id = seed.citizen(goal="Lagermedarbejder")  # matchable: CV, jobmål and VK
        db.session.add(Proposal(citizen_id=citizen_id, opening_id=first.opening_id, status="approved",
                                explanation={}, decided_by_id=vk.id, decided_at=first.decided_at))
        db.session.commit()
    _indexer_environment(app, tmp_path, monkeypatch)
    assert main(["rerank", "train", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["decisions"] == 16 and report["in_use"] is False and "model" not in report
    assert report["encoder"].startswith("hashing")  # the portal uses a model only with its encoder
    assert set(report["figures"]) == {"hand", "learned"}


def test_the_worker_schedule_trains_daily_and_waits_after_an_attempt(app, vk):
    from datetime import datetime, timedelta, timezone

    now = [datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)]
    with app.app_context():
        seed_decisions(vk.id, openings=2, citizens=5)
        schedule = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0])
        assert schedule.due()  # nothing stored yet: due at once
        rerank_train.run(db.session, secret=train_secret(), now=now[0])
        now[0] += timedelta(hours=23)
        assert not schedule.due()
        now[0] += timedelta(hours=2)
        assert schedule.due()

        schedule.postpone()  # an attempt failed (or was stopped): tried again after an hour
        assert not schedule.due()
        now[0] += timedelta(hours=1)
        assert schedule.due()


def test_a_model_of_another_encoder_is_due_for_training_at_once(app, vk):
    from datetime import datetime, timedelta, timezone

    now = [datetime(2026, 12, 1, 2, 0, tzinfo=timezone.utc)]
    with app.app_context():
        seed_decisions(vk.id, openings=2, citizens=5)
        old = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0], encoder_name="e5-small-v1")
        rerank_train.run(db.session, secret=train_secret(), now=now[0], encoder_name="e5-small-v1")
        assert json.loads(db.session.get(IndexerState, STATE_KEY).value)["encoder"] == "e5-small-v1"
        now[0] += timedelta(minutes=5)
        assert not old.due()
        new = rerank_train.Schedule(db.session, secret=train_secret(), clock=lambda: now[0], encoder_name="e5-small-v2")
        assert new.due()  # the stored model's scores are another encoder's
        rerank_train.run(db.session, secret=train_secret(), now=now[0], encoder_name="e5-small-v2")
        assert json.loads(db.session.get(IndexerState, STATE_KEY).value)["encoder"] == "e5-small-v2"
        assert not new.due()


def test_a_decision_on_an_opening_filled_since_is_still_a_judgement(app, vk, seed, tmp_path, monkeypatch, capsys):
    """The scorer scores the pair as it was decided (opening open): the opening's status is
    a hard limit for new proposals, not a fact about a decision already made."""
    from indexer.cli import main
    from store.models import Opening

    with app.app_context():
        ids = seed_decisions(vk.id, openings=3, citizens=5)
        first = db.session.get(Proposal, ids[0])
        citizen_id = seed.citizen(goal="Lagermedarbejder")
        db.session.add(Proposal(citizen_id=citizen_id, opening_id=first.opening_id, status="approved",
                                explanation={}, decided_by_id=vk.id, decided_at=first.decided_at))
        db.session.get(Opening, first.opening_id).status = "filled"
        db.session.commit()
    _indexer_environment(app, tmp_path, monkeypatch)
    assert main(["rerank", "train", "--dry-run"]) == 0
    report = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert report["decisions"] == 16  # 15 stored with facts, and the one scored again


def test_scoring_for_training_never_holds_the_write_lock(app, vk, seed):
    """A training run encodes for minutes; meanwhile the portal must be able to write (on
    SQLite one writer at a time: a run holding the lock made every writer fail)."""
    import sqlite3

    from matching.backends.memory import MemoryBackend
    from matching.encoders import HashingEncoder

    path = app.config["DATABASE_URL"].removeprefix("sqlite:///")
    probes: list[bool] = []

    def portal_can_write() -> bool:
        other = sqlite3.connect(path, timeout=0.2, isolation_level=None)
        try:
            other.execute("BEGIN IMMEDIATE")  # takes the write lock, or fails when it is held
            other.execute("ROLLBACK")
            return True
        except sqlite3.OperationalError:
            return False
        finally:
            other.close()

    class Probing(HashingEncoder):
        def encode_queries(self, texts):
            probes.append(portal_can_write())
            return super().encode_queries(texts)

        def encode_passages(self, texts):
            probes.append(portal_can_write())
            return super().encode_passages(texts)

    with app.app_context():
        ids = seed_decisions(vk.id, openings=3, citizens=5)
        first = db.session.get(Proposal, ids[0])
        for goal in ("Lagermedarbejder", "Kok", "Chauffør"):
            citizen_id = seed.citizen(goal=goal, cv=f"Erfaring som {goal.lower()}, fem år.")
            db.session.add(Proposal(citizen_id=citizen_id, opening_id=first.opening_id, status="approved",
                                    explanation={}, decided_by_id=vk.id, decided_at=first.decided_at))
        db.session.commit()
        scorer = rerank_train.service_scorer(db.session, Probing(64), MemoryBackend())
        decisions = rerank_train.collect(db.session, scorer, secret=train_secret())
        db.session.rollback()
    assert len(decisions) == 18 and len(probes) >= 3  # three pairs scored again, texts encoded
    assert all(probes), probes


def test_a_broken_concept_table_stops_the_commands_that_need_it_with_a_clear_error(app, tmp_path, monkeypatch,
                                                                                     capsys):
    """A broken MATCHING_CONCEPTS does not stop the status (it never reads the table); the
    re-ranking's command (scores with it) and the indexing (its sweep keeps the table's
    profiles) say what is wrong, as the portal does at start-up."""
    from indexer.cli import main

    _indexer_environment(app, tmp_path, monkeypatch)
    monkeypatch.setenv("MATCHING_CONCEPTS", str(tmp_path / "missing.npz"))
    assert main(["status"]) == 0
    for command in (["rerank", "train", "--dry-run"], ["drain"]):
        capsys.readouterr()
        assert main(command) == 2
        err = capsys.readouterr().err
        assert "configuration problem" in err and "missing.npz not found" in err


def _indexer_environment(app, tmp_path, monkeypatch) -> None:
    """The indexer's commands on the test app's database, the memory backend and the hashing encoder."""
    for key in ("MATCHING_INDEX_PATH", "ELASTICSEARCH_URL"):
        monkeypatch.delenv(key, raising=False)
    monkeypatch.setenv("DATABASE_URL", app.config["DATABASE_URL"])
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path / "inst"))
    monkeypatch.setenv("MATCHING_BACKEND", "memory")
    monkeypatch.setenv("MATCHING_ENCODER", "hashing")


def test_an_ending_with_the_case_is_no_judgement_only_what_came_before_counts(app, vk):
    """Closing the case ends live proposals ("ended"): neither a rejection nor an approval."""
    with app.app_context():
        ids = seed_decisions(vk.id, openings=1, citizens=4)
        rows = [db.session.get(Proposal, i) for i in ids]
        for row in rows:
            row.status = "ended"
        rows[0].company_response = "declined"  # the company's no stays a no
        rows[1].company_response = "interested"  # and its yes a yes
        rows[3].decided_at = rows[3].decided_by_id = None  # ended before anyone decided: left out
        db.session.commit()
        gains = {d.proposal_id: d.gain for d in rerank_train.collect(db.session, secret=train_secret())}
    assert gains == {ids[0]: 0, ids[1]: 2, ids[2]: 1}  # rows[2]: the consultant's approval, not the end


def test_the_model_never_weighs_a_fact_about_the_fit_negatively_and_says_which_it_held_at_zero(app, vk):
    """Review F1: every weight is ≥ 0; the report keeps the fit without the bound beside it."""
    with app.app_context():
        seed_decisions(vk.id, prefer="goal")
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    model = RerankModel.from_dict(report["model"])
    assert min(model.coef) >= 0.0
    assert not any(n.startswith("kind") for n in model.features)  # review F11: no opening-kind offset
    monotone = report["monotone"]
    assert set(monotone["free"]) == set(model.features)
    held = set(monotone["held_at_zero"])
    assert held <= {n for n, c in zip(model.features, model.coef) if c == 0.0}
    assert "hours_fit" not in held  # the same for every decision here: 0 without the bound too
    assert report["jobmaal_check"]["pairs"] > 0 and report["jobmaal_check"]["reversed"] == 0


def test_a_model_that_puts_unrelated_jobmaal_above_matching_ones_is_not_used(app, vk):
    """Consultants who approve on shared words alone, whatever the jobmål: the model beats the
    hand-set weights on their latest decisions, but it puts citizens whose jobmål is "lav"
    above ones whose jobmål matches the opening, though neither distance nor hours favour
    them. The jobmål check refuses it, and says where."""
    with app.app_context():
        seed_decisions(vk.id, prefer="terms")
        report = rerank_train.run(db.session, secret=train_secret(), dry_run=True)
    hand, learned = report["figures"]["hand"], report["figures"]["learned"]
    assert learned["map"] > hand["map"] and learned["auc"] >= hand["auc"]  # it would have won on figures
    check = report["jobmaal_check"]
    assert check["reversed"] > 0 and check["pairs"] >= check["reversed"]
    assert report["in_use"] is False and "uden beslægtet jobmål" in report["reason"]
    example = check["examples"][0]
    assert set(example) == {"opening_id", "above", "below"}


def test_goal_band_reads_the_cards_bands_from_the_facts():
    from datetime import datetime, timezone

    def decision(high: float, fit: float) -> rerank_train.Decision:
        return rerank_train.Decision(1, 1, datetime(2026, 1, 1, tzinfo=timezone.utc), 1,
                                     {"best_goal_high": high, "best_goal_fit": fit}, 0.5)

    assert [rerank_train.goal_band(decision(h, f)) for h, f in ((1.0, 0.2), (0.0, 0.5), (0.0, 0.34), (0.0, 0.0))] \
        == ["høj", "middel", "lav", "lav"]


def test_the_jobmaal_check_lets_earlier_decisions_on_the_jobmaal_speak_only_in_a_model_that_reads_them():
    """A citizen whose jobmål earlier decisions on this title approved more often may be put
    above one whose jobmål the scores call a match (the history is the consultants' own
    judgement), but only by a model that reads the history."""
    import dataclasses
    from datetime import datetime, timezone

    def decision(pid: int, high: float, fit: float, history: float, relevance: float) -> rerank_train.Decision:
        values = {"relevance": relevance, "best_goal_relevance": fit, "best_goal_fit": fit, "best_goal_high": high,
                  "proximity": 0.5, "hours_fit": 0.8, "shared_terms": 0.125, "goal_history": history,
                  "best_goal_dense": float("nan"), "best_goal_lexical": float("nan"),
                  "best_goal_concept": float("nan")}
        return rerank_train.Decision(pid, 1, datetime(2026, 1, 1, tzinfo=timezone.utc), 1, values, relevance + 0.1)

    matching, unrelated = decision(1, 1.0, 0.8, -0.3, 0.50), decision(2, 0.0, 0.1, 0.4, 0.45)
    reads = RerankModel(("relevance", "goal_history"), (0.45, 0.0), (0.1, 0.2), (0.1, 3.0), 0.0, 0.45, 0.1)
    plain = dataclasses.replace(reads, features=("relevance", "shared_terms"))
    assert rerank_train.learned_value(reads, unrelated) > rerank_train.learned_value(reads, matching)
    assert rerank_train.jobmaal_check(reads, [matching, unrelated])["pairs"] == 0  # the history speaks
    assert rerank_train.jobmaal_check(plain, [matching, unrelated])["pairs"] == 1


def test_the_training_scorer_counts_from_the_danish_day(app, monkeypatch):
    """Review BN 1: the scorer's service was built on the host's date; a decision scored at
    00:30 Danish time counted its months on ydelse from yesterday."""
    from datetime import date, datetime, timezone

    import time_machine

    import matching.service
    from matching.backends.memory import MemoryBackend
    from matching.encoders import HashingEncoder

    built = []

    class Recording(matching.service.MatchingService):
        def __init__(self, *args, **kw):
            super().__init__(*args, **kw)
            built.append(self)

    monkeypatch.setattr(matching.service, "MatchingService", Recording)
    with app.app_context():
        rerank_train.service_scorer(db.session, HashingEncoder(32), MemoryBackend())
    with time_machine.travel(datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc), tick=False):
        assert [service.clock() for service in built] == [date(2026, 12, 1)]
