"""How much of the exhaustive top 10 a ranking's pool holds, beyond ``exhaustive_limit``.

Part of ``python -m matching.bench`` (``--pool-citizens``): N synthetic citizens with jobmål and
CV texts (a share of them with a CV from another occupation than their jobmål: people who
change trade) and synthetic openings, all indexed in the memory backend through
``documents_for_citizens`` (whole-text and jobmål vectors, as the indexer writes them). Per
opening, every eligible citizen is ranked by ``MatchingService`` (the exhaustive top 10, a fact
about the pairs), and the two pools are read with the service's own filters:

- ``old``: the ``pool_size`` nearest by whole text (the pool before 6 December 2026);
- ``union``: those and the ``pool_size`` nearest by the jobmål vector (the pool now).

``recall_at_10_old`` / ``recall_at_10_union``: the share of the exhaustive top 10 in each pool
(pair scores do not depend on the pool, so a pool holding all ten lists exactly the exhaustive
top 10); ``top10_same_share``: the openings whose ranking with the limit in force (the union
pool) lists the exhaustive top 10 exactly.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from datetime import date
from typing import Any

import numpy as np

from matching.backends.memory import MemoryBackend
from matching.domain import (
    BENEFIT_GROUPS, DEFAULT_ELIGIBILITY, CitizenProfile, EligibilityRules, Filters, OpeningProfile,
)
from matching.encoders import Encoder
from matching.geo import POSTCODES
from matching.index_meta import index_meta_for
from matching.ranking import opening_text
from matching.conditions import citizen_conditions
from matching.documents import GOAL_FIELD, documents_for_citizens
from matching.service import MatchingService, MappingSource

DEFAULT_LIMIT = 1000  # MatchingService's exhaustive_limit
# The synthetic citizens' "today": a fixed day, so the figures do not depend on the host's date.
BENCH_DAY = date(2026, 12, 1)
# (jobmål, the work as a CV or an opening describes it)
OCCUPATIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Lagermedarbejder", ("pluk og pak på lager", "varemodtagelse", "truckkørsel", "lageropgørelse")),
    ("Butiksassistent", ("kundeservice i butik", "kasseekspedition", "varepåfyldning", "skiltning")),
    ("Rengøringsassistent", ("rengøring af kontorer", "gulvvask", "affaldssortering", "hovedrengøring")),
    ("Køkkenmedhjælper", ("køkkenhjælp i kantine", "opvask", "anretning af mad", "madlavning")),
    ("Social- og sundhedshjælper", ("pleje af ældre", "personlig hygiejne", "hjemmepleje", "medicinudlevering")),
    ("Produktionsmedarbejder", ("montage i produktion", "maskinbetjening", "kvalitetskontrol", "pakning ved samlebånd")),
    ("Chauffør", ("kørsel med varebil", "udbringning af pakker", "ruteplanlægning", "læsning og losning")),
    ("Landbrugsmedhjælper", ("pasning af dyr", "malkning", "markarbejde", "staldrengøring")),
    ("Gartner", ("vedligehold af grønne områder", "beskæring", "græsslåning", "plantning")),
    ("Pedel", ("pedelarbejde på skole", "små reparationer", "snerydning", "vicevært opgaver")),
    ("Tømrer", ("tømrerarbejde", "montering af vinduer", "tagarbejde", "gulvlægning")),
    ("Maler", ("maling af facader", "spartling", "tapetsering", "malerarbejde indendørs")),
    ("Bager", ("bageri om natten", "dejfremstilling", "kagepynt", "brødbagning")),
    ("Kontorassistent", ("bogføring", "telefonpasning", "arkivering", "fakturering")),
    ("Frisør", ("klipning", "farvning af hår", "kundebetjening i salon", "tidsbestilling")),
    ("IT-supporter", ("brugersupport", "opsætning af computere", "netværk", "fejlfinding")),
)


def pool_citizens(n: int, rng: np.random.Generator, switched: float = 0.4) -> list[CitizenProfile]:
    """N eligible citizens. Jobmål are skewed (the k-th occupation about 1/k as common as the
    first), so the later occupations have few citizens who seek them; ``switched`` of the
    citizens have a CV from another occupation than their jobmål, and every CV has some lines
    from other trades (work histories are mixed)."""
    towns = list(POSTCODES)
    weights = 1.0 / np.arange(1, len(OCCUPATIONS) + 1)
    weights /= weights.sum()
    people = []
    for i in range(n):
        goal = int(rng.choice(len(OCCUPATIONS), p=weights))
        work = goal if rng.random() >= switched else int(rng.integers(len(OCCUPATIONS)))
        lines = []
        for year in range(2010, 2010 + int(rng.integers(4, 9))):
            trade = work if rng.random() < 0.7 else int(rng.integers(len(OCCUPATIONS)))
            lines.append(f"{year}: {rng.choice(OCCUPATIONS[trade][1])} hos virksomhed {int(rng.integers(900))}.")
        people.append(CitizenProfile(
            f"c{i}", 1, (OCCUPATIONS[goal][0],), f"CV nr. {i}. {' '.join(lines)}",
            BENEFIT_GROUPS[int(rng.integers(len(BENEFIT_GROUPS)))], hours_available=37.0,
            postcode=towns[i % len(towns)], max_commute_km=200.0))
    return people


def pool_openings(n: int, rng: np.random.Generator) -> list[OpeningProfile]:
    """Virksomhedspraktik openings (every benefit group may take one), one occupation each."""
    towns = list(POSTCODES)
    openings = []
    for i in range(n):
        title, tasks = OCCUPATIONS[i % len(OCCUPATIONS)]
        openings.append(OpeningProfile(
            f"o{i}", 1, "c1", "virksomhedspraktik", f"{title} i virksomhedspraktik",
            f"Opgaver: {', '.join(rng.choice(tasks, 2, replace=False))}.", postcode=towns[i % len(towns)]))
    return openings


def pool_recall(encoder: Encoder, citizens: int, openings: int, pool_size: int = 200,
                seed: int = 7) -> dict[str, Any]:
    """The figures of the module docstring, for ``citizens`` synthetic citizens (> 1,000: over
    the limit) and ``openings`` synthetic openings."""
    rng = np.random.default_rng(seed)
    people = pool_citizens(citizens, rng)
    return recall_of_pools(encoder, people, pool_openings(openings, rng), pool_size=pool_size,
                           exhaustive_limit=DEFAULT_LIMIT, clock=lambda: BENCH_DAY)


def recall_of_pools(encoder: Encoder, people: Sequence[CitizenProfile], openings: Sequence[OpeningProfile],
                    *, pool_size: int = 200, exhaustive_limit: int = DEFAULT_LIMIT,
                    rules: EligibilityRules = DEFAULT_ELIGIBILITY, **service: Any) -> dict[str, Any]:
    """The pools' recall of the exhaustive top 10 for ``openings`` over ``people`` (any data;
    ``exhaustive_limit`` 0 takes the pools wherever more than ``pool_size`` are eligible, to
    measure them on a collection under the limit). ``service``: more MatchingService options,
    ``clock`` among them (required: the day the policy flags count from)."""
    backend = MemoryBackend()
    start = time.perf_counter()
    docs = documents_for_citizens(list(people), encoder)
    index_s = time.perf_counter() - start
    writer = backend.begin_rebuild("citizen", meta=index_meta_for(encoder, [d.text for d in docs]))
    writer.index(docs)  # with the collection's lexical statistics, as the indexer builds it
    writer.commit()
    source = MappingSource(people)
    exhaustive = MatchingService(encoder, backend, rules=rules, exhaustive_limit=len(people),
                                 pool_size=pool_size, **service)
    limited = MatchingService(encoder, backend, rules=rules, pool_size=pool_size,
                              exhaustive_limit=exhaustive_limit, **service)
    old = union = wanted = same = pooled = 0
    union_sizes = []
    for opening in openings:
        top = [m.citizen_id for m in exhaustive.rank_candidates(opening, k=10, citizens=source).matches]
        conditions = citizen_conditions(opening, Filters(), rules)
        if backend.count_matching("citizen", conditions) <= max(pool_size, exhaustive_limit):
            continue  # every eligible is scored: no pool
        pooled += 1
        query = encoder.encode_queries([opening_text(opening)])[0]
        by_text = {h.id for h in backend.search("citizen", query, pool_size, conditions)}
        by_goal = {h.id for h in backend.search("citizen", query, pool_size, conditions, field=GOAL_FIELD)}
        result = limited.rank_candidates(opening, k=10, citizens=source)
        union_sizes.append(result.scored_of or len(by_text | by_goal))
        wanted += len(top)
        old += len(set(top) & by_text)
        union += len(set(top) & (by_text | by_goal))
        same += [m.citizen_id for m in result.matches] == top
    return {"pool_citizens": len(people), "pool_openings": pooled, "pool_size": pool_size,
            "pool_encoder": encoder.name, "pool_index_s": round(index_s, 2),
            "recall_at_10_old": round(old / wanted, 4) if wanted else 1.0,
            "recall_at_10_union": round(union / wanted, 4) if wanted else 1.0,
            "top10_missed_old": wanted - old, "top10_missed_union": wanted - union,
            "union_pool_mean": round(float(np.mean(union_sizes)), 1) if union_sizes else 0.0,
            "top10_same_share": round(same / pooled, 4) if pooled else 1.0}


def union_searches(backend: Any, queries: Sequence[tuple[np.ndarray, list]], k: int) -> list[float]:
    """Milliseconds per ranking retrieval beyond the limit: the nearest k by whole text and
    the nearest k by jobmål, under the same filters (``MatchingService``)."""
    timings = []
    for vector, conditions in queries:
        start = time.perf_counter()
        backend.search("citizen", vector, k, conditions)
        backend.search("citizen", vector, k, conditions, field=GOAL_FIELD)
        timings.append((time.perf_counter() - start) * 1000)
    return timings
