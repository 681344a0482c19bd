"""The concept channel in ranking: profiles once per text, the jobmål's relevance lifted by the
ESCO concepts it shares with the opening's title, a fact about the pair alone."""
from __future__ import annotations

import dataclasses
import json
from datetime import date
from pathlib import Path

import numpy as np
import pytest

from matching.backends import MemoryBackend
from matching.concept_channel import ConceptChannel, load_channel, table_path
from matching.concepts import ConceptTableError, build_table, combine, save_table
from matching.domain import CitizenProfile, OpeningProfile
from matching.encoders import HashingEncoder
from matching.documents import documents_for_citizens, documents_for_openings
from matching.service import MatchingService
from matching.shared import PairScoreCache

TODAY = date(2026, 12, 4)
ENCODER = HashingEncoder(256)

# Judged titles of "other countries": the concepts experts mapped them to.
TITLES = [("Tømrer", ("c_carpenter",)), ("Snedker", ("c_carpenter",)), ("Bygningssnedker", ("c_carpenter",)),
          ("Kok", ("c_cook",)), ("Køkkenchef", ("c_cook",)), ("Lagermedarbejder", ("c_warehouse",)),
          ("Lagerarbejder", ("c_warehouse",)), ("Truckfører", ("c_warehouse", "c_driver"))]
NAMES = [("c_carpenter", "Tømrer"), ("c_carpenter", "Snedker"), ("c_cook", "Kok"), ("c_cook", "Kokkeelev"),
         ("c_warehouse", "Lagermedarbejder"), ("c_driver", "Chauffør")]


def _table():
    vectors = ENCODER.encode_queries([t for t, _ in TITLES])
    return build_table(TITLES, vectors, [c for c, _ in NAMES], ENCODER.encode_queries([n for _, n in NAMES]))


def _channel(**kw) -> ConceptChannel:
    return ConceptChannel(_table(), "test-v1", ENCODER.name, **kw)


def _saved(tmp_path, base: str, vectors_dim: int | None = None):
    table = _table()
    if vectors_dim is not None:  # a table in another space (e.g. e5's 384 dimensions)
        rng = np.random.default_rng(0)
        def unit(n):
            v = rng.normal(size=(n, vectors_dim)).astype(np.float32)
            return v / np.linalg.norm(v, axis=1, keepdims=True)
        table = dataclasses.replace(table, title_vectors=unit(len(TITLES)), centroids=unit(len(table.concepts)))
    path = tmp_path / "table.npz"
    save_table(table, path, {"version": "test-v1", "base_encoder": base})
    return path


def test_profiles_are_computed_once_per_text_and_the_same_in_any_batch():
    channel = _channel()
    texts = ["Tømrer", "Kok", "Lagermedarbejder"]
    together = channel.profiles(texts, ENCODER.encode_queries(texts)).toarray()
    assert len(channel._cache) == 3
    alone = channel.profiles(["Kok"], ENCODER.encode_queries(["Kok"])).toarray()
    assert len(channel._cache) == 3  # read from the cache, not computed again
    fresh = _channel().profiles(["Kok", "Tømrer"], ENCODER.encode_queries(["Kok", "Tømrer"])).toarray()
    assert np.array_equal(together[1], alone[0]) and np.array_equal(together[1], fresh[0])
    assert np.array_equal(together[0], fresh[1])
    assert np.allclose(together.sum(axis=1), 1.0, atol=1e-5)
    with pytest.raises(ValueError):
        channel.profiles(["a", "b"], ENCODER.encode_queries(["a"]))


def test_similarity_is_symmetric_bounded_and_higher_for_a_shared_concept():
    channel = _channel()
    left = channel.profiles(["Tømrer", "Kok"], ENCODER.encode_queries(["Tømrer", "Kok"]))
    right = channel.profiles(["Snedker", "Køkkenchef", "Lagerarbejder"],
                             ENCODER.encode_queries(["Snedker", "Køkkenchef", "Lagerarbejder"]))
    sim = channel.similarity(left, right)
    assert sim.shape == (2, 3) and (sim >= 0).all() and (sim <= 1).all()
    assert np.allclose(sim.T, channel.similarity(right, left))
    assert sim[0, 0] > sim[0, 1] and sim[1, 1] > sim[1, 0]  # carpenter with carpenter, cook with cook


def test_lift_is_bounded_and_leaves_a_pair_without_shared_concepts_alone():
    channel = _channel(weight=1.6)
    fused = np.array([0.2, 0.2, 0.9, 0.0], dtype=np.float32)
    lifted = channel.lift(fused, np.array([0.0, 0.5, 1.0, 1.0], dtype=np.float32))
    assert lifted[0] == pytest.approx(0.2) and lifted[1] > 0.2 and lifted[2] == pytest.approx(1.0)
    assert np.allclose(lifted, combine(fused, np.array([0.0, 0.5, 1.0, 1.0]), 1.6, "lift"))
    with pytest.raises(ValueError):
        _channel(weight=float("nan"))


def test_load_channel_off_for_none_and_for_an_encoder_of_another_model(tmp_path):
    assert load_channel("none", ENCODER.name) is None and load_channel("", ENCODER.name) is None
    path = _saved(tmp_path, base="e5-small-4bit", vectors_dim=384)
    assert load_channel(str(path), ENCODER.name) is None  # hashing vectors are not e5's
    assert load_channel(str(path), "e5-small-4bit+ft-v1") is None  # a fine-tune of e5 itself
    with pytest.raises(ConceptTableError, match="not found"):
        load_channel(str(tmp_path / "missing.npz"), ENCODER.name)
    (tmp_path / "broken.npz").write_bytes(b"not a zip")
    with pytest.raises(ConceptTableError, match="not a valid table"):
        load_channel(str(tmp_path / "broken.npz"), ENCODER.name)
    assert table_path("concepts-v1").name == "concepts-v1.npz" and table_path("x/y.npz").name == "y.npz"


def test_load_channel_maps_the_table_through_the_encoders_adapter(tmp_path):
    from matching.adapter import load_adapter

    path = _saved(tmp_path, base="e5-small-4bit", vectors_dim=384)
    plain = load_channel(str(path), "e5-small-4bit")
    adapted = load_channel(str(path), "e5-small-4bit+occupation-v1")
    assert plain is not None and adapted is not None and adapted.space == "e5-small-4bit+occupation-v1"
    adapter = load_adapter("occupation-v1")
    assert np.allclose(adapted.table.title_vectors, adapter.apply(plain.table.title_vectors), atol=1e-6)
    assert np.allclose(adapted.table.centroids, adapter.apply(plain.table.centroids), atol=1e-6)
    assert load_channel(str(path), "e5-small-4bit+occupation-v1") is adapted  # once per process
    assert adapted.key != plain.key


def test_the_shipped_table_fits_the_default_encoder():
    from matching.concept_channel import DEFAULT_CONCEPTS
    from matching.concepts import table_meta

    meta = table_meta(table_path(DEFAULT_CONCEPTS))
    assert meta["base_encoder"] == "e5-small-4bit" and meta["version"] == DEFAULT_CONCEPTS
    assert meta["summary"]["concepts"] > 3000 and len(meta["summary"]["lists"]) == 20


def _person(id_, goals, cv="") -> CitizenProfile:
    return CitizenProfile(id=id_, version=1, job_goals=goals, cv_text=cv, benefit_group="kontanthjaelp",
                          hours_available=20.0, postcode="8722", case_start=date(2026, 1, 1))


CITIZENS = {p.id: p for p in [
    _person("snedker", ("Snedker",), "Møbler og træ."),
    _person("kok", ("Kok",), "Madlavning."),
    _person("lager", ("Lagerarbejder", "Kok"), "Truck."),
]}
OPENING = OpeningProfile("o1", 1, "f1", "smaajob", "Tømrer", "Vi søger en tømrer til byggepladsen.",
                         hours_min=5, hours_max=15, postcode="8722")


def _service(channel, backend=None):
    backend = backend or MemoryBackend()
    backend.index(documents_for_citizens(list(CITIZENS.values()), ENCODER))
    backend.index(documents_for_openings([OPENING], ENCODER))
    return MatchingService(ENCODER, backend, clock=lambda: TODAY, concepts=channel, pair_cache=PairScoreCache())


def test_a_jobmals_relevance_is_its_fused_score_lifted_by_the_shared_concepts():
    channel = _channel()
    without = {m.citizen_id: m for m in _service(None).rank_candidates(OPENING, k=3, citizens=CITIZENS).matches}
    with_ = {m.citizen_id: m for m in _service(channel).rank_candidates(OPENING, k=3, citizens=CITIZENS).matches}
    for cid in CITIZENS:
        before = {g.goal: g for g in without[cid].explanation.goal_scores}
        for goal in with_[cid].explanation.goal_scores:
            assert before[goal.goal].concept is None and goal.concept is not None
            assert goal.dense == before[goal.goal].dense and goal.lexical == before[goal.goal].lexical
            expected = float(channel.lift(np.float32(before[goal.goal].relevance), np.float32(goal.concept)))
            assert goal.relevance == pytest.approx(expected, abs=2e-6)
            assert goal.concept_lift == pytest.approx(goal.relevance - before[goal.goal].relevance, abs=2e-6)
            assert before[goal.goal].concept_lift is None
            assert goal.relevance >= before[goal.goal].relevance
    snedker = with_["snedker"].explanation.goal_scores[0]
    kok = with_["kok"].explanation.goal_scores[0]
    assert snedker.concept > kok.concept  # Snedker shares the carpenter concept with "Tømrer"
    assert with_["snedker"].explanation.relevance > without["snedker"].explanation.relevance


def test_a_pairs_lifted_score_does_not_depend_on_k_or_who_else_is_ranked():
    channel = _channel()
    full = {m.citizen_id: m.score for m in _service(channel).rank_candidates(OPENING, k=3, citizens=CITIZENS).matches}
    alone = _channel()  # a fresh channel: nothing cached
    only = {"snedker": CITIZENS["snedker"]}
    backend = MemoryBackend()
    backend.index(documents_for_citizens([CITIZENS["snedker"]], ENCODER))
    svc = MatchingService(ENCODER, backend, clock=lambda: TODAY, concepts=alone)
    single = svc.rank_candidates(OPENING, k=1, citizens=only).matches[0]
    assert single.score == full["snedker"]


def test_the_opening_side_gets_the_same_goal_scores():
    channel = _channel()
    svc = _service(channel)
    by_opening = {m.citizen_id: m for m in svc.rank_candidates(OPENING, k=3, citizens=CITIZENS).matches}
    result = svc.rank_openings(CITIZENS["lager"], k=1, openings={OPENING.id: OPENING})
    goals = {g.goal: g for g in result.matches[0].explanation.goal_scores}
    for g in by_opening["lager"].explanation.goal_scores:
        assert goals[g.goal].concept == pytest.approx(g.concept, abs=1e-6)
        assert goals[g.goal].relevance == pytest.approx(g.relevance, abs=2e-6)


def test_a_channel_for_another_encoder_is_refused():
    channel = ConceptChannel(_table(), "test-v1", "another-encoder")
    with pytest.raises(ValueError, match="another-encoder"):
        MatchingService(ENCODER, MemoryBackend(), clock=lambda: TODAY, concepts=channel)


def test_the_pair_cache_keeps_scores_with_and_without_the_channel_apart():
    cache = PairScoreCache()
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(CITIZENS.values()), ENCODER))
    plain = MatchingService(ENCODER, backend, clock=lambda: TODAY, pair_cache=cache)
    lifted = MatchingService(ENCODER, backend, clock=lambda: TODAY, pair_cache=cache, concepts=_channel())
    first = plain.rank_candidates(OPENING, k=3, citizens=CITIZENS).matches
    second = lifted.rank_candidates(OPENING, k=3, citizens=CITIZENS).matches
    assert all(g.concept is None for m in first for g in m.explanation.goal_scores)
    assert all(g.concept is not None for m in second for g in m.explanation.goal_scores)


def test_a_missing_table_is_a_clear_error_at_start_up(tmp_path):
    from portal import create_app
    from store.settings import ConfigError

    with pytest.raises(ConfigError, match="MATCHING_CONCEPTS"):
        create_app({"TESTING": True, "SECRET_KEY": "x", "MATCHING_CONCEPTS": str(tmp_path / "nope.npz"),
                    "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}"})


def test_profiles_are_kept_beside_the_vectors_and_read_back_by_another_process():
    from matching.cache import MemoryEmbeddingCache

    store = MemoryEmbeddingCache()
    texts = ["Tømrer", "Kok"]
    vectors = ENCODER.encode_queries(texts)
    first = _channel().profiles(texts, vectors, "query", store).toarray()
    assert len(store) == 2
    other = _channel()  # another process: an empty LRU, the same store
    again = other.profiles(texts, np.zeros_like(vectors), "query", store).toarray()  # never computed
    assert np.array_equal(first, again)
    # A foreign or torn entry is a miss, computed again, never a crash or a wrong row.
    store.put_many({other.key_of("query", "Kok"): np.array([1.0, 2.0, 3.0], dtype=np.float32)})
    store.put_many({other.key_of("query", "Tømrer"): np.array([9999.0, 1.0], dtype=np.float32)})
    fresh = _channel().profiles(texts, vectors, "query", store).toarray()
    assert np.array_equal(fresh, first)


def test_the_evaluation_cli_lifts_pairs_with_a_table_and_refuses_one_that_does_not_fit(tmp_path, capsys):
    from matching.evaluate import main

    fixtures = Path(__file__).parent / "fixtures"
    files = ["--queries", str(fixtures / "queries.tsv"), "--corpus", str(fixtures / "corpus.tsv"),
             "--qrels", str(fixtures / "qrels.tsv"), "--encoder", "hashing"]
    table = _table()
    save_table(table, tmp_path / "hashing.npz", {"version": "test-v1", "base_encoder": HashingEncoder(256).name})
    assert main(files) == 0
    plain = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert main(files + ["--concepts", str(tmp_path / "hashing.npz")]) == 0
    lifted = json.loads(capsys.readouterr().out.strip().splitlines()[-1])
    assert plain["concepts"] is None and lifted["concepts"] == "test-v1 (lift 0.4)"
    assert main(files + ["--concepts", str(tmp_path / "hashing.npz"), "--concept-weight", "1.6"]) == 0
    assert json.loads(capsys.readouterr().out.strip().splitlines()[-1])["concepts"] == "test-v1 (lift 1.6)"
    assert main(files + ["--concepts", str(tmp_path / "hashing.npz"), "--concept-weight", "9"]) == 2
    assert "--concept-weight" in capsys.readouterr().err
    assert main(files + ["--concepts", str(tmp_path / "absent.npz")]) == 2
    assert "not found" in capsys.readouterr().err
    assert main(files + ["--concepts", str(_saved(tmp_path, base="e5-small-4bit", vectors_dim=384))]) == 2
    assert "does not fit the encoder hashing-256" in capsys.readouterr().err


@pytest.mark.parametrize("value", ["abc", "-1", "5", "nan"])
def test_a_concept_weight_outside_zero_to_four_is_a_clear_error(value):
    from store.settings import ConfigError, from_environment

    with pytest.raises(ConfigError, match="MATCHING_CONCEPT_WEIGHT must be a number from 0 to 4"):
        from_environment({"MATCHING_CONCEPT_WEIGHT": value})
    assert from_environment({"MATCHING_CONCEPT_WEIGHT": "1,6"})["MATCHING_CONCEPT_WEIGHT"] == 1.6


def test_the_configured_weight_reaches_the_channel(tmp_path):
    from matching.settings import MatchingSettings, make_configured_concepts

    path = tmp_path / "hashing.npz"
    save_table(_table(), path, {"version": "test-v1", "base_encoder": ENCODER.name})
    settings = MatchingSettings.from_config({"MATCHING_CONCEPTS": str(path), "MATCHING_CONCEPT_WEIGHT": 1.6}, tmp_path)
    channel = make_configured_concepts(settings, ENCODER.name)
    assert channel is not None and channel.weight == 1.6
    off = MatchingSettings.from_config({"MATCHING_CONCEPTS": "none"}, tmp_path)
    assert make_configured_concepts(off, ENCODER.name) is None


def test_the_scoring_name_tells_scores_with_and_without_the_channel_apart():
    from matching.concept_channel import scoring_name

    assert scoring_name(ENCODER.name, None) == ENCODER.name
    assert scoring_name(ENCODER.name, _channel(weight=1.6)) == f"{ENCODER.name}; test-v1 (lift 1.6)"
    assert scoring_name(ENCODER.name, _channel(weight=0.4)) != scoring_name(ENCODER.name, _channel(weight=1.6))


@pytest.mark.parametrize("title, occupation", [
    ("Småjob: Gartner 8 timer om ugen", "Gartner"),
    ("Virksomhedspraktik som regnskabsassistent", "regnskabsassistent"),
    ("Butiksassistent – småjob på 10 timer", "Butiksassistent"),
    ("Fleksjob som kantinemedhjælper (20 timer)", "kantinemedhjælper"),
    ("Chauffør (C/CE) i fleksjob", "Chauffør"),
    ("Virksomhedscenter: 3 praktikpladser som gartneriarbejder", "gartneriarbejder"),
    ("Køkkenassistent søges", "Køkkenassistent"),
    ("Pædagogmedhjælper 25-30 timer pr. uge", "Pædagogmedhjælper"),
    ("Lagermedarbejder til pakning", "Lagermedarbejder til pakning"),  # what the work is stays
    ("Kok: aften og weekend", "Kok: aften og weekend"),  # a colon after an occupation is not a kind prefix
    ("Jobkonsulent", "Jobkonsulent"),  # a kind word inside a word is part of it
    ("Småjob", "Småjob"),  # nothing left: the title itself
])
def test_occupation_title_leaves_out_kind_hours_and_soges(title, occupation):
    from matching.concept_channel import occupation_title

    assert occupation_title(title) == occupation


def test_the_channel_reads_the_occupation_in_the_title_not_its_kind_or_hours():
    channel = _channel()
    plain = OpeningProfile("o2", 1, "f1", "smaajob", "Tømrer", "Vi søger en tømrer.", hours_min=5, hours_max=15,
                           postcode="8722")
    dressed = dataclasses.replace(plain, id="o3", title="Småjob som tømrer 10 timer om ugen")
    backend = MemoryBackend()
    backend.index(documents_for_citizens([CITIZENS["snedker"]], ENCODER))
    svc = MatchingService(ENCODER, backend, clock=lambda: TODAY, concepts=channel)
    only = {"snedker": CITIZENS["snedker"]}
    concept = [svc.rank_candidates(o, k=1, citizens=only).matches[0].explanation.goal_scores[0].concept
               for o in (plain, dressed)]
    expected = channel.similarity(channel.profiles(["tømrer"], ENCODER.encode_queries(["tømrer"])),
                                  channel.profiles(["Snedker"], ENCODER.encode_queries(["Snedker"])))[0, 0]
    assert concept[1] == pytest.approx(float(expected), abs=1e-6)
    assert concept[0] > 0 and concept[1] > 0


def test_stored_keys_name_everything_a_ranking_keeps_in_the_embedding_cache():
    """What the indexer's sweep keeps for live profiles (``stored_keys``) covers every vector
    and concept profile a ranking stores, in both directions; an erased citizen's are not in it."""
    from matching.cache import CachedEncoder, MemoryEmbeddingCache
    from matching.documents import stored_keys

    store = MemoryEmbeddingCache()
    encoder = CachedEncoder(ENCODER, store)
    backend = MemoryBackend()
    backend.index(documents_for_citizens(list(CITIZENS.values()), encoder))
    backend.index(documents_for_openings([OPENING], encoder))
    svc = MatchingService(encoder, backend, clock=lambda: TODAY, concepts=_channel())
    assert svc.rank_candidates(OPENING, k=3, citizens=CITIZENS).matches
    assert svc.rank_openings(CITIZENS["lager"], k=1, openings={OPENING.id: OPENING}).matches
    written = set(store._items)
    live = stored_keys(ENCODER.name, CITIZENS.values(), [OPENING], "test-v1")
    assert written <= live
    profile = _channel().key_of("query", "Lagerarbejder")
    assert profile in written  # the concept profiles are among them
    without_lager = stored_keys(ENCODER.name, [CITIZENS["snedker"], CITIZENS["kok"]], [OPENING], "test-v1")
    assert profile not in without_lager
    assert _channel().key_of("query", "Kok") in without_lager  # another citizen's jobmål stays
    assert profile not in stored_keys(ENCODER.name, CITIZENS.values(), [OPENING])  # the channel off


def test_table_version_reads_the_metadata_only_and_is_none_when_off(tmp_path):
    from matching.concept_channel import DEFAULT_CONCEPTS, table_version

    assert table_version("none") is None and table_version(None) is None and table_version(" ") is None
    assert table_version(DEFAULT_CONCEPTS) == DEFAULT_CONCEPTS
    assert table_version(str(_saved(tmp_path, ENCODER.name))) == "test-v1"
    with pytest.raises(ConceptTableError):
        table_version(str(tmp_path / "missing.npz"))


def test_the_danish_concept_report_classes_every_pair_and_tells_a_shared_concept_from_none():
    """``scripts.demo_eval --goal-concepts``: the channel on (opening title, jobmål) pairs by class."""
    from matching.demo_eval import Labelled, goal_concepts

    def opening(title, id_):
        return OpeningProfile(id_, 1, "f1", "smaajob", title, "", hours_min=5, hours_max=15, postcode="8722")

    openings = [opening("Småjob: Tømrer 8 timer om ugen", "o1"), opening("Kok søges", "o2")]
    goal_occupation = {"Tømrer": "toemrer", "Snedker": "snedker", "Kok": "kok", "Lagermedarbejder": "lager"}
    labels = Labelled({}, {"o1": "toemrer", "o2": "kok"},
                      {"toemrer": "trae", "snedker": "trae", "kok": "koekken", "lager": "lager"})
    report = goal_concepts(openings, labels, goal_occupation, ENCODER, _channel())
    assert {cls: report[cls]["pairs"] for cls in ("title", "same_occupation", "family", "unrelated")} == {
        "title": 2, "same_occupation": 0, "family": 1, "unrelated": 5}
    assert report["title"]["shares_a_concept"] == 1.0 and report["title"]["lift_shown"] == 1.0
    assert report["family"]["shares_a_concept"] == 1.0  # Snedker and Tømrer: the carpenter concept
    assert report["unrelated"]["similarity_mean"] < report["family"]["similarity_mean"]
    assert set(report["auc"]) == {"title", "family"}
    assert all(0 <= v <= 1 for row in report["auc"].values() for v in row.values())
