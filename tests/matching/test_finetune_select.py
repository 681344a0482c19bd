"""Choosing the fine-tune's step (issue 12): on the selection list (ft-v1's rule, the default)
or on the cross-language check (``--select-on cross``). A two-layer network of width 8 on
random "cached states" stands in for e5, so no model file is loaded."""
from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from matching import train
from matching.e5_file import Config
from matching.finetune import E5Torch, Layer, finetune, top_vectors
from matching.train import heldout_map


class TinyNet(nn.Module):
    """Two post-LayerNorm blocks of width 8: what ``finetune`` needs of ``E5Torch``."""

    run_layers = E5Torch.run_layers
    pool = staticmethod(E5Torch.pool)

    def __init__(self) -> None:
        super().__init__()
        torch.manual_seed(7)
        self.config = Config(hidden=8, layers=2, heads=2, ffn=16, vocab=10, positions=8, eps=1e-12)
        self.layers = nn.ModuleList(Layer(self.config) for _ in range(2))


class TinyCache:
    """Random layer-1 states of 120 texts, 4 tokens each (``StateCache``'s reading side)."""

    split = 1

    def __init__(self) -> None:
        rng = np.random.default_rng(5)
        self.states = rng.normal(size=(120, 4, 8)).astype(np.float16)
        self.lengths = rng.integers(2, 5, size=120).astype(np.int16)

    def batch_tensors(self, rows: np.ndarray) -> tuple[torch.Tensor, torch.Tensor]:
        width = int(self.lengths[rows].max())
        states = torch.from_numpy(self.states[rows, :width].astype(np.float32))
        mask = torch.arange(width)[None, :] < torch.from_numpy(self.lengths[rows].astype(np.int64))[:, None]
        return states, mask


def _run(select_on: str | None, with_cross: bool = True) -> tuple[dict, TinyNet, TinyCache, dict, dict]:
    cache, net = TinyCache(), TinyNet()
    concepts = np.repeat(np.arange(30), 2)  # training texts 0-59: 30 concepts of two
    pairs = np.stack([np.arange(0, 60, 2), np.arange(1, 60, 2)], axis=1)
    # checks on texts 60-119: 12 concepts, each a title and four names
    check_concepts = np.repeat(np.arange(12), 5)
    is_query = np.tile([True, False, False, False, False], 12)
    select = {"rows": np.arange(60, 120), "concepts": check_concepts, "lists": np.zeros(60, np.int64),
              "is_query": is_query}
    cross = {"rows": np.arange(119, 59, -1), "concepts": check_concepts, "lists": np.zeros(60, np.int64),
             "is_query": is_query}
    options = {} if select_on is None else {"select_on": select_on}
    result = finetune(net, cache, np.arange(60), pairs, concepts, np.arange(60), select, steps=12, batch=10,
                      lr=3e-2, warmup=1, eval_every=1, seed=0, cross=cross if with_cross else None, **options)
    return result, net, cache, select, cross


def _measure(net: TinyNet, cache: TinyCache, data: dict) -> float:
    vectors = top_vectors(net, cache, data["rows"])
    return heldout_map(vectors, data["concepts"], data["lists"], data["is_query"])


def test_the_default_keeps_the_first_best_step_on_the_selection_list_and_its_weights():
    result, net, cache, select, _ = _run(None)
    scores = [score for _, score, _ in result["history"]]
    assert len(set(scores)) > 3  # the tiny network does learn, so the choice means something
    assert result["best_step"] == int(np.argmax(scores))  # the first of equal maxima
    assert round(_measure(net, cache, select), 4) == result["selection_map"] == max(scores)
    assert "select_on" not in result and "cross_map" not in result  # the JSON as before
    explicit, other, _, _, _ = _run("selection")
    assert explicit["best_step"] == result["best_step"] and explicit["history"] == result["history"]
    for name, tensor in net.state_dict().items():
        assert torch.equal(tensor, other.state_dict()[name])


def test_select_on_cross_keeps_the_best_step_on_the_cross_language_check_and_saves_it():
    by_selection = _run(None)[0]
    result, net, cache, select, cross = _run("cross")
    assert result["history"] == by_selection["history"]  # the same training, only the choice differs
    crossed = [score for _, score in result["cross_history"]]
    assert result["best_step"] == int(np.argmax(crossed)) != by_selection["best_step"]
    assert result["select_on"] == "cross" and result["cross_map"] == max(crossed)
    # the model is left at the chosen step: both checks re-measure to that step's figures
    assert round(_measure(net, cache, cross), 4) == result["cross_map"]
    assert round(_measure(net, cache, select), 4) == result["selection_map"] \
        == dict((s, m) for s, m, _ in result["history"])[result["best_step"]]


def test_select_on_cross_needs_the_check():
    with pytest.raises(ValueError, match="cross"):
        _run("cross", with_cross=False)
    with pytest.raises(ValueError, match="select_on"):
        _run("held-out")


def test_the_command_refuses_select_on_cross_without_a_cross_list(capsys):
    assert train.main(["--mode", "finetune", "--select-on", "cross"]) == 2
    assert "--select-on cross needs --cross-list" in capsys.readouterr().err


def _write_list(root, name, language, titles, names):
    folder = root / name
    folder.mkdir()
    (folder / "queries.tsv").write_text("".join(f"Q{i}\t{text}\n" for i, (text, _) in enumerate(titles)))
    (folder / "corpus_elements.tsv").write_text(
        "".join(f"{concept}_{language}_{i:03d}\t{text}\n" for i, (text, concept) in enumerate(names)))
    (folder / "annotations.tsv").write_text(
        "".join(f"Q{i}\t0\t{concept}_{language}_000\t1\n" for i, (_, concept) in enumerate(titles)))


def test_the_cross_check_is_the_selection_lists_titles_against_the_other_lists_names(tmp_path):
    from matching.finetune import check_corpora

    _write_list(tmp_path, "est_q_et_c_et", "et", [("kokk", "C1"), ("pagar", "C2")],
                [("kokk (et)", "C1"), ("pagar (et)", "C2")])
    _write_list(tmp_path, "pol_q_pl_c_pl", "pl", [("kucharz (title)", "C1")],
                [("kucharz", "C1"), ("piekarz", "C2"), ("murarz", "C3")])
    _write_list(tmp_path, "fra_q_fr_c_fr", "fr", [("cuisinier", "C1")], [("cuisinier (fr)", "C1")])
    held, cross = check_corpora(tmp_path, 0, "est_q_et_c_et", "pol_q_pl_c_pl")
    assert sorted(held.texts) == ["kokk", "kokk (et)", "pagar", "pagar (et)"]
    texts, concepts, is_query = cross
    pairs = {(t, bool(q)) for t, q in zip(texts, is_query)}
    assert pairs == {("kokk", True), ("pagar", True), ("kucharz", False), ("piekarz", False), ("murarz", False)}
    by_text = dict(zip(texts, concepts))
    assert by_text["kokk"] == by_text["kucharz"] != by_text["pagar"] == by_text["piekarz"]
    assert check_corpora(tmp_path, 0, "est_q_et_c_et")[1] is None
    with pytest.raises(FileNotFoundError, match="no list folder deu_q_de_c_de"):
        check_corpora(tmp_path, 0, "est_q_et_c_et", "deu_q_de_c_de")
