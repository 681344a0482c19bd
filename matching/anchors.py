"""Build concept anchors for an adapter (issue 12, "Levers of another kind").

Usage::

    python -m matching.train --mode anchors --adapter occupation-v1 \\
        --lists est_q_et_c_et pol_q_pl_c_pl lva_q_lv_c_lv deu_q_de_c_de \\
        --k 3 --weight 0.3 --out matching/adapters/occupation-v1-anchored.npz

Every ESCO name of the chosen MELO training lists (``/work/shared/data/melo-train``; never
``melo/``) is encoded with the production e5 as relevance embeds titles ("query: ", through
``matching.train``'s vector cache), mapped by the source adapter, and averaged per ESCO concept
(the concept is the first part of the element id; a concept's names in several languages share
one centroid). The new adapter file holds the source adapter's map plus these centroids
(float16 ``A``) and the settings ``{"k", "weight"}``: at run time ``matching.adapter.anchor``
moves each vector toward the mean of its ``k`` nearest centroids by ``weight``. With
``--title-chars FULL ZERO`` the settings also hold ``full_chars``/``zero_chars``: the weight
then shrinks with the text's length (``matching.adapter.anchor_weights``), so titles and jobmål
are anchored and CVs and whole openings are not. The table is a
fixed artefact, made of ESCO names only, so a vector (and a pair's score) stays a function of
its text alone, whatever else is indexed. numpy only; prints a JSON summary on the last line.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import json
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np

DEFAULT_LISTS = ("est_q_et_c_et", "pol_q_pl_c_pl", "lva_q_lv_c_lv", "deu_q_de_c_de")


def read_names(root: Path, lists: Sequence[str]) -> tuple[list[str], list[str]]:
    """Every ESCO name of ``lists`` with its concept id, in file order (distinct (name, concept) pairs).

    Raises:
        FileNotFoundError: a list folder without ``corpus_elements.tsv``.
    """
    texts, concepts, seen = [], [], set()
    for name in lists:
        path = root / name / "corpus_elements.tsv"
        if not path.is_file():
            raise FileNotFoundError(f"no list folder {name} (with corpus_elements.tsv) under {root}")
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                fields = line.rstrip("\n").split("\t")
                if len(fields) < 2 or not fields[1].strip():
                    continue
                text, concept = fields[1].strip(), fields[0].split("_")[0]
                if (text, concept) not in seen:
                    seen.add((text, concept))
                    texts.append(text)
                    concepts.append(concept)
    return texts, concepts


def centroids(vectors: np.ndarray, concepts: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """Unit-length mean vector per concept, concepts sorted by id; returns (table, concept ids)."""
    labels, inverse = np.unique(np.asarray(concepts), return_inverse=True)
    table = np.zeros((len(labels), vectors.shape[1]), dtype=np.float64)
    np.add.at(table, inverse, np.asarray(vectors, dtype=np.float64))
    table /= np.maximum(np.linalg.norm(table, axis=1, keepdims=True), 1e-12)
    return table.astype(np.float32), [str(label) for label in labels]


def range_low(before: np.ndarray, after: np.ndarray, low: float) -> float:
    """The dense range's low end for anchored vectors.

    The source encoder's ``low`` is moved with the median cosine of a sample of reference names
    (``before`` and ``after`` anchoring), keeping its place between the median and 1.0:
    ``m' - (m - low) * (1 - m') / (1 - m)``.
    """
    def median(v: np.ndarray) -> float:
        upper = np.triu_indices(len(v), 1)
        return float(np.median((v @ v.T)[upper]))

    m, m2 = median(before), median(after)
    return m2 - (m - low) * (1.0 - m2) / (1.0 - m)


def _parser() -> argparse.ArgumentParser:
    from matching.train import DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m matching.train --mode anchors",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--adapter", default="occupation-v1",
                        help="source adapter whose map the anchors are built in (a shipped .npz version, a path, "
                             "or 'none' for the zero-shot e5)")
    parser.add_argument("--lists", nargs="+", default=list(DEFAULT_LISTS), metavar="LIST",
                        help="melo-train list folders whose ESCO names make the centroids")
    parser.add_argument("--k", type=int, default=3, help="nearest centroids a vector moves toward")
    parser.add_argument("--weight", type=float, default=0.3, help="how far it moves")
    parser.add_argument("--title-chars", type=int, nargs=2, default=None, metavar=("FULL", "ZERO"),
                        help="anchor by text length: the full weight up to FULL characters, none from ZERO "
                             "on, linear between (titles and jobmål anchored, CVs and whole openings not); "
                             "default: every text alike")
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train folder")
    parser.add_argument("--out", type=Path, required=True, help="adapter file to write (.npz)")
    parser.add_argument("--version", default=None, help="adapter version (default: the --out file's stem)")
    parser.add_argument("--workers", type=int, default=2, help="encoding processes")
    parser.add_argument("--cached-only", action="store_true",
                        help="use only names already in the vector cache (encode nothing)")
    return parser


def main(argv: Sequence[str] | None = None, encode=None) -> int:
    """Run the CLI; return the exit code (0 ok, 2 bad input or missing data).

    ``encode`` (texts -> base vectors) replaces ``matching.train.encode_cached`` (tests).
    """
    from matching.adapter import NO_ADAPTER, AdapterError, anchor, load_adapter
    from matching.encoders import E5Encoder
    from matching.relevance import RelevanceConfig
    from matching.train import encode_cached

    args = _parser().parse_args(argv)
    if args.k < 1 or args.weight < 0:
        print("error: --k must be at least 1 and --weight at least 0", file=sys.stderr)
        return 2
    if args.title_chars is not None and not 0 <= args.title_chars[0] < args.title_chars[1]:
        print("error: --title-chars needs 0 <= FULL < ZERO", file=sys.stderr)
        return 2
    if args.out.suffix != ".npz":
        print("error: --out must end in .npz", file=sys.stderr)
        return 2
    base_name = E5Encoder().name
    if args.adapter.strip().lower() == NO_ADAPTER:
        dim = E5Encoder.dimension
        weight, bias, source_meta, source_name = np.eye(dim, dtype=np.float32), np.zeros(dim, np.float32), {}, base_name
    else:
        try:
            source = load_adapter(args.adapter)
        except AdapterError as exc:
            print(f"error: {exc}", file=sys.stderr)
            return 2
        if source.hidden is not None or source.anchors is not None:
            print(f"error: adapter {source.version} is not a plain linear map", file=sys.stderr)
            return 2
        weight, bias, source_meta = source.weight, source.bias, source.meta
        source_name = f"{source.base_encoder}+{source.version}"
    try:
        texts, concepts = read_names(args.data, args.lists)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if encode is None:
        def encode(batch):
            return encode_cached(batch, workers=args.workers, cached_only=args.cached_only)
    vectors = np.asarray(encode(texts), dtype=np.float32)
    keep = ~np.isnan(vectors).any(axis=1)
    vectors, concepts = vectors[keep], [c for c, k in zip(concepts, keep) if k]
    if not len(vectors):
        print("error: no names encoded", file=sys.stderr)
        return 2
    from matching.adapter import Adapter

    plain = Adapter("source", base_name, weight, bias)
    mapped = plain.apply(vectors)
    table, labels = centroids(mapped, concepts)
    table16 = table.astype(np.float16)
    rng = np.random.default_rng(0)
    sample = mapped[rng.choice(len(mapped), size=min(3000, len(mapped)), replace=False)]
    low = range_low(sample, anchor(sample, table16.astype(np.float32), args.k, args.weight),
                    RelevanceConfig().range_for(source_name)[0])
    version = args.version or args.out.stem
    settings = {"k": args.k, "weight": args.weight}
    if args.title_chars is not None:
        settings.update(full_chars=args.title_chars[0], zero_chars=args.title_chars[1])
    summary = {"names": int(len(vectors)), "concepts": len(labels), "lists": list(args.lists),
               "source_adapter": args.adapter, **settings,
               "range_low": round(low, 4), "not_encoded": int((~keep).sum())}
    meta = {"version": version, "base_encoder": base_name, "kind": "linear+anchors",
            "dimension": int(weight.shape[1]),
            "command": "python -m matching.train --mode anchors " + " ".join(sys.argv[1:] if argv is None else argv),
            "trained": _dt.datetime.now(_dt.timezone.utc).date().isoformat(), "anchors": settings,
            "summary": {**source_meta.get("summary", {}), "anchors": summary},
            "source_meta": {key: source_meta.get(key) for key in ("version", "command", "trained")}}
    args.out.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(args.out, meta=np.array(json.dumps(meta, sort_keys=True)), W=weight.astype(np.float16),
                        b=bias.astype(np.float16), A=table16)
    summary["out"] = str(args.out)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
