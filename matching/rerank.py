"""Re-ranking learned from the job centre's own decisions (issue 12, part 2).

A logistic model over the ranking's own per-pair facts (``ALLOWED_FEATURES``) predicts
whether a consultant approves a pair. It is applied as a bounded adjustment of the pair's
relevance ("Samlet match"), so the order of steps stays the ranking's: hard constraints
first (a pair that breaks one never reaches the model), then relevance and the soft factors
(here adjusted), then the policy priority as a separate, visible step.

Every feature is a fact about one pair: it never depends on k, the filters or the other
candidates (no rank position, no min-max over a list). Protected or sensitive attributes
(age, gender, name, origin, languages, health limitations, benefit group) are never
features: building or loading a model that names a feature outside ``ALLOWED_FEATURES``
raises :class:`ForbiddenFeature`. Nor is the opening's kind: an offset per kind moves every
candidate of an opening alike, so it cannot change the order within an opening, only the
bands and the order across openings on a citizen's page, and since each kind is meant for
certain benefit groups it would weigh the group in through the back door (review F, F11).

Every feature measures how well the citizen fits the opening, so none may count against a
pair: the model is monotone, every weight is at least 0 (``fit`` solves the logistic loss
with that bound, scipy's L-BFGS-B; a model with a negative weight is refused like a forbidden
feature). Unbounded, a fact that moves with another (the best jobmål against the opening and
against the title) took a negative weight and pushed citizens whose jobmål is the opening's
occupation below unrelated ones (review F, F1). :func:`free_weights` gives the unbounded fit
beside it, so the administrator can see which facts the bound held at 0.

One fact is learned from the decisions themselves: ``goal_history``, how earlier decisions on the
same jobmål for an opening of the same occupation went (:class:`DecisionHistory`, kept with the
model as counts under keyed hashes of the two texts, only for texts decided for at least
``HISTORY_MIN_CITIZENS`` citizens). The hash is keyed with a secret derived from the
installation's ``PSEUDONYM_KEY`` (:func:`history_secret`), which is never stored, so a model
read from the database tells nothing about which texts were decided, not even to someone who
guesses them. It is how the consultants' Danish judgements of which jobmål
fit which titles reach the ranking, where the encoder and the concept table know Danish least.

The learned relevance is a linear map of the model's log-odds onto the relevance scale of
the training pairs (their mean and spread), and the adjustment is its difference to the
hand-set relevance, capped at ``MAX_ADJUSTMENT``. With every weight ≥ 0 the adjusted relevance
never falls when a fact about the pair improves (the cap and the [0, 1] bounds keep that). It
decomposes exactly into one contribution per feature (:meth:`RerankModel.adjust`), which the
ranking card shows rounded as it is shown (:meth:`Adjustment.reasons`). The model is stored as
JSON (never pickle): :meth:`RerankModel.to_dict` / :meth:`from_dict`.
"""
from __future__ import annotations

import dataclasses
import decimal
import functools
import hashlib
import hmac
import math
from collections import defaultdict
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from matching.concept_channel import occupation_title
from matching.domain import GoalScore, Match
from matching.ranking import order_key
from matching.relevance import similarity_band

# The key the trainer stores its report and model under (the indexer's key/value state).
STATE_KEY = "rerank_model"
# Bumped when the features or the way the model is applied change: a stored model of
# another format is not used (it is retrained). 2: the best jobmål's dense and lexical
# channels (best_goal_dense, best_goal_lexical); an unknown fact counts as the mean. 3: its
# concept similarity with the opening's title (best_goal_concept, matching.concept_channel). 4:
# earlier decisions on the same jobmål and title (goal_history, DecisionHistory). 5: its keys
# are keyed hashes (history_secret), with the key's check stored beside them. 6: the best
# jobmål's fit is read against the occupation the title names, and "høj" starts at 0.74
# (docs/matching.md "Per-jobmål bands"), so best_goal_fit and best_goal_high shifted. 7: no
# opening kind (a per-kind offset, review F11), and every weight ≥ 0 (monotone, review F1).
FORMAT = 7
# The learned adjustment of a pair's relevance never exceeds this (either way).
MAX_ADJUSTMENT = 0.15
# How far proximity has dropped at this many km (the hand-set weights' distance scale).
DISTANCE_SCALE_KM = 20.0
SHARED_TERMS_CAP = 8

# The only facts a model may use, each about one (citizen, opening) pair, with the Danish
# words the ranking card uses. Nothing about the person as such (see the module docstring).
FEATURE_LABELS: Mapping[str, str] = {
    "relevance": "samlet match",
    "best_goal_relevance": "bedste jobmål mod opslaget",
    "best_goal_dense": "bedste jobmål mod opslaget i betydning",
    "best_goal_lexical": "bedste jobmål mod opslaget i fælles orddele",
    "best_goal_concept": "bedste jobmåls fælles ESCO-erhverv med titlen",
    "goal_history": "tidligere beslutninger om samme jobmål og titel",
    "best_goal_fit": "bedste jobmål mod titlen",
    "best_goal_high": "jobmål med høj match",
    "proximity": "kort afstand",
    "hours_fit": "timer",
    "shared_terms": "fælles ord",
}
ALLOWED_FEATURES: tuple[str, ...] = tuple(FEATURE_LABELS)
# The facts whose weight may not be negative: all of them, since each measures how well the
# citizen fits the opening (the jobmål, the whole text, shared words, hours, distance, and how
# such pairs were decided before). A better fit never counts against a pair.
MONOTONE_FEATURES: frozenset[str] = frozenset(ALLOWED_FEATURES)
# What a pair's value of a feature is, against the model's average pair, as the ranking card
# says it: (above the average, below it). A contribution is what that difference moved the
# adjustment by, so the card reads "kortere afstand end de fleste: +0,06". "relevance" is said
# apart (Adjustment.reasons): its share is how the model weighs it against the hand-set weights.
FEATURE_REASONS: Mapping[str, tuple[str, str]] = {
    "best_goal_relevance": ("bedste jobmål matcher opslaget bedre end for de fleste",
                            "bedste jobmål matcher opslaget dårligere end for de fleste"),
    "best_goal_dense": ("bedste jobmål ligner opslaget mere i betydning end for de fleste",
                        "bedste jobmål ligner opslaget mindre i betydning end for de fleste"),
    "best_goal_lexical": ("bedste jobmål deler flere orddele med opslaget end for de fleste",
                          "bedste jobmål deler færre orddele med opslaget end for de fleste"),
    "best_goal_concept": ("bedste jobmål deler mere ESCO-erhverv med titlen end for de fleste",
                          "bedste jobmål deler mindre ESCO-erhverv med titlen end for de fleste"),
    "goal_history": ("samme jobmål til samme titel er oftere godkendt før",
                     "samme jobmål til samme titel er sjældnere godkendt før"),
    "best_goal_fit": ("bedste jobmål passer bedre til titlen end for de fleste",
                      "bedste jobmål passer dårligere til titlen end for de fleste"),
    "best_goal_high": ("et jobmål har høj match", "intet jobmål har høj match"),
    "proximity": ("kortere afstand end for de fleste", "længere afstand end for de fleste"),
    "hours_fit": ("timerne passer bedre end for de fleste", "timerne passer dårligere end for de fleste"),
    "shared_terms": ("flere fælles ord end for de fleste", "færre fælles ord end for de fleste"),
}
# Below this an adjustment or a share shows as 0,00: not worth a word on the card.
SHOWN_MINIMUM = 0.005
# The channels the best jobmål's relevance is made of: the two it is fused from and the concept
# similarity that lifted it. The trainer uses them only when they help on its own latest
# decisions (indexer.rerank_train.choose_features): on the demo the first two did not
# (docs/matching.md). With the concept similarity a model can learn from the consultants'
# decisions whether occupation families (what the concept channel lifts) are approved.
CHANNEL_FEATURES: tuple[str, ...] = ("best_goal_dense", "best_goal_lexical", "best_goal_concept")
# Learned from the decisions themselves (DecisionHistory); used, like the channels, only when
# it helps on the trainer's own latest decisions.
HISTORY_FEATURES: tuple[str, ...] = ("goal_history",)
SCORE_FEATURES: tuple[str, ...] = tuple(n for n in ALLOWED_FEATURES if n not in HISTORY_FEATURES)
# A (jobmål, title) pair's counts are kept only when decisions on it concern this many citizens:
# no one person's free-text jobmål is in a model.
HISTORY_MIN_CITIZENS = 2
# Pseudo-decisions at the prior that a pair's approval rate is pulled towards.
HISTORY_SMOOTHING = 2.0
# A stored count above this is refused as malformed (no job centre decides a pair a billion times).
MAX_HISTORY_COUNT = 10**9


class ForbiddenFeature(ValueError):
    """A model names a feature outside ``ALLOWED_FEATURES``."""


class NegativeWeight(ValueError):
    """A model weighs a fact about the citizen's fit (``MONOTONE_FEATURES``) negatively."""


def check_features(names: Iterable[str]) -> tuple[str, ...]:
    """``names`` as a tuple when every one is allowed.

    Raises:
        ForbiddenFeature: a name outside ``ALLOWED_FEATURES`` (e.g. "age", "benefit_group"),
            or a repeated name.
    """
    names = tuple(names)
    refused = [n for n in names if n not in ALLOWED_FEATURES]
    if refused:
        raise ForbiddenFeature(f"features not allowed in a re-ranking model: {', '.join(map(str, refused))}")
    if len(set(names)) != len(names):
        raise ForbiddenFeature("a feature is named twice")
    return names


def _number(value: object, default: float = 0.0) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return default
    return number if math.isfinite(number) else default


def _cents(value: float) -> int:
    """``value`` in hundredths, rounded half up as the card shows it (``dknum(2)`` rounds the
    float's shortest decimal text, ``str(value)``, half up)."""
    return int(decimal.Decimal(str(value)).quantize(decimal.Decimal("0.01"), decimal.ROUND_HALF_UP) * 100)


def _channel(goal: Mapping, name: str) -> float:
    """A jobmål's dense or lexical channel; NaN (unknown) when it was not measured."""
    value = goal.get(name)
    return math.nan if value is None else _number(value, math.nan)


def history_secret(key: str | bytes) -> bytes:
    """The secret history keys are made with, derived from the installation's ``PSEUDONYM_KEY``
    (a key of its own, so the pseudonym key itself serves one purpose only). Never stored.

    Raises:
        ValueError: an empty key.
    """
    key = key.encode() if isinstance(key, str) else bytes(key)
    if not key:
        raise ValueError("the decision history needs a non-empty key (PSEUDONYM_KEY)")
    return hmac.new(key, b"jobbro decision history", hashlib.sha256).digest()


def key_check(secret: bytes) -> str:
    """A short check of ``secret``, stored with a history: tells whether a process holds the key
    the history was counted under, without telling the key."""
    return hmac.new(secret, b"check", hashlib.sha256).hexdigest()[:16]


def history_keys(title: str, goals: Iterable[str], secret: bytes) -> tuple[str, ...]:
    """The history keys of an opening's title and a citizen's jobmål: a keyed hash
    (HMAC-SHA256 with ``secret``, :func:`history_secret`) of the occupation the title names
    (``occupation_title``) and each jobmål, case and spacing aside (never the texts)."""
    return _keys(_occupation(title), goals, secret)


@functools.lru_cache(maxsize=1024)
def _occupation(title: str) -> str:
    """The occupation a title names, as history keys read it (a ranking asks once per candidate)."""
    return " ".join(occupation_title(title).casefold().split())


def _keys(occupation: str, goals: Iterable[str], secret: bytes) -> tuple[str, ...]:
    keys = []
    for goal in goals:
        text = " ".join(str(goal).casefold().split())
        if text:
            keys.append(hmac.new(secret, f"{occupation}\x1f{text}".encode(), hashlib.sha256).hexdigest()[:24])
    return tuple(dict.fromkeys(keys))


@dataclass(frozen=True)
class DecisionHistory:
    """How decisions on (occupation of the title, jobmål) pairs went: approved and rejected
    counts per :func:`history_keys` key, the approval share of all decisions (``prior``), and
    the :func:`key_check` of the secret the keys were made with (``check``).

    :meth:`value` of a pair is the best of its jobmål's smoothed approval share less the prior:
    positive when such pairs were approved more often than pairs in general, NaN (unknown, so
    it moves nothing) when none of its jobmål has a history.

    Raises:
        ValueError: a prior outside [0, 1], a malformed count or an empty check.
    """

    prior: float
    counts: Mapping[str, tuple[int, int]] = field(default_factory=dict)
    check: str = ""

    def __post_init__(self) -> None:
        if not (isinstance(self.check, str) and self.check):
            raise ValueError("a decision history needs the check of the key it was counted under")
        prior = self.prior
        if isinstance(prior, bool) or not isinstance(prior, (int, float)) or not 0.0 <= prior <= 1.0:
            raise ValueError("the prior must be a number within [0, 1]")
        clean = {}
        for key, pair in self.counts.items():
            counts = tuple(pair) if isinstance(pair, (tuple, list)) else ()
            if not (isinstance(key, str) and len(counts) == 2
                    and all(type(v) is int and 0 <= v <= MAX_HISTORY_COUNT for v in counts) and sum(counts)):
                raise ValueError(f"malformed decision count for {key!r}")
            clean[key] = (counts[0], counts[1])
        object.__setattr__(self, "prior", float(prior))
        object.__setattr__(self, "counts", clean)

    def value(self, keys: Iterable[str]) -> float:
        return _history_value(self.counts.get, keys, self.prior)

    def counts_of(self, keys: Iterable[str]) -> tuple[int, int] | None:
        """(approved, rejected) of the jobmål :meth:`value` reads (the best one), or None."""
        found = [(self.value([key]), self.counts[key]) for key in keys if key in self.counts]
        return max(found, key=lambda item: item[0])[1] if found else None

    def readable_with(self, secret: bytes) -> bool:
        """Whether its keys were made with ``secret`` (else no pair would ever be found)."""
        return hmac.compare_digest(self.check, key_check(secret))

    def to_dict(self) -> dict:
        return {"prior": self.prior, "counts": {k: list(v) for k, v in sorted(self.counts.items())},
                "check": self.check}

    @classmethod
    def from_dict(cls, data: Mapping) -> "DecisionHistory":
        """The history stored by :meth:`to_dict`.

        Raises:
            ValueError: a missing or malformed prior or count.
        """
        if not isinstance(data, Mapping) or not isinstance(data.get("counts"), Mapping):
            raise ValueError("malformed decision history")
        return cls(data.get("prior"), dict(data["counts"]), data.get("check"))


def _history_value(counts: Callable[[str], tuple[int, int] | None], keys: Iterable[str], prior: float) -> float:
    best = math.nan
    for key in keys:
        found = counts(key)
        if found:
            approved, rejected = found
            value = (approved + HISTORY_SMOOTHING * prior) / (approved + rejected + HISTORY_SMOOTHING) - prior
            best = value if math.isnan(best) else max(best, value)
    return best


class HistoryCounter:
    """Decisions counted as they come, oldest first, for training without leakage: a decision's
    :meth:`value` is read before it is :meth:`add`-ed, so it never sees itself or a later one,
    and neither does the prior it is read against (the approval share of the decisions so far,
    (approved + 1) / (decided + 2)). Counts of a pair decided for fewer than
    ``HISTORY_MIN_CITIZENS`` citizens are not read."""

    def __init__(self) -> None:
        self._approved = self._decided = 0
        self._counts: dict[str, list[int]] = defaultdict(lambda: [0, 0])
        self._citizens: dict[str, set] = defaultdict(set)

    @property
    def prior(self) -> float:
        return (self._approved + 1) / (self._decided + 2)

    def _get(self, key: str) -> tuple[int, int] | None:
        if len(self._citizens.get(key, ())) < HISTORY_MIN_CITIZENS:
            return None
        approved, rejected = self._counts[key]
        return approved, rejected

    def value(self, keys: Iterable[str]) -> float:
        return _history_value(self._get, keys, self.prior)

    def add(self, keys: Iterable[str], label: int, citizen: object) -> None:
        self._approved += 1 if label else 0
        self._decided += 1
        for key in keys:
            self._counts[key][0 if label else 1] += 1
            self._citizens[key].add(citizen)

    def history(self, check: str) -> DecisionHistory:
        """The counts so far, of the pairs decided for enough citizens; ``check``: the
        :func:`key_check` of the secret the added keys were made with."""
        return DecisionHistory(self.prior, {k: found for k in self._counts if (found := self._get(k)) is not None},
                               check)


def features(explanation: Mapping, *, history: float = math.nan) -> dict[str, float]:
    """The allowed facts of one pair, from its explanation as a mapping.

    The channels are those of the jobmål with the highest relevance against the opening
    (``best_goal_relevance``): the encoder's raw cosine, the TF-IDF cosine and the concept
    similarity with the opening's title (``matching.concept_channel``).

    Args:
        explanation: ``dataclasses.asdict(match.explanation)`` (what the portal stores with
            a decision) or the same shape. Missing facts count as 0, except the two
            channels, which an explanation stored before they were recorded (or a ranking
            without the encoder) lacks: they are NaN, unknown, and a model counts an
            unknown fact as its training mean, so it moves nothing.
        history: the pair's ``goal_history`` (:meth:`DecisionHistory.value`; NaN: none).

    Returns:
        One value per name of ``ALLOWED_FEATURES``.
    """
    goals = [g for g in explanation.get("goal_scores") or () if isinstance(g, Mapping)]
    best = goals[0] if goals else {}
    closest = max(goals, key=lambda g: _number(g.get("relevance")), default={})
    km = _number(explanation.get("distance_km"), 100.0)
    values = {
        "relevance": _number(explanation.get("relevance")),
        "best_goal_relevance": _number(closest.get("relevance")),
        "best_goal_dense": _channel(closest, "dense"),
        "best_goal_lexical": _channel(closest, "lexical"),
        "best_goal_concept": _channel(closest, "concept"),
        "goal_history": _number(history, math.nan),
        "best_goal_fit": _number(best.get("fit")),
        "best_goal_high": 1.0 if best.get("band") == "høj" else 0.0,
        "proximity": math.exp(-max(km, 0.0) / DISTANCE_SCALE_KM),
        "hours_fit": _number(explanation.get("hours_fit")),
        "shared_terms": min(len(explanation.get("matched_terms") or ()), SHARED_TERMS_CAP)
        / SHARED_TERMS_CAP,
    }
    return values


def match_features(match: Match, *, history: float = math.nan,
                   goals: Sequence[GoalScore] | None = None, shared_terms: int | None = None) -> dict[str, float]:
    """:func:`features` of a live ``Match``: the same values as of
    ``dataclasses.asdict(match.explanation)``, read from the few fields it uses (``asdict``
    deep-copies every check and flag; a ranking asks this for its whole pool).

    ``goals`` and ``shared_terms``: the pair's jobmål scores and its number of shared terms
    when ``match`` is not explained yet (``explain.explain`` fills them in;
    ``explain.shared_term_count`` is that number without the words); None: read from
    ``match.explanation``. Given, they are the values its explanation will hold, so the
    features are the same as of the explained match.
    """
    e = match.explanation
    return features({
        "goal_scores": [{"relevance": g.relevance, "dense": g.dense, "lexical": g.lexical,
                         "concept": g.concept, "fit": g.fit, "band": g.band}
                        for g in (e.goal_scores if goals is None else goals)],
        "distance_km": e.distance_km, "relevance": e.relevance, "hours_fit": e.hours_fit,
        "matched_terms": e.matched_terms if shared_terms is None else range(shared_terms),
    }, history=history)


@dataclass(frozen=True)
class Adjustment:
    """What the learned model changed for one pair.

    Attributes:
        delta: added to the pair's relevance (and score), within ±``MAX_ADJUSTMENT``.
        hand_relevance: the relevance from the hand-set weights, before the adjustment.
        contributions: (feature, share of ``delta``) largest first; they sum to ``delta``.
        directions: per feature, +1 when the pair's value is above the model's average pair,
            -1 below, 0 at it or unknown; for "relevance", +1 when the model weighs the
            relevance more than the hand-set weights do, -1 less.
    """

    delta: float
    hand_relevance: float
    contributions: tuple[tuple[str, float], ...]
    directions: Mapping[str, int] = field(default_factory=dict)
    history: tuple[int, int] | None = None  # (approved, rejected) of the decisions goal_history read

    def top(self, n: int = 2) -> list[tuple[str, float]]:
        """The ``n`` largest contributions as (Danish label, value), ignoring those ≈ 0."""
        return [(FEATURE_LABELS[name], value) for name, value in self.contributions[:n]
                if abs(value) >= SHOWN_MINIMUM]

    @property
    def noticeable(self) -> bool:
        """Whether the adjustment shows as more than ±0,00."""
        return _cents(self.delta) != 0

    @property
    def shown_delta(self) -> float:
        """``delta`` as the card shows it: two decimals, rounded half up like ``dknum(2)``."""
        return _cents(self.delta) / 100

    def reasons(self, n: int | None = 3) -> tuple[list[tuple[str, float]], float]:
        """What moved the pair, for the ranking card: the ``n`` largest contributions (None:
        all) as (Danish fact about the pair, value) and the rest (what the other facts moved
        together), each rounded to two decimals as the card shows it. The rest is the shown
        adjustment (:attr:`shown_delta`) less the shown parts, so the parts on the card add up
        exactly to the adjustment it shows (rounding each part on its own did not, review F4).
        A part that rounds to 0,00 is left out (it is in the rest). A caller that shows another
        total (the card shows the difference of the rounded figures before and after) takes the
        rest against that total from the parts, not this rest."""
        shown = [(name, cents) for name, value in self.contributions[:n] if (cents := _cents(value))]
        rest = _cents(self.delta) - sum(cents for _, cents in shown)
        return [(self._reason(name), cents / 100) for name, cents in shown], rest / 100

    def _reason(self, name: str) -> str:
        """The Danish fact a contribution is about (see :meth:`reasons`)."""
        if name == "relevance":
            more = self.directions.get(name, -1) > 0
            return f"samlet match vægtes {'mere' if more else 'mindre'} end i de håndsatte vægte"
        above, below = FEATURE_REASONS[name]
        text = above if self.directions.get(name, 0) >= 0 else below
        if name == "goal_history" and self.history is not None:
            approved, rejected = self.history
            text += f" (godkendt i {approved} af {approved + rejected} beslutninger)"
        return text


def _standardise(rows: Sequence[Mapping[str, float]], names: Sequence[str]
                 ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(values with each unknown replaced by its feature's mean, mean, scale) of ``rows``.

    Raises:
        ValueError: fewer than two rows.
    """
    if len(rows) < 2:
        raise ValueError("need at least one positive and one negative decision")
    x = np.array([[float(r[n]) for n in names] for r in rows], dtype=np.float64).reshape(len(rows), len(names))
    known = ~np.isnan(x)
    mean = np.where(known.any(axis=0), np.nansum(x, axis=0) / np.maximum(known.sum(axis=0), 1), 0.0)
    x = np.where(known, x, mean)
    scale = x.std(axis=0)
    scale[scale < 1e-9] = 1.0  # a constant feature: its standardised value is 0
    return x, mean, scale


def _logistic(z: np.ndarray, labels: Sequence[int], weights: Sequence[float] | None, c: float,
              bounded: Sequence[bool]) -> tuple[np.ndarray, float]:
    """(weights, intercept) minimising c * Σ sample weight * log loss + ½ |weights|² (the
    intercept not penalised), each weight with ``bounded`` true kept ≥ 0 (L-BFGS-B).

    Raises:
        ValueError: fewer than two rows, or only one class.
    """
    from scipy.optimize import minimize

    y = np.asarray(labels, dtype=np.float64)
    if len(z) < 2 or len(set(y.tolist())) < 2:
        raise ValueError("need at least one positive and one negative decision")
    s = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)

    def loss(p: np.ndarray) -> tuple[float, np.ndarray]:
        t = z @ p[:-1] + p[-1]
        g = c * s * (1.0 / (1.0 + np.exp(-t)) - y)
        value = c * float(s @ (np.logaddexp(0.0, t) - y * t)) + 0.5 * float(p[:-1] @ p[:-1])
        return value, np.append(z.T @ g + p[:-1], g.sum())

    bounds = [(0.0, None) if b else (None, None) for b in bounded] + [(None, None)]
    found = minimize(loss, np.zeros(z.shape[1] + 1), jac=True, method="L-BFGS-B", bounds=bounds,
                     options={"maxiter": 5000, "gtol": 1e-9})
    return found.x[:-1], float(found.x[-1])


def free_weights(rows: Sequence[Mapping[str, float]], labels: Sequence[int],
                 weights: Sequence[float] | None, names: Sequence[str], c: float = 1.0) -> dict[str, float]:
    """The standardised weights :meth:`RerankModel.fit` would find without the bound ≥ 0: what
    the decisions alone say, shown beside the model's so an administrator sees which facts the
    bound held at 0 (a negative weight here is one a better fit would have counted against).

    Raises:
        ValueError: fewer than two rows, or only one class.
    """
    names = check_features(names)
    x, mean, scale = _standardise(rows, names)
    coef, _ = _logistic((x - mean) / scale, labels, weights, c, [False] * len(names))
    return {n: round(float(v), 6) for n, v in zip(names, coef)}


def held_at_zero(model: "RerankModel", rows: Sequence[Mapping[str, float]], labels: Sequence[int],
                 weights: Sequence[float] | None = None, c: float = 1.0) -> list[str]:
    """The features of ``model`` (fitted by :meth:`RerankModel.fit` on these rows) that the
    bound ≥ 0 holds at 0: weight 0 where the loss would fall if the weight went below 0, with
    the other weights as they are. A fact that is 0 for another reason (it never varies in the
    rows) is not named."""
    x, _, _ = _standardise(rows, model.features)
    z = (x - np.asarray(model.mean)) / np.asarray(model.scale)
    coef = np.asarray(model.coef)
    y = np.asarray(labels, dtype=np.float64)
    s = np.ones(len(y)) if weights is None else np.asarray(weights, dtype=np.float64)
    gradient = z.T @ (c * s * (1.0 / (1.0 + np.exp(-(z @ coef + model.intercept))) - y)) + coef
    return [n for n, w, g in zip(model.features, coef, gradient) if w <= 1e-9 and g > 1e-6]


@dataclass(frozen=True)
class RerankModel:
    """A standardised logistic model and its map onto the relevance scale.

    Attributes:
        features: the feature names, all in ``ALLOWED_FEATURES``.
        mean, scale: standardisation of each feature (training pairs); an unknown (NaN)
            value counts as the mean, so its term is 0.
        coef, intercept: the logistic model on the standardised features.
        relevance_mean, relevance_per_logit: learned relevance = relevance_mean +
            relevance_per_logit * (log-odds - intercept).
        history: the decisions ``goal_history`` is read from (None when the model does not
            use it).

    Raises:
        ForbiddenFeature: a feature outside ``ALLOWED_FEATURES``.
        NegativeWeight: a negative weight on a feature of ``MONOTONE_FEATURES``, or a negative
            ``relevance_per_logit`` (either would let a better fit count against a pair).
        ValueError: arrays of the wrong length or non-finite numbers.
    """

    features: tuple[str, ...]
    mean: tuple[float, ...]
    scale: tuple[float, ...]
    coef: tuple[float, ...]
    intercept: float
    relevance_mean: float
    relevance_per_logit: float
    history: DecisionHistory | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "features", check_features(self.features))
        n = len(self.features)
        for name in ("mean", "scale", "coef"):
            values = tuple(float(v) for v in getattr(self, name))
            if len(values) != n or not all(math.isfinite(v) for v in values):
                raise ValueError(f"{name} must hold {n} finite numbers")
            object.__setattr__(self, name, values)
        if any(s <= 0 for s in self.scale):
            raise ValueError("scale must be > 0")
        for name in ("intercept", "relevance_mean", "relevance_per_logit"):
            if not math.isfinite(float(getattr(self, name))):
                raise ValueError(f"{name} must be finite")
        wrong = [n for n, c in zip(self.features, self.coef) if n in MONOTONE_FEATURES and c < 0]
        if wrong or self.relevance_per_logit < 0:
            raise NegativeWeight("a better fit may never count against a pair: negative weight on "
                                 + ", ".join(wrong or ["relevance_per_logit"]))

    # -- building and storing ------------------------------------------------------------
    @classmethod
    def fit(cls, rows: Sequence[Mapping[str, float]], labels: Sequence[int],
            weights: Sequence[float] | None = None,
            names: Sequence[str] | None = None, c: float = 1.0) -> "RerankModel":
        """Fit on feature rows (:func:`features`) and 0/1 labels: the logistic loss with an L2
        penalty (as scikit-learn's ``LogisticRegression(C=c)``), every weight of
        ``MONOTONE_FEATURES`` bounded below by 0 (:func:`free_weights` gives the fit without
        the bound).

        An unknown (NaN) value is replaced by the mean of the known values of its feature
        (0 when none is known), as :meth:`adjust` does later.

        Raises:
            ForbiddenFeature: ``names`` holds a feature outside the allowed list.
            ValueError: fewer than two rows, or only one class.
        """
        # By default every fact but the decision history, which a model reads only with a
        # DecisionHistory beside it (``dataclasses.replace(model, history=...)``).
        names = check_features(names if names is not None else SCORE_FEATURES)
        x, mean, scale = _standardise(rows, names)
        z = (x - mean) / scale
        coef, intercept = _logistic(z, labels, weights, c, [n in MONOTONE_FEATURES for n in names])
        logits = z @ coef + intercept
        relevance = x[:, names.index("relevance")] if "relevance" in names else np.zeros(len(x))
        spread = float(logits.std())
        per_logit = float(relevance.std()) / spread if spread > 1e-9 else 0.0
        return cls(names, tuple(mean), tuple(scale), tuple(float(v) for v in coef),
                   intercept, float(relevance.mean()), per_logit)

    def to_dict(self) -> dict:
        """A JSON-safe dict (see :meth:`from_dict`)."""
        return {"format": FORMAT, "kind": "logistic", **{
            f.name: list(getattr(self, f.name)) if isinstance(getattr(self, f.name), tuple)
            else getattr(self, f.name) for f in dataclasses.fields(self) if f.name != "history"},
            "history": None if self.history is None else self.history.to_dict()}

    def history_counts(self, title: str, goals: Iterable[str], secret: bytes) -> tuple[int, int] | None:
        """(approved, rejected) of the earlier decisions ``goal_history`` reads for a pair, or None."""
        if self.history is None or not self.history.readable_with(secret):
            return None
        return self.history.counts_of(history_keys(title, goals, secret))

    def history_value(self, title: str, goals: Iterable[str], secret: bytes) -> float:
        """``goal_history`` of a pair (NaN when the model keeps no history or the pair has none).

        Raises:
            ValueError: the history was counted under another key than ``secret``.
        """
        if self.history is None:
            return math.nan
        if not self.history.readable_with(secret):
            raise ValueError("the decision history was counted under another key (PSEUDONYM_KEY changed)")
        return self.history.value(history_keys(title, goals, secret))

    @classmethod
    def from_dict(cls, data: Mapping) -> "RerankModel":
        """The model stored by :meth:`to_dict`.

        Raises:
            ForbiddenFeature: it names a feature outside ``ALLOWED_FEATURES``.
            ValueError: another format or kind, or missing or malformed values.
        """
        if not isinstance(data, Mapping) or data.get("format") != FORMAT or data.get("kind") != "logistic":
            raise ValueError("not a re-ranking model of this format")
        try:
            history = data.get("history")
            model = cls(tuple(data["features"]), tuple(data["mean"]), tuple(data["scale"]),
                        tuple(data["coef"]), float(data["intercept"]),
                        float(data["relevance_mean"]), float(data["relevance_per_logit"]),
                        None if history is None else DecisionHistory.from_dict(history))
        except (KeyError, TypeError, AttributeError, ArithmeticError) as err:
            raise ValueError(f"malformed re-ranking model: {err}") from err
        if (model.history is None) == any(n in HISTORY_FEATURES for n in model.features):
            raise ValueError("a re-ranking model keeps a decision history exactly when it reads one")
        return model

    # -- applying -------------------------------------------------------------------------
    def _terms(self, values: Mapping[str, float]) -> list[float]:
        """coef * (x - mean) / scale per feature; an unknown (NaN) value counts as the mean
        (term 0). Plain floats: for a score's ~17 features faster than numpy arrays."""
        terms = []
        for name, coef, mean, scale in zip(self.features, self.coef, self.mean, self.scale):
            x = float(values[name])
            terms.append(coef * ((mean if math.isnan(x) else x) - mean) / scale)
        return terms

    def probability(self, values: Mapping[str, float]) -> float:
        """The modelled chance that a consultant approves the pair."""
        return 1.0 / (1.0 + math.exp(-(self.intercept + math.fsum(self._terms(values)))))

    def adjust(self, values: Mapping[str, float]) -> Adjustment:
        """The adjustment of one pair's relevance, and each feature's share of it.

        learned = relevance_mean + relevance_per_logit * Σ coefficient terms; the raw
        adjustment learned - relevance splits into relevance_per_logit * term per feature,
        with "relevance" also carrying -(relevance - relevance_mean). Capped at
        ±``MAX_ADJUSTMENT`` (the shares scale with it) and rounded like every relevance.
        """
        relevance, shares, raw, delta = self._split(values)
        factor = delta / raw if abs(raw) > 1e-12 else 0.0
        ordered = sorted(((n, round(v * factor, 6)) for n, v in shares.items()),
                         key=lambda item: -abs(item[1]))
        return Adjustment(round(delta, 6), relevance, tuple(ordered), self._directions(values))

    def _directions(self, values: Mapping[str, float]) -> dict[str, int]:
        """``Adjustment.directions`` of one pair."""
        out = {}
        for name, mean in zip(self.features, self.mean):
            x = float(values[name])
            out[name] = 0 if math.isnan(x) or abs(x - mean) < 1e-12 else (1 if x > mean else -1)
        slope = 0.0
        if "relevance" in self.features:
            i = self.features.index("relevance")
            slope = self.relevance_per_logit * self.coef[i] / self.scale[i]
        out["relevance"] = 1 if slope > 1.0 else -1  # the hand-set weights' slope is 1
        return out

    def delta(self, values: Mapping[str, float]) -> float:
        """``adjust(values).delta`` without the shares (what ordering a pool needs)."""
        return round(self._split(values)[3], 6)

    def _split(self, values: Mapping[str, float]) -> tuple[float, dict[str, float], float, float]:
        """(relevance, share per feature, raw adjustment, capped adjustment) of one pair."""
        relevance = float(values["relevance"])
        shares = {name: self.relevance_per_logit * term
                  for name, term in zip(self.features, self._terms(values))}
        shares["relevance"] = shares.get("relevance", 0.0) - (relevance - self.relevance_mean)
        raw = sum(shares.values())
        delta = max(-MAX_ADJUSTMENT, min(MAX_ADJUSTMENT, raw))
        return relevance, shares, raw, max(-relevance, min(1.0 - relevance, delta))  # within [0, 1]


@dataclass(frozen=True)
class LearnedMatch(Match):
    """A ``Match`` the learned model adjusted; ``learned`` says by how much and why."""

    learned: Adjustment | None = None


@dataclass(frozen=True)
class Learned:
    """The learned re-ranking a ranking applies: the model and the decision history's key
    (:func:`history_secret`; None: the history is not read)."""

    model: RerankModel
    secret: bytes | None = None


def apply(matches: Iterable[Match], model: RerankModel, k: int | None = None,
          title: str | None = None, secret: bytes | None = None, *,
          goals: Callable[[Match], Sequence[GoalScore]] | None = None,
          shared_terms: Callable[[Match], int] | None = None,
          explain: Callable[[Match], Match] | None = None) -> list[Match]:
    """The matches with the learned adjustment, in the ranking's order (``sort_key``).

    Each pair's relevance (and so its band) and score move by the model's adjustment; the
    policy priority each match carries is left as it was, a separate step after the model.
    Only matches are adjusted: a pair that broke a hard constraint never reaches here.

    Args:
        k: keep the first ``k`` of the new order (None: all). Every pair is adjusted and
            ordered first, so the first ``k`` are a prefix of the whole order; only the kept
            ones get their adjustment's shares worked out (what the page shows).
        title: the opening's title (``goal_history`` is read from it and each match's jobmål;
            None: not read).
        secret: the history's key (:func:`history_secret`); needed with ``title``.
        goals, shared_terms: for matches not explained yet (a service's pool), each pair's
            jobmål scores and number of shared terms, the values ``explain`` gives its
            explanation (None: read from each match's explanation).
        explain: fills in the explanation of each kept match (None: kept as given); only the
            first ``k`` of the new order are explained, so a pool's pairs that are not kept are
            never given their words. Each kept match is the same whatever ``k`` is.

    Raises:
        ValueError: a ``title`` without ``secret``, or a history counted under another key.
    """
    if title is not None and secret is None:
        raise ValueError("reading the decision history needs its secret")
    moved: list[tuple[tuple, Match, dict[str, float], float, str, float]] = []
    for match in matches:
        pair_goals = match.explanation.goal_scores if goals is None else goals(match)
        history = math.nan if title is None else model.history_value(
            title, (g.goal for g in pair_goals), secret)
        values = match_features(match, history=history, goals=pair_goals,
                                shared_terms=None if shared_terms is None else shared_terms(match))
        delta = model.delta(values)
        relevance = round(match.explanation.relevance + delta, 6)
        band = similarity_band(relevance)
        score = match.score + delta
        moved.append((order_key(band, relevance, score, match.citizen_id, match.opening_id),
                      match, values, relevance, band, score))
    moved.sort(key=lambda item: item[0])
    # Only the kept matches are built anew (a pool is ~175 pairs, a page shows 20).
    def adjustment(match: Match, values: Mapping[str, float]) -> Adjustment:
        adjusted = model.adjust(values)
        if title is None or model.history is None:
            return adjusted
        goals = [g.goal for g in match.explanation.goal_scores]
        return dataclasses.replace(adjusted, history=model.history_counts(title, goals, secret))

    kept = [(m if explain is None else explain(m), values, relevance, band, score)
            for _, m, values, relevance, band, score in moved[:k]]
    return [LearnedMatch(m.citizen_id, m.opening_id, score,
                         dataclasses.replace(m.explanation, relevance=relevance, similarity_band=band),
                         m.priority, adjustment(m, values))
            for m, values, relevance, band, score in kept]
