"""The evaluation CLI: metrics on hand cases, the JSON contract, and malformed input."""
from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from matching.evaluate import average_precision, ndcg_at, recall_at, reciprocal_rank

FIXTURES = Path(__file__).parent / "fixtures"
ROOT = Path(__file__).resolve().parents[2]


def test_metrics_on_hand_cases():
    ranking = [3, 1, 2, 0]
    relevant = {1: 1, 2: 1}
    assert average_precision(ranking, relevant) == pytest.approx((1 / 2 + 2 / 3) / 2)
    assert reciprocal_rank(ranking, relevant) == pytest.approx(1 / 2)
    assert recall_at(ranking, relevant, 1) == 0.0
    assert recall_at(ranking, relevant, 2) == 0.5
    # DCG = 1/log2(3) + 1/log2(4); ideal = 1 + 1/log2(3)
    ideal = 1 + 1 / 1.5849625007211563
    assert ndcg_at(ranking, relevant, 10) == pytest.approx((1 / 1.5849625007211563 + 0.5) / ideal)
    assert average_precision([1, 2], relevant) == reciprocal_rank([1, 2], relevant) == 1.0
    assert ndcg_at([1, 2, 3], relevant, 2) == pytest.approx(1.0)
    # A relevant document never ranked still counts in the denominator.
    assert average_precision([1], {1: 1, 9: 1}) == 0.5
    assert ndcg_at([0], {5: 2}, 10) == reciprocal_rank([0], {5: 2}) == 0.0


def run(queries: Path, corpus: Path, qrels: Path, *extra: str) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "matching.evaluate", "--queries", str(queries), "--corpus", str(corpus),
               "--qrels", str(qrels), "--encoder", "hashing", *extra]
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_cli_prints_the_json_contract_on_the_last_line():
    done = run(FIXTURES / "queries.tsv", FIXTURES / "corpus.tsv", FIXTURES / "qrels.tsv")
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert set(result) == {"map", "mrr", "recall_at_10", "ndcg_at_10", "queries", "corpus", "encoder",
                           "language_fusion", "concepts", "seconds"}
    assert result["concepts"] is None  # off unless asked for
    assert result["encoder"] == "hashing-256" and result["language_fusion"] is True
    assert result["queries"] == 4 and result["corpus"] == 10
    # Spelling alone finds these (hashing encoder): a broken ranking would not.
    assert result["map"] > 0.6 and result["recall_at_10"] == 1.0
    assert "ranking" in done.stderr  # the progress bar goes to stderr


@pytest.fixture
def files(tmp_path: Path) -> dict[str, Path]:
    copies = {}
    for name in ("queries", "corpus", "qrels"):
        copies[name] = tmp_path / f"{name}.tsv"
        shutil.copy(FIXTURES / f"{name}.tsv", copies[name])
    return copies


@pytest.mark.parametrize(("name", "content", "line", "message"), [
    ("corpus", b"D1\tlagerarbejder\nD2\ttruckf\xc3\xb8rer\nD3\n", 3, "2 tab-separated columns"),
    ("queries", b"", 1, "empty"),
    ("queries", b"\n\n", 1, "empty"),
    ("queries", b"Q1\tLagermedarbejder\nQ2\tK\xf8kkenmedhj\xe6lper\n", 2, "UTF-8"),
    ("queries", "Q1\tKok\n".encode("utf-16"), 1, "UTF-8"),
    ("queries", b"Q1\tKok\nQ1\tTjener\n", 2, "duplicate id"),
    ("qrels", b"Q1\t0\tD1\t1\nQ1\t0\tD99\t1\n", 2, "unknown document id 'D99'"),
    ("qrels", b"Q1\t0\tD1\t1\nQ1\t0\tD2\t1\nQ7\t0\tD1\t1\n", 3, "unknown query id 'Q7'"),
    ("qrels", b"Q1\tD1\t1\n", 1, "4 tab-separated columns"),
    ("qrels", b"Q1\t0\tD1\tyes\n", 1, "not an integer"),
])
def test_malformed_input_exits_2_naming_file_and_line(files, name, content, line, message):
    files[name].write_bytes(content)
    done = run(files["queries"], files["corpus"], files["qrels"])
    assert done.returncode == 2
    assert f"{files[name]}:{line}:" in done.stderr
    assert message in done.stderr
    assert "Traceback" not in done.stderr


def test_missing_file_and_unknown_encoder_exit_2_without_traceback(files, tmp_path):
    done = run(tmp_path / "absent.tsv", files["corpus"], files["qrels"])
    assert done.returncode == 2 and "absent.tsv" in done.stderr and "Traceback" not in done.stderr
    done = run(files["queries"], files["corpus"], files["qrels"], "--encoder", "word2vec")
    assert done.returncode == 2 and "minilm" in done.stderr and "Traceback" not in done.stderr


def test_only_non_relevant_judgements_is_an_error(files):
    files["qrels"].write_bytes(b"Q1\t0\tD1\t0\n")
    done = run(files["queries"], files["corpus"], files["qrels"])
    assert done.returncode == 2 and "no relevant documents" in done.stderr


def test_cache_dir_reuses_base_vectors_and_adapters_share_them(tmp_path):
    """The base encoder's vectors are cached on disk; an adapted run reads the same files."""
    from matching.encoders import make_encoder
    from matching.evaluate import evaluate, read_qrels, read_texts

    queries = read_texts(str(FIXTURES / "queries.tsv"))
    corpus = read_texts(str(FIXTURES / "corpus.tsv"))
    qrels = read_qrels(str(FIXTURES / "qrels.tsv"), queries, corpus)
    cache = tmp_path / "eval"
    first = evaluate(make_encoder("hashing"), queries, corpus, qrels, cache)
    files = sorted(cache.iterdir())
    assert len(files) == 2  # corpus and queries
    again = evaluate(make_encoder("hashing"), queries, corpus, qrels, cache)
    assert sorted(cache.iterdir()) == files
    assert {k: v for k, v in again.items() if k != "seconds"} == {k: v for k, v in first.items() if k != "seconds"}
    uncached = evaluate(make_encoder("hashing"), queries, corpus, qrels, language_fusion=False)
    assert uncached["language_fusion"] is False and uncached["queries"] == first["queries"]
