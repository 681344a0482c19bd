"""With a learned re-ranking, the pool gets only its shared-term counts and the pairs kept are
explained (docs/matching.md, "Next steps" 6): the count is the explanation's number, and a
kept pair's explanation and adjustment do not depend on k."""
from __future__ import annotations

import random
from datetime import date

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import matching.explain as explain_module
import matching.service as service_module
from matching.backends import BackendUnavailable, MemoryBackend
from matching.domain import CitizenProfile, Explanation, Match, OpeningProfile
from matching.encoders import HashingEncoder
from matching.explain import explain, shared_term_count
from matching.ranking import citizen_text, opening_text
from matching.rerank import Learned, LearnedMatch, RerankModel, apply, history_secret
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import MatchingService
from matching.terms import matched_terms

TODAY = date(2026, 11, 23)

# Danish job words, compound parts with and without a linking letter, inflected forms, function
# words, boilerplate, town names, numbers and punctuation: what the shared-terms rule sorts.
WORDS = ("lager", "medarbejder", "lagermedarbejder", "lagerarbejde", "lageret", "truck", "pakning",
         "pakke", "varer", "køkken", "køkkenet", "køkkenmedhjælper", "kantine", "kantinen", "sundhed",
         "sundhedshjælper", "sundhedsassistent", "social", "pleje", "hjemmepleje", "ældre", "gartner",
         "anlægsgartner", "bager", "bageri", "chauffør", "lastbil", "rengøring", "rengøringsassistent",
         "butik", "kunder", "kasse", "og", "i", "til", "med", "tage", "imod", "erfaring", "dansk",
         "kørekort", "hedensted", "horsens", "vejle", "lars", "larsen", "2026", "42", "CV")
PUNCTUATION = (" ", " ", " ", ", ", ". ", "-", "/", "\n", ": ", " – ", "(", ")", ";")


@st.composite
def danish_text(draw) -> str:
    parts = []
    for _ in range(draw(st.integers(0, 30))):
        word = draw(st.sampled_from(WORDS))
        if draw(st.booleans()) and parts:  # a compound made on the spot, sometimes with "s"/"e"
            word = parts.pop().strip() + draw(st.sampled_from(("", "s", "e"))) + word
        if draw(st.integers(0, 5)) == 0:
            word = word.capitalize()
        parts.append(word + draw(st.sampled_from(PUNCTUATION)))
    return "".join(parts)


def _citizen(id_: str, goals: tuple[str, ...], cv: str, **kw) -> CitizenProfile:
    base = dict(id=id_, version=1, job_goals=goals, cv_text=cv, benefit_group="kontanthjaelp",
                hours_available=20.0, postcode="8722", driving_licences={"B"}, case_start=date(2026, 1, 1))
    return CitizenProfile(**{**base, **kw})


def _opening(title: str, description: str, requirements: str = "") -> OpeningProfile:
    return OpeningProfile("o1", 1, "f1", "smaajob", title, description, requirements, hours_min=5,
                          hours_max=25, postcode="8722")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(title=danish_text(), description=danish_text(), goals=st.lists(danish_text(), max_size=3),
       cv=danish_text(), name_line=st.sampled_from(("", "CV – Lars Larsen\n", "Lars Larsen\n")))
def test_the_count_is_the_number_of_shared_terms_the_explanation_shows(title, description, goals, cv, name_line):
    opening = _opening(title or "Lagermedarbejder", description)
    citizen = _citizen("c", tuple(goals), name_line + cv)  # one id for every text: keyed by content
    words = matched_terms(opening_text(opening), citizen_text(citizen))
    shown = explain(Match("c", "o1", 0.0, _bare_explanation()), citizen, opening, ())
    assert shared_term_count(citizen, opening) == len(words) == len(shown.explanation.matched_terms)
    assert shared_term_count(citizen, opening) == len(words)  # and again, from the cache


def test_the_count_is_not_a_word_set_intersection():
    """Compound parts count as the card shows them; boilerplate and the citizen's name do not."""
    opening = _opening("Lagermedarbejder", "Pakning af varer. Erfaring er en fordel.")
    citizen = _citizen("c", ("Lagerarbejde",), "CV – Lars Larsen\nErfaring med pakning.")
    assert matched_terms(opening_text(opening), citizen_text(citizen)) == ["pakning", "lager"]
    assert shared_term_count(citizen, opening) == 2


def _bare_explanation() -> Explanation:
    return Explanation(matched_goals=(), matched_terms=(), similarity_band="lav", relevance=0.0,
                       distance_km=0.0, hours_fit=1.0, policy_flags=(), constraints=())


# -- the service: the pool counted, the kept explained ------------------------------------------

TASKS = ("truck og pakning af varer", "lagerarbejde", "madlavning i kantine", "opvask i køkkenet",
         "pleje af ældre", "rengøring af kontorer", "kundeservice i butik", "kørsel med lastbil",
         "anlægsgartner i parker", "bageri om natten", "plukning af ordrer", "pakning af pakker")
GOALS = ("Lagermedarbejder", "Køkkenmedhjælper", "Social- og sundhedshjælper", "Rengøringsassistent",
         "Butiksmedarbejder", "Chauffør", "Gartner", "Bager", "Lagerarbejder")


def _pool(n: int = 40) -> dict[str, CitizenProfile]:
    rng = random.Random(12)
    citizens = {}
    for i in range(n):
        goals = tuple(rng.sample(GOALS, rng.randint(1, 2)))
        cv = "Erfaring med " + ", ".join(rng.sample(TASKS, rng.randint(1, 4))) + "."
        citizens[f"c{i:02d}"] = _citizen(f"c{i:02d}", goals, cv, postcode=rng.choice(("8722", "8723", "7100")),
                                         hours_available=rng.choice((10.0, 20.0, 30.0)))
    return citizens


CITIZENS = _pool()
OPENING = _opening("Lagermedarbejder til pakning", "Pakning af varer og truck på lageret. Plukning af ordrer.")
# Weighs the shared terms heavily, so the count moves pairs across the hand-set order.
MODEL = RerankModel(("relevance", "shared_terms", "best_goal_relevance", "proximity"),
                    (0.4, 0.2, 0.4, 0.5), (0.2, 0.2, 0.2, 0.3), (0.5, 3.0, 1.0, 0.5), 0.0, 0.4, 0.05)
LEARNED = Learned(MODEL, history_secret(b"test-key"))


def _service(backend: MemoryBackend | None = None, **kw) -> MatchingService:
    encoder = HashingEncoder(256)
    backend = MemoryBackend() if backend is None else backend
    backend.index(documents_for_citizens(list(CITIZENS.values()), encoder))
    backend.index(documents_for_openings([OPENING], encoder))
    return MatchingService(encoder, backend, clock=lambda: TODAY, **kw)


class _Down(MemoryBackend):
    def search(self, *args, **kwargs):
        raise BackendUnavailable("down")


@pytest.mark.parametrize("backend", [MemoryBackend, _Down])
@pytest.mark.parametrize("pool_size", [200, 12])
def test_a_kept_pair_is_the_same_whatever_k_and_as_when_the_whole_pool_was_explained(backend, pool_size):
    """Page 1 (k=5) is the start of a longer page (k=12) while k is within the pool; a pair's
    explanation and adjustment are the same on any page it is on, for any k."""
    svc = _service(backend(), pool_size=pool_size)
    every: dict[str, LearnedMatch] = {}
    for k in (1, 5, 12, 29, 30):
        matches = svc.rank_candidates(OPENING, k, citizens=CITIZENS, learned=LEARNED).matches
        assert len(matches) == k and all(isinstance(m, LearnedMatch) for m in matches)
        for m in matches:
            assert every.setdefault(m.citizen_id, m) == m
        # the way before: every eligible pair explained, then reordered (review BP 1: every
        # eligible pair, never the hand-set top max(k, pool_size) alone)
        explained = svc.rank_candidates(OPENING, len(CITIZENS), citizens=CITIZENS).matches
        assert matches == tuple(apply(explained, MODEL, k, title=OPENING.title, secret=LEARNED.secret))
    longer = svc.rank_candidates(OPENING, 12, citizens=CITIZENS, learned=LEARNED).matches
    for k in (1, 5, 11):
        assert svc.rank_candidates(OPENING, k, citizens=CITIZENS, learned=LEARNED).matches == longer[:k]
    hand = svc.rank_candidates(OPENING, 12, citizens=CITIZENS).matches
    assert [m.citizen_id for m in longer] != [m.citizen_id for m in hand]  # the model did reorder
    assert all(m.explanation.matched_terms for m in longer)


def test_only_the_kept_pairs_are_explained_the_pool_is_only_counted(monkeypatch):
    svc = _service()
    explained, counted, words = [], [], []
    real_explain, real_count, real_terms = service_module.explain, service_module.shared_term_count, \
        explain_module.matched_terms
    monkeypatch.setattr(service_module, "explain", lambda m, *a, **kw: explained.append(m.citizen_id)
                        or real_explain(m, *a, **kw))
    monkeypatch.setattr(service_module, "shared_term_count", lambda c, o: counted.append(c.id) or real_count(c, o))
    monkeypatch.setattr(explain_module, "matched_terms", lambda *a, **kw: words.append(1) or real_terms(*a, **kw))
    explain_module._COUNTS.clear()
    shown = svc.rank_candidates(OPENING, 5, citizens=CITIZENS, learned=LEARNED).matches
    assert sorted(explained) == sorted(m.citizen_id for m in shown) and len(explained) == 5
    assert len(counted) == len(set(counted)) > 30  # every pair of the pool counted once
    assert len(words) == len(counted) + 5  # the words: once per pool pair, and for the 5 shown
    explained.clear(), words.clear()
    again = svc.rank_candidates(OPENING, 5, citizens=CITIZENS, learned=LEARNED).matches
    assert again == shown and len(explained) == 5 and len(words) == 5  # counts met again: no words


def test_without_a_model_every_returned_match_is_explained():
    svc = _service()
    result = svc.rank_candidates(OPENING, 10, citizens=CITIZENS)
    assert len(result.matches) == 10
    assert [len(m.explanation.matched_terms) for m in result.matches] == \
        [shared_term_count(CITIZENS[m.citizen_id], OPENING) for m in result.matches]
