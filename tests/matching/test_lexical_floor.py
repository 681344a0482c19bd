"""The floor under a small collection's lexical statistics (review BG 5).

On a new installation (19 citizens and 3 openings indexed) the obvious tømrer for
»Tømrerhjælper (småjob)« scored »lav«: "tømrer" was in 8 of the 22 documents, so its n-grams
weighed less than every other word of the opening, and the lexical channel gave the jobmål
»Tømrer« 0.28 against 0.37 in the demo's collection with the same texts added.
"""
from __future__ import annotations

import numpy as np
import pytest

from matching.backends.snapshot import SnapshotBackend
from matching.encoders import HashingEncoder
from matching.index_meta import index_meta_for
from matching.lexical import FLOOR_DOCUMENTS, LexicalModel, LexicalStats, floored, reference_stats
from matching.lexical_reference import build, main
from matching.relevance import RelevanceConfig, RelevanceScorer

OPENING = ("Tømrerhjælper (småjob)\nHjælp på byggepladsen med oprydning, bæring af materialer og enkle "
           "tømreropgaver. Vi er et lille tømrerfirma i Hedensted med 8 ansatte.\nMødestabil. "
           "Sikkerhedssko udleveres.")
OTHER_OPENINGS = [
    "Lagermedarbejder i praktik\nPraktik på vores materialelager: modtagelse af varer, pluk og pakning, "
    "orden på lageret.\nLyst til fysisk arbejde.",
    "Tømrer med løntilskud\nVi søger en tømrer eller tømrerlærling med erfaring til tag og vinduer. "
    "Løntilskud i 6 måneder.\nKørekort B",
]


def _citizen(goal: str) -> str:
    return (f"Jobmål: {goal}. Jobmål: {goal}.\nProfil\nJeg er en stabil og mødestabil person, der gerne vil "
            f"arbejde som {goal.lower()}. Jeg er god til at samarbejde og lærer hurtigt nye opgaver.\n"
            f"Erhvervserfaring\n2019-2022: {goal} hos en lokal virksomhed.")


# The reviewer's import: a caseload heavy with tømrere, as a small tømrer town's can be.
GOALS = ["Tømrer", "Tømrer", "Tømrer", "Tømrerlærling", "Tømrerlærling", "Tømrer", "Butiksassistent",
         "Lagermedarbejder", "Kontorassistent", "Lastbilchauffør", "Køkkenmedhjælper", "Pædagogmedhjælper",
         "Gartner", "Frisørelev", "Maler", "Svejser", "Kantinemedhjælper", "Receptionist", "Lagerarbejder"]
TEXTS = [_citizen(g) for g in GOALS] + [OPENING, *OTHER_OPENINGS]


def _lexical(stats: LexicalStats | None) -> float:
    return float(LexicalModel().with_stats(stats).similarities(OPENING, ["Tømrer"])[0])


def test_the_shipped_reference_is_the_demos_collection():
    reference = reference_stats()
    assert reference.documents == 640 and reference.version == "c097fb14ee54960b"
    assert set(reference.df) == {"char_wb:2-4"}


def test_a_small_collection_scores_the_pair_as_a_larger_one_does():
    """The new installation's pair, lexically: its own 22 documents against the demo's
    collection with the same 22 added (662, above the floor: their own statistics)."""
    small = LexicalStats.from_texts(TEXTS)
    larger = reference_stats().combined(small)
    assert floored(larger) is larger
    alone, topped_up, in_larger = _lexical(small), _lexical(floored(small)), _lexical(larger)
    assert in_larger - alone > 0.05  # what the reviewer met: the small collection starves the pair
    assert abs(topped_up - in_larger) < 0.02


def test_the_ranking_model_uses_the_floor_and_can_switch_it_off():
    small = LexicalStats.from_texts(TEXTS)
    scorer = RelevanceScorer(HashingEncoder(64))
    ranked = scorer.lexical_model(small)
    assert ranked.stats_version == floored(small).version != small.version
    assert float(ranked.similarities(OPENING, ["Tømrer"])[0]) == pytest.approx(_lexical(floored(small)), abs=1e-6)
    off = RelevanceScorer(HashingEncoder(64), RelevanceConfig(lexical_floor=0)).lexical_model(small)
    assert off.stats_version == small.version
    assert float(off.similarities(OPENING, ["Tømrer"])[0]) == pytest.approx(_lexical(small), abs=1e-6)
    with pytest.raises(ValueError):
        RelevanceConfig(lexical_floor=-1)


def test_the_top_up_fills_to_the_floor_and_shrinks_to_nothing_at_it():
    small = LexicalStats.from_texts(TEXTS)
    topped = floored(small)
    assert topped.documents == FLOOR_DOCUMENTS
    reference = reference_stats()
    share = (FLOOR_DOCUMENTS - small.documents) / reference.documents
    own = dict(zip(*(a.tolist() for a in small.df["char_wb:2-4"])))
    ref = dict(zip(*(a.tolist() for a in reference.df["char_wb:2-4"])))
    got = dict(zip(*(a.tolist() for a in topped.df["char_wb:2-4"])))
    for bucket in list(own)[:200] + list(ref)[:200]:
        assert got.get(bucket, 0) == own.get(bucket, 0) + round(ref.get(bucket, 0) * share)
    # Just below the floor the reference adds one document's worth at most: no jump at the floor.
    near = LexicalStats(FLOOR_DOCUMENTS - 1, small.df)
    idx, cnt = floored(near).df["char_wb:2-4"]
    extra = dict(zip(idx.tolist(), cnt.tolist()))
    assert all(extra.get(b, 0) - c <= 1 for b, c in own.items())
    assert floored(near).documents == FLOOR_DOCUMENTS


@pytest.mark.parametrize("floor", [0, 22])
def test_no_top_up_at_or_above_the_floor_nor_without_statistics(floor):
    small = LexicalStats.from_texts(TEXTS)
    assert floored(small, floor) is small
    assert floored(None) is None
    words = LexicalStats.from_texts(TEXTS, word_weight=1.0)  # a block the reference does not have
    assert floored(words) is words


def test_scaling_keeps_the_share_of_documents():
    reference = reference_stats()
    half = reference.scaled(320)
    idx, cnt = reference.df["char_wb:2-4"]
    hidx, hcnt = half.df["char_wb:2-4"]
    assert half.documents == 320
    assert dict(zip(hidx.tolist(), hcnt.tolist())) == {
        i: c for i, c in zip(idx.tolist(), np.rint(cnt * 0.5).astype(int).tolist()) if c}
    assert reference.scaled(0).documents == 0


def test_the_reference_is_built_from_an_index_and_read_back(tmp_path):
    encoder = HashingEncoder(16)
    index = tmp_path / "index.npz"
    backend = SnapshotBackend(index)
    for kind, texts in (("citizen", TEXTS[:-3]), ("opening", TEXTS[-3:])):
        backend.begin_rebuild(kind, meta=index_meta_for(encoder, texts)).commit()
    out = tmp_path / "reference.npz"
    assert "22 documents" in build(index, out)
    read = reference_stats(out)
    assert read.documents == 22 and read.version == LexicalStats.from_texts(TEXTS).version
    empty = tmp_path / "empty.npz"
    SnapshotBackend(empty).begin_rebuild("citizen").commit()
    assert main(["--index", str(empty), "--out", str(tmp_path / "x.npz")]) == 2
