"""scripts/concept_transfer: reading a melo-train list (research tool)."""
from __future__ import annotations

from scripts.concept_transfer import read_list


def test_read_list_keeps_judged_titles_with_their_concepts_and_relevant_elements(tmp_path):
    (tmp_path / "corpus_elements.tsv").write_text("C1_et_000\tkokk\nC1_et_001\tpeakokk\nC2_et_000\tpagar\n", encoding="utf-8")
    (tmp_path / "queries.tsv").write_text("Q1\tKokk\nQ2\tPagar\nQ3\tunjudged\n", encoding="utf-8")
    (tmp_path / "annotations.tsv").write_text("Q1\t0\tC1_et_000\t1\nQ1\t0\tC2_et_000\t1\nQ2\t0\tC2_et_000\t1\n",
                                              encoding="utf-8")
    data = read_list(tmp_path)
    assert data.titles == [("Kokk", ("C1", "C2")), ("Pagar", ("C2",))]
    assert data.relevant == [{"C1_et_000", "C2_et_000"}, {"C2_et_000"}]
    assert [c for _, c, _ in data.names] == ["C1", "C1", "C2"]
