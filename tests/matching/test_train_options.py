"""Options for tuning the adapter honestly (issue 12): whole lists left out of training, and the
fusion's dense weight set from the evaluation command."""
from __future__ import annotations

import json
from pathlib import Path

import pytest

from matching import evaluate as evaluate_cli
from matching.train import load_corpus

FIXTURES = Path(__file__).parent / "fixtures"


def _list(root: Path, name: str, titles: dict[str, str], names: dict[str, str]) -> None:
    folder = root / name
    folder.mkdir()
    (folder / "queries.tsv").write_text("".join(f"{q}\t{t}\n" for q, t in titles.items()), encoding="utf-8")
    (folder / "corpus_elements.tsv").write_text("".join(f"{e}\t{t}\n" for e, t in names.items()), encoding="utf-8")
    (folder / "annotations.tsv").write_text(
        "".join(f"{q}\t0\t{next(e for e in names if e.startswith(q.split('-')[0]))}\t1\n" for q in titles),
        encoding="utf-8")


@pytest.fixture
def lists(tmp_path: Path) -> Path:
    _list(tmp_path, "aaa_q_xx_c_xx", {"c1-q": "Lagerarbeiter", "c2-q": "Krankenpfleger"},
          {"c1_a": "Lagerist", "c1_b": "Lagerhelfer", "c2_a": "Pflegefachkraft"})
    _list(tmp_path, "bbb_q_yy_c_yy", {"c1-r": "magazynier"}, {"c1_c": "pracownik magazynu", "c2_b": "pielęgniarz"})
    return tmp_path


def test_an_excluded_list_contributes_no_text(lists):
    everything = load_corpus(lists)
    assert "magazynier" in everything.texts and len(everything.list_names) == 2
    without = load_corpus(lists, exclude=["bbb_q_yy_c_yy"])
    assert without.list_names == ["aaa_q_xx_c_xx"]
    assert set(without.texts) == {"Lagerarbeiter", "Krankenpfleger", "Lagerist", "Lagerhelfer", "Pflegefachkraft"}
    assert without.is_query.sum() == 2


def test_excluding_an_unknown_list_is_an_error_not_a_silent_full_run(lists):
    with pytest.raises(FileNotFoundError, match="zzz_q_zz"):
        load_corpus(lists, exclude=["zzz_q_zz"])


def _evaluate(capsys, *extra: str) -> tuple[int, str, str]:
    code = evaluate_cli.main(["--queries", str(FIXTURES / "queries.tsv"), "--corpus", str(FIXTURES / "corpus.tsv"),
                              "--qrels", str(FIXTURES / "qrels.tsv"), "--encoder", "hashing", *extra])
    out, err = capsys.readouterr()
    return code, out, err


def test_dense_weight_changes_the_fusion_and_is_validated(capsys):
    results = {}
    for weight in ("0", "1"):
        code, out, _ = _evaluate(capsys, "--dense-weight", weight)
        assert code == 0
        results[weight] = json.loads(out.strip().splitlines()[-1])
    # Lexical alone (0) and dense alone (1) rank these fixtures differently.
    assert results["0"]["map"] != results["1"]["map"]
    code, out, err = _evaluate(capsys, "--dense-weight", "1.5")
    assert code == 2 and "--dense-weight" in err and "0..1" in err and not out


def test_key_fraction_is_a_fixed_nested_sample(lists):
    from matching.train import key_sample

    corpus = load_corpus(lists)
    assert key_sample(corpus, 1.0, "e5-small-4bit").texts == corpus.texts
    small = key_sample(corpus, 0.3, "e5-small-4bit")
    larger = key_sample(corpus, 0.7, "e5-small-4bit")
    assert set(small.texts) <= set(larger.texts) <= set(corpus.texts)
    assert small.texts == key_sample(corpus, 0.3, "e5-small-4bit").texts
    assert len(small.texts) == len(small.concepts) == len(small.is_query) == len(small.lists)
    # Another encoder name is another hash: a different sample of the same texts.
    samples = {tuple(key_sample(corpus, 0.5, f"enc-{i}").texts) for i in range(8)}
    assert len(samples) > 1
