"""With a learned model, the top k is the learned top k over every eligible pair the backend
retrieved, and a filtered list is the full list restricted to the filter (review BP 1).

Until then the service cut the hand-set top ``max(k, pool_size)`` before the model saw it: a
pair the model lifts into the top k but the hand-set weights put below that cut was left off,
and a filter, which shrinks the eligible set, brought it back.
"""
from __future__ import annotations

import dataclasses
import math

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from matching.backends import BackendUnavailable, MemoryBackend
from matching.domain import Filters
from matching.rerank import Learned, RerankModel, apply, history_secret
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import MatchingService
from matching.encoders import HashingEncoder
from matching.ranking import citizen_passes
from tests.matching.test_explain_shown_only import CITIZENS, OPENING, TODAY

ALL = len(CITIZENS) + 10  # more than every pair: the whole list
SECRET = history_secret(b"test-key")
# The shared-terms and proximity facts against the hand-set relevance: moves pairs far.
STRONG = RerankModel(("relevance", "shared_terms", "best_goal_relevance", "proximity"),
                     (0.4, 0.2, 0.4, 0.5), (0.2, 0.2, 0.2, 0.3), (0.2, 3.0, 1.0, 2.0), 0.0, 0.4, 0.05)

# Some citizens on another benefit, so a benefit filter leaves a part of the list.
_CITIZENS = {cid: (dataclasses.replace(c, benefit_group="sygedagpenge") if i % 3 == 0 else c)
             for i, (cid, c) in enumerate(sorted(CITIZENS.items()))}


class _Down(MemoryBackend):
    def search(self, *args, **kwargs):
        raise BackendUnavailable("down")


def _service(backend: MemoryBackend, pool_size: int, **kw) -> MatchingService:
    encoder = HashingEncoder(256)
    backend.index(documents_for_citizens(list(_CITIZENS.values()), encoder))
    backend.index(documents_for_openings([OPENING], encoder))
    return MatchingService(encoder, backend, clock=lambda: TODAY, pool_size=pool_size, **kw)


SERVICES = {(b.__name__, pool): _service(b(), pool) for b in (MemoryBackend, _Down) for pool in (3, 200)}


def _learned_all(svc: MatchingService, model: RerankModel, filters: Filters = Filters()) -> list:
    """The learned order of every eligible pair: the hand-set list of all, adjusted, reordered."""
    every = svc.rank_candidates(OPENING, ALL, filters, citizens=_CITIZENS).matches
    return apply(every, model, None, title=OPENING.title, secret=SECRET)


def _ids(matches) -> list[str]:
    return [m.citizen_id for m in matches]


@pytest.mark.parametrize("key", [k for k in sorted(SERVICES) if k[1] == 3])
def test_the_demo_case_a_pair_the_model_lifts_from_below_the_hand_set_cut_is_listed(key):
    """pool_size 3: the hand-set top 3 was all the model saw; now the learned top 5 is listed."""
    svc = SERVICES[key]
    learned = _learned_all(svc, STRONG)
    hand = _ids(svc.rank_candidates(OPENING, ALL, citizens=_CITIZENS).matches)
    page = svc.rank_candidates(OPENING, 5, citizens=_CITIZENS, learned=Learned(STRONG, SECRET)).matches
    assert page == tuple(learned[:5])
    assert any(hand.index(c) >= max(5, svc.pool_size) for c in _ids(page))  # one came from below the cut


coefs = st.floats(0.0, 3.0, allow_nan=False)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(key=st.sampled_from(sorted(SERVICES)), k=st.integers(1, 45),
       coef=st.tuples(coefs, coefs, coefs, coefs), per_logit=st.floats(0.01, 0.08),
       dropped=st.sets(st.sampled_from(sorted(_CITIZENS)), max_size=15),
       benefit=st.sampled_from((None, frozenset({"kontanthjaelp"}), frozenset({"sygedagpenge"}))))
def test_top_k_is_the_learned_top_k_of_every_eligible_and_a_filter_only_removes(
        key, k, coef, per_logit, dropped, benefit):
    svc = SERVICES[key]
    model = RerankModel(STRONG.features, STRONG.mean, STRONG.scale, coef, 0.0, 0.4, per_logit)
    learned = Learned(model, SECRET)
    whole = _learned_all(svc, model)
    page = svc.rank_candidates(OPENING, k, citizens=_CITIZENS, learned=learned).matches
    assert page == tuple(whole[:k])
    # a filter (a decided citizen left out, a benefit group) is the full list restricted to it
    filters = Filters(exclude_ids=frozenset(dropped), benefit_groups=benefit)
    filtered = svc.rank_candidates(OPENING, k, filters, citizens=_CITIZENS, learned=learned).matches
    restricted = [m for m in whole if citizen_passes(_CITIZENS[m.citizen_id], filters)]
    assert filtered == tuple(restricted[:k])
    assert all(not math.isnan(m.score) for m in filtered)
