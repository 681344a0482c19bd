"""Train the re-ranking model from this job centre's decisions and decide whether to use it.

The judgements (``gain``, documented in docs/matching.md, "Issue 12: learning from
decisions"), one per decided proposal (citizen × opening):

====  ====================================================================================
gain  when
====  ====================================================================================
0     the consultant rejected the pair, or the company answered "not interested"
1     the consultant approved it (whatever consent did afterwards)
2     ... and the company answered "interested" or an interview was booked
3     ... and the company answered "hired", or the pair became a placement
====  ====================================================================================

A rejection made on or after the day the citizen's case closed ended with the case and is not
a judgement of the match; it is left out. Likewise a proposal "ended" by the closing of the
case (``portal.proposals.end``): the ending is neither a rejection nor an approval; only what
was decided before it counts (the consultant's approval, the company's answer), and one that
ended before any decision is left out. The binary label is gain ≥ 1; stronger judgements weigh more in training. The features are
the ranking's own facts about the pair, as stored with the decision (the explanation the
consultant saw); a decision stored without them (an old row, the demo's history) is scored
again with today's matcher when a ``scorer`` is given, else left out.

Evaluation is on a time split: the oldest 80% of decisions train, the latest 20% test.
Which facts the model uses is decided inside the training part alone (``choose_features``):
the dense, lexical and concept channels of the best jobmål, and the earlier decisions on the
same jobmål and title (``goal_history``, :func:`with_history`: a training decision reads only
the decisions before it, a test decision only the training ones), go in only when, trained on
the older 80% of the training decisions, they beat the model without them on the latest 20%
of those.
Every weight is fitted ≥ 0 (``rerank.RerankModel.fit``: each fact measures how well the
citizen fits the opening, so none may count against a pair); the report keeps the fit without
that bound beside it (``monotone``: ``rerank.free_weights``, and which facts the bound held at 0).

The model is used only with at least ``MIN_DECISIONS`` decisions, when it beats the hand-set
weights on the test split (higher MAP over the test openings, AUC not lower), and when it
passes the jobmål check (:func:`jobmaal_check`: it never puts a decided pair whose best jobmål
is unrelated to the opening above one whose jobmål matches it, on the same opening, when the
hand-set weights had them the other way and distance and hours do not favour the unrelated
one). The result, with both sets of figures, is stored in ``indexer_state`` under
``STATE_KEY`` and shown at /admin/indexer/relevans.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

import numpy as np
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matching.backends import MatchBackend
from matching.concept_channel import ConceptChannel
from matching.domain import Match
from matching.encoders import Encoder, EncoderUnavailable
from matching.explain import GOAL_BANDS
from matching.ranking import BAND_ORDER, RELEVANCE_STEP
from matching.relevance import similarity_band
from matching.rerank import (
    ALLOWED_FEATURES, CHANNEL_FEATURES, FORMAT, HISTORY_FEATURES, MAX_ADJUSTMENT, STATE_KEY, DecisionHistory,
    HistoryCounter, RerankModel, features, free_weights, held_at_zero, history_keys, key_check,
)
from store.database import upsert
from store.embedding_store import DbEmbeddingCache
from store.models import IndexerState, Interview, OutboxEvent, Placement, Proposal
from store.models.base import utcnow

log = logging.getLogger(__name__)

MIN_DECISIONS = 200
TEST_SHARE = 0.2
# Training weight per gain: a hire says more than an approval.
GAIN_WEIGHTS = {0: 1.0, 1: 1.0, 2: 1.5, 3: 2.0}
# The feature sets the trainer chooses between (``choose_features``), the plain one first.
_PLAIN = tuple(n for n in ALLOWED_FEATURES if n not in CHANNEL_FEATURES + HISTORY_FEATURES)
FEATURE_SETS: dict[str, tuple[str, ...]] = {
    "uden kanaler": _PLAIN,
    "med kanaler": tuple(n for n in ALLOWED_FEATURES if n not in HISTORY_FEATURES),
    "med tidligere beslutninger": tuple(n for n in ALLOWED_FEATURES if n not in CHANNEL_FEATURES),
    "med kanaler og tidligere beslutninger": ALLOWED_FEATURES,
}
APPROVED = ("approved", "consented", "disclosed", "withdrawn")

Scorer = Callable[[Proposal], "Match | None"]


@dataclass(frozen=True)
class Decision:
    """One judged pair: when, how strongly, and the ranking's facts about it."""

    proposal_id: int
    opening_id: int
    decided_at: datetime
    gain: int
    features: dict[str, float]
    hand_score: float  # the hand-set score without the policy priority
    citizen_id: int = 0
    history_keys: tuple[str, ...] = ()  # of the opening's title and the jobmål (rerank.history_keys, keyed)

    @property
    def label(self) -> int:
        return int(self.gain >= 1)


def gain_of(proposal: Proposal, interviewed: set[int], placed: set[tuple[int, int]]) -> int | None:
    """The judgement of a proposal (table above); None while no decision is made."""
    # "ended" reaches here only after an approval (a rejected proposal never ends); the ending
    # itself adds nothing, the gain is what the approval and the company's answer made it.
    if proposal.decided_at is None or proposal.status not in APPROVED + ("rejected", "ended"):
        return None
    closed = proposal.citizen.case_closed
    if proposal.status == "rejected" and closed is not None and proposal.decided_at.date() >= closed:
        return None  # ended with the citizen's case, not a judgement of the match
    if proposal.status == "rejected" or proposal.company_response == "declined":
        return 0
    if proposal.company_response == "hired" or (proposal.citizen_id, proposal.opening_id) in placed:
        return 3
    if proposal.company_response == "interested" or proposal.id in interviewed:
        return 2
    return 1


def _facts(proposal: Proposal, scorer: Scorer | None,
           secret: bytes) -> tuple[dict[str, float], float, tuple[str, ...]] | None:
    """(features, hand-set score, history keys) of a decided pair: as stored with the decision,
    else scored again by ``scorer``; the history keys (made with ``secret``) of the jobmål the
    pair was scored with."""
    stored = proposal.explanation or {}
    if not ("relevance" in stored and "score" in stored):
        if scorer is None or (match := scorer(proposal)) is None:
            return None
        stored = dataclasses.asdict(match.explanation)
        stored["score"], stored["priority"] = match.score, match.priority
    goals = [g.get("goal") for g in stored.get("goal_scores") or () if isinstance(g, dict) and g.get("goal")]
    score = float(stored["score"]) - float(stored.get("priority") or 0.0)
    return features(stored), score, history_keys(proposal.opening.title, goals, secret)


def collect(session: Session, scorer: Scorer | None = None, *, secret: bytes) -> list[Decision]:
    """Every decided proposal with its gain and facts, oldest decision first.

    Args:
        scorer: scores a pair stored without the ranking's facts (``None``: leave it out);
            returns None for a pair it cannot score (e.g. it now breaks a hard limit).
        secret: the decision history's key (``rerank.history_secret`` of PSEUDONYM_KEY).
    """
    interviewed = set(session.scalars(sa.select(Interview.proposal_id)
                                      .where(Interview.status == "booked")))
    # A placement cancelled before its start ("aflyst": the citizen never began) is no hire.
    placed = {(c, o) for c, o in session.execute(
        sa.select(Placement.citizen_id, Placement.opening_id).where(
            Placement.opening_id.is_not(None),
            Placement.not_cancelled()))}
    rows = session.scalars(sa.select(Proposal).where(Proposal.decided_at.is_not(None))
                           .order_by(Proposal.decided_at, Proposal.id))
    decisions = []
    for proposal in rows:
        gain = gain_of(proposal, interviewed, placed)
        facts = None if gain is None else _facts(proposal, scorer, secret)
        if facts is not None:
            values, score, keys = facts
            decisions.append(Decision(proposal.id, proposal.opening_id, proposal.decided_at,
                                      gain, values, score, proposal.citizen_id, keys))
    return decisions


def with_history(train_set: Sequence[Decision], test_set: Sequence[Decision] = (), *, check: str
                 ) -> tuple[list[Decision], list[Decision], DecisionHistory]:
    """The decisions with their ``goal_history``, and the history a model trained on
    ``train_set`` keeps (``check``: ``rerank.key_check`` of the key the decisions' history keys
    were made with).

    A training decision's value is read from the training decisions before it (oldest first,
    ``HistoryCounter``): never from itself or a later one. A test decision's is read from all
    the training decisions and none of the test's, as a model trained then would read it.
    """
    ordered = sorted(train_set, key=lambda d: (d.decided_at, d.proposal_id))
    counter = HistoryCounter()
    trained = []
    for d in ordered:
        trained.append(dataclasses.replace(d, features={**d.features, "goal_history": counter.value(d.history_keys)}))
        counter.add(d.history_keys, d.label, d.citizen_id)
    history = counter.history(check)
    tested = [dataclasses.replace(d, features={**d.features, "goal_history": history.value(d.history_keys)})
              for d in test_set]
    return trained, tested, history


def time_split(decisions: Sequence[Decision],
               test_share: float = TEST_SHARE) -> tuple[list[Decision], list[Decision]]:
    """(train, test): the oldest decisions train, the latest ``test_share`` test."""
    ordered = sorted(decisions, key=lambda d: (d.decided_at, d.proposal_id))
    cut = len(ordered) - max(1, math.ceil(len(ordered) * test_share)) if ordered else 0
    return ordered[:cut], ordered[cut:]


def order_value(relevance: float, score: float) -> float:
    """The ranking's order (band, relevance step, score) as one number, higher first."""
    step = math.floor(relevance / RELEVANCE_STEP + 1e-9)
    return 100.0 * BAND_ORDER[similarity_band(relevance)] + 2.0 * step + min(max(score, 0.0), 1.99)


def hand_value(decision: Decision) -> float:
    return order_value(decision.features["relevance"], decision.hand_score)


def learned_value(model: RerankModel, decision: Decision) -> float:
    delta = model.adjust(decision.features).delta
    return order_value(decision.features["relevance"] + delta, decision.hand_score + delta)


def figures(test: Sequence[Decision], value: Callable[[Decision], float]) -> dict:
    """AUC over all test pairs, MAP and nDCG@10 over the test openings, for one ordering.

    MAP counts openings with an approved and a rejected test pair; nDCG uses the gains.
    """
    from sklearn.metrics import average_precision_score, ndcg_score, roc_auc_score

    labels = [d.label for d in test]
    values = [value(d) for d in test]
    auc = roc_auc_score(labels, values) if len(set(labels)) == 2 else None
    by_opening: dict[int, list[int]] = {}
    for i, d in enumerate(test):
        by_opening.setdefault(d.opening_id, []).append(i)
    aps, ndcgs = [], []
    for idx in by_opening.values():
        y = [labels[i] for i in idx]
        v = [values[i] for i in idx]
        if 0 < sum(y) < len(y):
            aps.append(average_precision_score(y, v))
        if len(idx) > 1 and any(test[i].gain for i in idx):
            ndcgs.append(ndcg_score([[test[i].gain for i in idx]], [v], k=10))
    return {"auc": None if auc is None else round(float(auc), 4),
            "map": round(float(np.mean(aps)), 4) if aps else None,
            "ndcg10": round(float(np.mean(ndcgs)), 4) if ndcgs else None,
            "openings": len(aps)}


def _dk(value: float | None) -> str:
    """A figure with a Danish decimal comma ("–" when there is none)."""
    return "–" if value is None else f"{value:.3f}".replace(".", ",")


def _beats(learned: dict, hand: dict) -> bool:
    if learned["map"] is None or hand["map"] is None:
        return False
    auc_ok = learned["auc"] is None or hand["auc"] is None or learned["auc"] >= hand["auc"]
    return learned["map"] > hand["map"] and auc_ok


def _fit(decisions: Sequence[Decision], names: Sequence[str]) -> RerankModel:
    return RerankModel.fit([d.features for d in decisions], [d.label for d in decisions],
                           [GAIN_WEIGHTS[d.gain] for d in decisions], names=names)


def goal_band(decision: Decision) -> str:
    """The band of the pair's best jobmål as the card shows it ("høj", "middel", "lav"), read
    from its facts: "høj" is its own fact, "middel" starts at ``explain.GOAL_BANDS``' lowest
    threshold of the jobmål's fit, and a citizen without jobmål is "lav"."""
    if decision.features["best_goal_high"] >= 1.0:
        return "høj"
    return "middel" if decision.features["best_goal_fit"] >= GOAL_BANDS[-1][0] else "lav"


def _history(decision: Decision) -> float:
    """A pair's ``goal_history``; none (NaN) counts as the average pair's, 0, as in the model."""
    value = decision.features.get("goal_history", math.nan)
    return 0.0 if math.isnan(value) else value


def jobmaal_check(model: RerankModel, decisions: Sequence[Decision], examples: int = 5) -> dict:
    """Whether the model puts a citizen with no related jobmål above one whose jobmål matches
    the opening, by itself: the sanity check a model passes before it is used.

    Checked: every two decided pairs on the same opening where the first's best jobmål is
    "høj" or "middel" (:func:`goal_band`) and the second's "lav", the second is neither closer
    nor a better fit for the hours, nor (when the model reads them) has a jobmål that earlier
    decisions on this title approved more often (``goal_history``: the consultants' own judgement
    of the jobmål, the one fact meant to correct a score that misjudges a Danish jobmål), and the
    hand-set order puts
    the first above the second. The model fails a pair when its order (as the portal ranks,
    :func:`learned_value`) puts the second above the first: nothing but the model's weighing of
    the match facts moved it there.

    Returns:
        {"pairs": pairs checked, "reversed": pairs the model put the other way round,
        "examples": up to ``examples`` of those as {"opening_id", "above", "below"} (proposal
        ids: the matching pair first)}.
    """
    by_opening: dict[int, list[Decision]] = {}
    for d in decisions:
        by_opening.setdefault(d.opening_id, []).append(d)
    pairs, reversed_, found = 0, 0, []
    reads_history = any(n in HISTORY_FEATURES for n in model.features)
    for opening_id, decided in sorted(by_opening.items()):
        matching = [d for d in decided if goal_band(d) != "lav"]
        unrelated = [d for d in decided if goal_band(d) == "lav"]
        for a in matching:
            for b in unrelated:
                if (b.features["proximity"] > a.features["proximity"]
                        or b.features["hours_fit"] > a.features["hours_fit"]
                        or (reads_history and _history(b) > _history(a)) or hand_value(a) <= hand_value(b)):
                    continue
                pairs += 1
                if learned_value(model, b) > learned_value(model, a):
                    reversed_ += 1
                    if len(found) < examples:
                        found.append({"opening_id": opening_id, "above": a.proposal_id, "below": b.proposal_id})
    return {"pairs": pairs, "reversed": reversed_, "examples": found}


def choose_features(train_set: Sequence[Decision], check: str) -> tuple[tuple[str, ...], dict]:
    """The feature set to fit on, chosen on the training decisions alone (never the test).

    Each set of ``FEATURE_SETS`` is fitted on the older 80% of ``train_set`` and measured on
    its latest 20%; a larger set is chosen only when it beats the plain one there by the
    rule the model itself must meet against the hand-set weights (higher MAP, AUC not
    lower). Too few decisions to measure: the plain set.

    Returns:
        (feature names, {"chosen": the set's Danish name, "validation": figures per set}).
    """
    inner, validation, _ = with_history(*time_split(train_set), check=check)  # validation reads the inner part's history only
    names = list(FEATURE_SETS)
    measured: dict[str, dict | None] = {}
    for name in names:
        try:
            model = _fit(inner, FEATURE_SETS[name])
        except ValueError:  # one class only among the older decisions
            measured[name] = None
            continue
        measured[name] = figures(validation, lambda d, m=model: learned_value(m, d)) if validation else None
    chosen = names[0]
    for name in names[1:]:
        if measured[name] is not None and measured[chosen] is not None and _beats(measured[name], measured[chosen]):
            chosen = name
    return FEATURE_SETS[chosen], {"chosen": chosen, "validation": measured,
                                  "validation_decisions": len(validation)}


def train(decisions: Sequence[Decision], *, check: str, now: datetime | None = None,
          min_decisions: int = MIN_DECISIONS) -> dict:
    """Fit on the older decisions, compare with the hand-set weights on the latest.

    ``check``: ``rerank.key_check`` of the key the decisions' history keys were made with.

    Returns:
        The report stored under ``STATE_KEY``: counts, dates, ``feature_set`` (which facts
        the model uses and why: :func:`choose_features`), ``figures`` (hand / learned),
        ``monotone`` (``free``: the weights without the bound ≥ 0, ``held_at_zero``: the facts
        the bound held at 0), ``jobmaal_check`` (:func:`jobmaal_check`), ``in_use`` with a
        Danish ``reason``, and the ``model`` (None when none was fitted).
    """
    train_set, test_set = time_split(decisions)
    report: dict = {
        "trained_at": (now or utcnow()).isoformat(timespec="seconds"),
        "decisions": len(decisions), "train": len(train_set), "test": len(test_set),
        "positives": sum(d.label for d in decisions),
        "train_until": train_set[-1].decided_at.isoformat(timespec="seconds") if train_set else None,
        "test_from": test_set[0].decided_at.isoformat(timespec="seconds") if test_set else None,
        "min_decisions": min_decisions, "max_adjustment": MAX_ADJUSTMENT,
        "figures": {"hand": figures(test_set, hand_value) if test_set else None, "learned": None},
        "in_use": False, "model": None,
    }
    names, report["feature_set"] = choose_features(train_set, check)
    train_set, test_set, history = with_history(train_set, test_set, check=check)
    try:
        model = _fit(train_set, names)
    except ValueError:
        report["reason"] = (f"Der er for få beslutninger at lære af ({len(decisions)}; der skal "
                            "både være godkendte og fravalgte).")
        return report
    reads_history = any(n in HISTORY_FEATURES for n in names)
    if reads_history:
        model = dataclasses.replace(model, history=history)
    learned = figures(test_set, lambda d: learned_value(model, d))
    report["figures"]["learned"] = learned
    rows, labels, weights = ([d.features for d in train_set], [d.label for d in train_set],
                             [GAIN_WEIGHTS[d.gain] for d in train_set])
    report["monotone"] = {"free": free_weights(rows, labels, weights, names),
                          "held_at_zero": held_at_zero(model, rows, labels, weights)}
    # On every decision, its facts as measured (a test decision's history from the training part).
    sanity = report["jobmaal_check"] = jobmaal_check(model, [*train_set, *test_set])
    if reads_history:
        # Measured with the training decisions' history, as the test decisions were ranked
        # after them; kept with every decision's, as the next ranking comes after them all.
        model = dataclasses.replace(model, history=with_history(decisions, check=check)[2])
        report["history_pairs"] = len(model.history.counts)
    report["model"] = model.to_dict()
    hand = report["figures"]["hand"]
    if len(decisions) < min_decisions:
        report["reason"] = (f"For få beslutninger endnu: {len(decisions)} (mindst {min_decisions}). "
                            "De håndsatte vægte bruges.")
    elif not _beats(learned, hand):
        report["reason"] = ("Den lærte model slog ikke de håndsatte vægte på de seneste beslutninger "
                            f"(MAP {_dk(learned['map'])} mod {_dk(hand['map'])}, AUC {_dk(learned['auc'])} mod "
                            f"{_dk(hand['auc'])}). De håndsatte vægte bruges.")
    elif sanity["reversed"]:
        report["reason"] = (f"Den lærte model satte i {sanity['reversed']} af {sanity['pairs']} par en borger uden "
                            "beslægtet jobmål over en, hvis jobmål matcher opslaget, uden at afstand eller timer "
                            "talte for det. De håndsatte vægte bruges.")
    else:
        report["in_use"] = True
        report["reason"] = ("Den lærte model slog de håndsatte vægte på de seneste "
                            f"{round(TEST_SHARE * 100)} % af beslutningerne, bestod jobmålstjekket og "
                            "bruges i rangeringen.")
    return report


def store_report(session: Session, report: dict) -> None:
    """Save the report (and model) for the portal, replacing the previous one; commits."""
    session.execute(upsert(session, IndexerState, [{"key": STATE_KEY, "value": json.dumps(report),
                                                    "updated_at": utcnow()}],
                           key=["key"], update=["value", "updated_at"]))
    session.commit()


def last_trained(session: Session, encoder_name: str | None = None, check: str | None = None) -> datetime | None:
    """When the stored model was last trained (None: never, its model is of another
    ``rerank.FORMAT``, it was trained on another encoder's scores than ``encoder_name``, or its
    decision history was counted under another key than the one ``check`` is of, all of which
    the portal refuses: then it is due for training at once)."""
    row = session.get(IndexerState, STATE_KEY)
    if row is None:
        return None
    try:
        report = json.loads(row.value)
        model = report.get("model")
        if isinstance(model, dict) and model.get("format") != FORMAT:
            return None
        if encoder_name is not None and report.get("encoder") != encoder_name:
            return None
        history = model.get("history") if isinstance(model, dict) else None
        if check is not None and isinstance(history, dict) and history.get("check") != check:
            return None
        return datetime.fromisoformat(report["trained_at"])
    except (ValueError, KeyError, TypeError, AttributeError):
        return None


def run(session: Session, scorer: Scorer | None = None, *, secret: bytes, dry_run: bool = False,
        min_decisions: int = MIN_DECISIONS, now: datetime | None = None,
        encoder_name: str | None = None) -> dict:
    """Collect, train, evaluate and (unless ``dry_run``) store; returns the report.

    ``secret``: the decision history's key (``rerank.history_secret`` of PSEUDONYM_KEY; the
    portal reads the history with its own, so both must hold the same PSEUDONYM_KEY).

    ``encoder_name``: the encoder whose scores the features are (stored as ``encoder``; the
    portal uses the model only with the same encoder, since relevance and the dense channel
    change scale with it).
    """
    report = train(collect(session, scorer, secret=secret), check=key_check(secret),
                   min_decisions=min_decisions, now=now)
    report["encoder"] = encoder_name
    if not dry_run:
        store_report(session, report)
    log.info("re-ranking: %s decisions, in use: %s (%s)", report["decisions"], report["in_use"],
             report["reason"])
    return report


class _CommittedCache(DbEmbeddingCache):
    """The database embedding cache for a training run: read in the run's session, each new
    vector written and committed at once in a short session of its own.

    The run encodes texts for minutes at a time (every pair stored without facts). Written
    into its own session, the first vector would begin a write transaction that lasts until
    the report is stored, and on SQLite that holds the database's one write lock: every
    portal request that writes would wait, then fail with "database is locked".
    """

    def put_many(self, items) -> None:
        with Session(self.session.get_bind()) as own:
            DbEmbeddingCache(own, self.encoder_name).put_many(items)
            own.commit()


def service_scorer(session: Session, encoder: Encoder, backend: MatchBackend,
                   concepts: ConceptChannel | None = None) -> Scorer:
    """A scorer that scores a stored pair again with today's matcher (no policy priority).

    The opening is scored as it was when the consultant decided, open: a decision on an
    opening that has since been filled or closed is still a judgement of the pair (the
    opening's status is a hard limit for new proposals, not a fact about this one). Uses
    the database embedding cache, so vectors the indexer computed are reused. ``concepts``:
    the portal's concept channel (``MATCHING_CONCEPTS``), so the features are the portal's.
    """
    from matching.cache import CachedEncoder
    from matching.domain import RankingWeights
    from matching.service import MatchingService
    from store import clock
    from store.profiles import citizen_profiles, is_indexable_citizen, load_rules, opening_profile

    service = MatchingService(CachedEncoder(encoder, _CommittedCache(session, encoder.name)),
                              backend, RankingWeights(), load_rules(session), concepts=concepts,
                              clock=clock.today)

    def score(proposal: Proposal) -> Match | None:
        if not is_indexable_citizen(proposal.citizen):
            return None
        profile = citizen_profiles(session, [proposal.citizen])[proposal.citizen.id]
        try:
            opening = dataclasses.replace(opening_profile(proposal.opening), status="open")
            outcome = service.explain_pair(profile, opening, priority="off")
        except (EncoderUnavailable, ValueError) as err:
            log.warning("proposal %s not scored: %s", proposal.id, err)
            return None
        return outcome if isinstance(outcome, Match) else None

    return score


def erased_since(session: Session, when: datetime) -> bool:
    """Whether a citizen was erased (or left the index for good) after ``when``: the stored
    model then still counts their decisions in its history and means, so it is retrained at
    once instead of within the day."""
    return session.scalar(sa.select(sa.exists().where(
        OutboxEvent.entity == "citizen", OutboxEvent.op == "delete", OutboxEvent.created_at > when))) or False


class Schedule:
    """When to retrain: once a day (``indexer.training.BackgroundTraining`` runs the training
    in a process of its own and asks this).

    Due when the stored model is older than ``every`` (or there is none, or the portal would
    refuse it: :func:`last_trained`), or a citizen was erased since it was trained
    (:func:`erased_since`). After every attempt (:meth:`postpone`) nothing is due for
    ``retry``: a training that failed or was stopped is tried again then.
    ``secret``: the decision history's key (:func:`run`).
    """

    def __init__(self, session: Session, *, secret: bytes, every: timedelta = timedelta(days=1),
                 retry: timedelta = timedelta(hours=1), clock: Callable[[], datetime] = utcnow,
                 encoder_name: str | None = None) -> None:
        self.session, self.secret = session, secret
        self.every, self.retry, self.clock = every, retry, clock
        self.encoder_name = encoder_name
        self._not_before: datetime | None = None

    def due(self) -> bool:
        now = self.clock()
        if self._not_before is not None and now < self._not_before:
            return False
        last = last_trained(self.session, self.encoder_name, key_check(self.secret))
        return last is None or now - last >= self.every or erased_since(self.session, last)

    def postpone(self) -> None:
        """Nothing is due for ``retry`` from now (called after each attempt)."""
        self._not_before = self.clock() + self.retry
