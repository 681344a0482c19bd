"""Domain objects for matching: profiles, rules, weights, filters and results.

Everything here is a frozen dataclass holding data only. Keys are ASCII (the portal shows the
Danish labels); the tuples below are the valid keys of the vocabulary in
:mod:`matching.vocab`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from functools import cached_property
from types import MappingProxyType

from . import licences, vocab
from .redact import redact_cpr

# The valid keys, in the vocabulary's order (labels and the company-based kinds: matching.vocab).
BENEFIT_GROUPS: tuple[str, ...] = tuple(vocab.BENEFIT_GROUPS)
OPENING_KINDS: tuple[str, ...] = tuple(vocab.OPENING_KINDS)
READINESS_GROUPS: tuple[str, ...] = tuple(vocab.READINESS_GROUPS)
# Kept for callers of the old name; the set itself is vocab.COMPANY_BASED_KINDS.
COMPANY_PLACEMENT_KINDS: frozenset[str] = vocab.COMPANY_BASED_KINDS
# Jobmål lead the citizen text and are repeated so they weigh most in both the TF-IDF and
# the dense encoder (which also truncates long CVs from the end, never the jobmål).
JOB_GOAL_REPEAT = 2


def content_hash(fields: tuple[str, ...]) -> bytes:
    """A 16-byte BLAKE2 hash of ``fields``, length-prefixed so no two field lists collide."""
    digest = hashlib.blake2b(digest_size=16)
    for text in fields:
        data = text.encode("utf-8", "surrogatepass")
        digest.update(len(data).to_bytes(8, "big"))
        digest.update(data)
    return digest.digest()


def _check_key(value: str, allowed: tuple[str, ...], what: str) -> None:
    if value not in allowed:
        raise ValueError(f"unknown {what} {value!r}; expected one of {', '.join(allowed)}")


@dataclass(frozen=True)
class CitizenProfile:
    """What the matcher may know about a citizen (never a CPR number).

    ``driving_licences`` are the categories on the licence as recorded (the ones they imply
    are derived: :func:`matching.licences.expand`).

    Raises:
        ValueError: on an unknown benefit or readiness group or licence category, or
            negative hours/range.
    """

    id: str
    version: int
    job_goals: tuple[str, ...]
    cv_text: str
    benefit_group: str
    hours_available: float
    postcode: str
    lat: float | None = None
    lon: float | None = None
    max_commute_km: float = 25.0
    driving_licences: frozenset[str] = frozenset()
    languages: tuple[str, ...] = ("da",)
    readiness_group: str = "paa_vej"
    case_start: date | None = None
    # The last day in a company-based placement (virksomhedspraktik or løntilskud): the later of
    # the portal's own and the one the case system gave (None: none known).
    last_company_placement: date | None = None
    # The day from which the portal knows every company-based placement of the citizen (the day
    # the citizen came into Jobbro), when the case system told of none before it; None: the
    # history is known (the case system's last placement was given). A gap reaching back before
    # it is worded as registered in Jobbro, not as a fact (review BG 2).
    placements_known_from: date | None = None

    def __post_init__(self) -> None:
        _check_key(self.benefit_group, BENEFIT_GROUPS, "benefit group")
        _check_key(self.readiness_group, READINESS_GROUPS, "readiness group")
        object.__setattr__(self, "driving_licences",
                           licences.check_categories(self.driving_licences))
        if self.hours_available < 0 or self.max_commute_km < 0:
            raise ValueError("hours_available and max_commute_km must be >= 0")

    @cached_property
    def content_key(self) -> bytes:
        """A hash of the texts the citizen is scored by (jobmål and CV), never the texts:
        the citizen's side of a pair's cached scores. Computed once per profile."""
        return content_hash(("citizen", str(len(self.job_goals)), *self.job_goals, self.cv_text))

    @property
    def goal_texts(self) -> tuple[str, ...]:
        """The jobmål as the ranking scores them one by one (stripped, blanks left out)."""
        return tuple(g.strip() for g in self.job_goals if g.strip())

    @cached_property
    def text(self) -> str:
        """The text that represents the citizen: jobmål first (repeated), then the CV.

        CPR numbers are redacted (:mod:`matching.redact`): this text is embedded, fitted and
        written to the index. Made once per profile (a ranking explains many pairs of it); it
        lives as long as the profile, which holds the CV text anyway.
        """
        goals = "Jobmål: " + "; ".join(self.goal_texts) + "."
        return redact_cpr(" ".join([goals] * JOB_GOAL_REPEAT + [self.cv_text.strip()]).strip())


@dataclass(frozen=True)
class OpeningProfile:
    """A company opening as the matcher sees it.

    ``required_licences``: the driving licence categories of which the citizen needs **any
    one** (empty: "kørekort ikke nødvendigt"; see :mod:`matching.licences`).

    Raises:
        ValueError: on an unknown kind or licence category, negative hours or
            hours_max < hours_min.
    """

    id: str
    version: int
    company_id: str
    kind: str
    title: str
    description: str = ""
    requirements: str = ""
    hours_min: float = 0.0
    hours_max: float | None = None
    postcode: str = ""
    lat: float | None = None
    lon: float | None = None
    required_licences: frozenset[str] = frozenset()
    required_languages: tuple[str, ...] = ()
    status: str = "open"

    def __post_init__(self) -> None:
        _check_key(self.kind, OPENING_KINDS, "opening kind")
        object.__setattr__(self, "required_licences",
                           licences.check_categories(self.required_licences))
        if self.hours_min < 0 or (self.hours_max is not None and self.hours_max < self.hours_min):
            raise ValueError("hours must satisfy 0 <= hours_min <= hours_max")

    @cached_property
    def content_key(self) -> bytes:
        """A hash of the texts the opening is scored by (title, description, requirements)."""
        return content_hash(("opening", self.title, self.description, self.requirements))

    @property
    def title_text(self) -> str:
        """The title as the ranking reads it alone (CPR redacted)."""
        return redact_cpr(self.title)

    @cached_property
    def text(self) -> str:
        """The text that represents the opening: title, description, requirements (CPR
        redacted). Made once per profile."""
        parts = (self.title, self.description, self.requirements)
        return redact_cpr("\n".join(p.strip() for p in parts if p and p.strip()))


def _freeze_table(table: Mapping[str, object]) -> Mapping[str, frozenset[str]]:
    frozen: dict[str, frozenset[str]] = {}
    for group, kinds in table.items():
        _check_key(group, BENEFIT_GROUPS, "benefit group")
        kinds = frozenset(kinds)  # type: ignore[arg-type]
        for kind in kinds:
            _check_key(kind, OPENING_KINDS, "opening kind")
        frozen[group] = kinds
    return MappingProxyType(frozen)


@dataclass(frozen=True)
class EligibilityRules:
    """Which benefit group may take which kind of opening (data, not code).

    The portal stores this table in its database and passes it in. A group missing from the
    table may take nothing: an incomplete table fails closed.

    Raises:
        ValueError: on unknown group or kind keys.
    """

    table: Mapping[str, frozenset[str]]

    def __post_init__(self) -> None:
        object.__setattr__(self, "table", _freeze_table(self.table))

    def allows(self, benefit_group: str, kind: str) -> bool:
        """True if a citizen in `benefit_group` may take an opening of `kind`."""
        return kind in self.table.get(benefit_group, frozenset())

    def groups_for(self, kind: str) -> frozenset[str]:
        """Benefit groups allowed for `kind` (used as a backend filter)."""
        return frozenset(g for g, kinds in self.table.items() if kind in kinds)

    def kinds_for(self, benefit_group: str) -> frozenset[str]:
        """Opening kinds allowed for `benefit_group`."""
        return self.table.get(benefit_group, frozenset())


_ALL = frozenset(BENEFIT_GROUPS)
# Built from DOMAIN.md. småjob: "the first step for people on kontanthjælp, uddannelseshjælp,
# ressourceforløb, jobafklaring or ledighedsydelse" (integrationsydelse added: same target
# group locally). løntilskud: the groups with a løntilskud right under LAB. fleksjob: only
# citizens visited to fleksjob, who are on ledighedsydelse while they wait.
DEFAULT_ELIGIBILITY = EligibilityRules(
    {
        group: {
            kind
            for kind, groups in {
                "smaajob": {
                    "kontanthjaelp", "uddannelseshjaelp", "integrationsydelse",
                    "ressourceforloeb", "jobafklaring", "ledighedsydelse",
                },
                "virksomhedspraktik": _ALL,
                "loentilskud": {
                    "dagpenge", "kontanthjaelp", "uddannelseshjaelp", "integrationsydelse",
                    "ressourceforloeb",
                },
                "ordinaert": _ALL,
                "fleksjob": {"ledighedsydelse"},
            }.items()
            if group in groups
        }
        for group in BENEFIT_GROUPS
    }
)


def _default_readiness() -> Mapping[str, float]:
    # "på spring" (ready to jump) is who a company should meet first; "i gang" already has
    # an activity running, so it ranks below "på vej".
    return MappingProxyType(
        {"paa_spring": 1.0, "paa_vej": 0.6, "i_gang": 0.4, "laengere_sigt": 0.2}
    )


@dataclass(frozen=True)
class RankingWeights:
    """Every soft factor and policy priority, as one named, documented weight.

    The final score is a weighted sum of components in [0, 1]. Relevance dominates by
    default; the policy weights are small so that they order *equally good* matches
    (a relevance gap of more than ~0.2 is not overturned by policy with the defaults).

    Attributes:
        relevance: weight of the fused text relevance (jobmål/CV vs. opening).
        distance: weight of the commute factor exp(-km / distance_scale_km).
        distance_scale_km: km at which the commute factor has dropped to 1/e.
        hours_fit: weight of how well the offered hours use the citizen's hours.
        placement_gap: the 70% focus goal: months without a company-based placement
            (or since case start), rising linearly to 1 at `placement_gap_months`.
        placement_gap_months: the horizon of the focus goal (12 months).
        readiness: weight of the readiness group bonus (`readiness_bonus` per group).
        benefit_duration: weight of time on benefit, rising to 1 at
            `benefit_duration_months`.
        benefit_duration_months: horizon for the time-on-benefit factor.
        languages: weight of the share of the opening's required languages the citizen
            speaks (1 when none are required); missing ones are named in the explanation.
    """

    relevance: float = 1.0
    distance: float = 0.10
    distance_scale_km: float = 20.0
    hours_fit: float = 0.05
    placement_gap: float = 0.15
    placement_gap_months: float = 12.0
    readiness: float = 0.05
    readiness_bonus: Mapping[str, float] = field(default_factory=_default_readiness)
    benefit_duration: float = 0.05
    benefit_duration_months: float = 24.0
    languages: float = 0.05

    def __post_init__(self) -> None:
        for name in ("relevance", "distance", "hours_fit", "placement_gap", "readiness",
                     "benefit_duration", "languages"):
            if getattr(self, name) < 0:
                raise ValueError(f"weight {name} must be >= 0")
        if min(self.distance_scale_km, self.placement_gap_months,
               self.benefit_duration_months) <= 0:
            raise ValueError("scales and horizons must be > 0")
        object.__setattr__(self, "readiness_bonus", MappingProxyType(dict(self.readiness_bonus)))


@dataclass(frozen=True)
class Filters:
    """Consultant-chosen narrowing on top of the hard constraints (None = no filter).

    Attributes:
        benefit_groups: only citizens in these groups.
        readiness_groups: only citizens in these readiness groups.
        kinds: only openings of these kinds.
        company_ids: only openings of these companies.
        max_distance_km: only within this distance of the other party.
        exclude_ids: never return these ids (e.g. already proposed).
    """

    benefit_groups: frozenset[str] | None = None
    readiness_groups: frozenset[str] | None = None
    kinds: frozenset[str] | None = None
    company_ids: frozenset[str] | None = None
    max_distance_km: float | None = None
    exclude_ids: frozenset[str] = frozenset()

    def __post_init__(self) -> None:
        """Raises ValueError on unknown keys or a negative distance (never "match nothing")."""
        for name, allowed, what in (
            ("benefit_groups", BENEFIT_GROUPS, "benefit group"),
            ("readiness_groups", READINESS_GROUPS, "readiness group"),
            ("kinds", OPENING_KINDS, "opening kind"),
        ):
            values = getattr(self, name)
            if values is not None:
                values = frozenset(values)
                for value in values:
                    _check_key(value, allowed, what)
                object.__setattr__(self, name, values)
        if self.max_distance_km is not None and self.max_distance_km < 0:
            raise ValueError("max_distance_km must be >= 0")
        object.__setattr__(self, "exclude_ids", frozenset(self.exclude_ids))
        if self.company_ids is not None:
            object.__setattr__(self, "company_ids", frozenset(self.company_ids))


@dataclass(frozen=True)
class PolicyFlag:
    """A policy priority that moved a match, with its contribution to the score."""

    name: str
    label: str
    contribution: float


@dataclass(frozen=True)
class ConstraintCheck:
    """One hard constraint that was evaluated; `detail` says what was compared."""

    name: str
    passed: bool
    detail: str


@dataclass(frozen=True)
class GoalScore:
    """One of the citizen's jobmål scored alone against the opening.

    Attributes:
        goal: the jobmål as the consultant wrote it.
        relevance: fused relevance of the jobmål against the opening's whole text (title,
            description, requirements); the pair's relevance blends in the best one.
        band: "høj", "middel" or "lav" for this jobmål (`explain.goal_band`: its own
            thresholds on `fit`, and "høj" whenever the title contains the jobmål).
        fit: what the band is read from: the higher of `relevance` and the jobmål's fused
            relevance against the opening's title alone.
        dense, lexical: the two channels `relevance` is fused from (`matching.relevance`):
            the encoder's raw cosine and the TF-IDF cosine of the jobmål against the
            opening's whole text. None when not measured (no encoder: `dense`; an
            explanation stored before they were recorded: both).
        concept: the jobmål's concept similarity with the opening's title in [0, 1]: how
            much the two share the ESCO occupations other countries' experts map such titles
            to (`matching.concept_channel`); it lifts the fused score into `relevance`. None
            when not measured (no concept channel, no encoder, or stored before it existed).
        concept_lift: what the concept similarity added to the fused score (`relevance` minus
            the fused score; 0 for a jobmål that shares no concept). None when not measured.
    """

    goal: str
    relevance: float
    band: str
    fit: float = 0.0
    dense: float | None = None
    lexical: float | None = None
    concept: float | None = None
    concept_lift: float | None = None


@dataclass(frozen=True)
class Hours:
    """Hours as data for the card: "Kan 25 t/uge · opslaget 10–15 t/uge" (None: no maximum)."""

    available: float
    opening_min: float
    opening_max: float | None


@dataclass(frozen=True)
class ScoreParts:
    """What the pair's facts other than relevance and priority added to its score (weights
    applied): the commute, the hours and the required languages. With the relevance part and
    the priority they make the score, so a card can show the sum."""

    distance: float
    hours: float
    languages: float


@dataclass(frozen=True)
class Explanation:
    """The reasons a consultant can check in five seconds.

    Attributes:
        matched_goals: the best-fitting jobmål alone (empty when none reaches "middel"; the
            match then rests on the CV), kept for callers of the old field.
        matched_goal: the jobmål that fits best (`GoalScore` order: band, then fit), and
            ``matched_goal_band`` its band.
        goal_scores: every jobmål scored alone, best fitting first.
        matched_terms: whole words and real compound parts both texts contain.
        priority: what the policy priority added to the score (the sum of the flags).
        hours: the citizen's hours and the opening's range.
        score_parts: the weighted distance, hours and languages terms of the score (None in
            explanations stored before they were kept).
    """

    matched_goals: tuple[str, ...]
    matched_terms: tuple[str, ...]
    similarity_band: str
    relevance: float
    distance_km: float
    hours_fit: float
    policy_flags: tuple[PolicyFlag, ...]
    constraints: tuple[ConstraintCheck, ...]
    missing_languages: tuple[str, ...] = ()
    matched_goal: str | None = None
    matched_goal_band: str | None = None
    goal_scores: tuple[GoalScore, ...] = ()
    priority: float = 0.0
    hours: Hours | None = None
    score_parts: ScoreParts | None = None


# How much the policy priority may weigh, per search: a multiplier on the policy weights of
# RankingWeights. It orders candidates within one relevance band only (ranking.rank).
PRIORITY_STRENGTHS: Mapping[str, float] = MappingProxyType({"off": 0.0, "normal": 0.4, "strong": 1.0})
DEFAULT_PRIORITY = "normal"


def priority_strength(name: str) -> float:
    """The multiplier for "off", "normal" or "strong".

    Raises:
        ValueError: another name.
    """
    if name not in PRIORITY_STRENGTHS:
        raise ValueError(f"unknown priority {name!r}; expected one of {', '.join(PRIORITY_STRENGTHS)}")
    return PRIORITY_STRENGTHS[name]


@dataclass(frozen=True)
class Match:
    """A ranked (citizen, opening) pair; higher `score` is better within a band.

    Attributes:
        score: relevance + soft factors + ``priority``.
        priority: what the policy priority added (0 with priority "off").
    """

    citizen_id: str
    opening_id: str
    score: float
    explanation: Explanation
    priority: float = 0.0

    @property
    def band(self) -> str:
        """The relevance band; the ranking orders by band first (see ranking.rank)."""
        return self.explanation.similarity_band


@dataclass(frozen=True)
class Exclusion:
    """A candidate that broke a hard constraint, with the reason (never hidden silently)."""

    citizen_id: str
    opening_id: str
    reason: str
    constraints: tuple[ConstraintCheck, ...]
