"""Lexical channel: Nordic text normalisation and TF-IDF similarity (shared terms: matching.terms).

The dense encoder knows what words *mean*; this channel knows which letters the two texts
actually share. Job titles are short, full of compounds ("lagermedarbejder") and spelt in
several ways ("Aarhus"/"Århus", "lärare"/"lærer"), so character n-grams inside words carry
the signal (an extra word-unigram block is available but did not help on the MELO sets).
"""
from __future__ import annotations

import base64
import hashlib
import io
import re
import threading
import unicodedata
from collections.abc import Sequence
from pathlib import Path
from typing import Any

import numpy as np
from cachetools import LRUCache
from scipy import sparse
from sklearn.feature_extraction.text import HashingVectorizer
from sklearn.preprocessing import normalize as l2_normalise

# Danish/Swedish/Norwegian spellings of the same letters fold together, so a Swedish
# "lärare" and a Danish "lærer" share their n-grams. "aa" is the pre-1948 spelling of "å".
_LETTER_FOLDS = str.maketrans({"ä": "æ", "ö": "ø", "ǿ": "ø", "ǻ": "å"})
_AA = re.compile(r"aa")
_ASCII_CONTROLS = {code: " " for code in (*range(32), 127)}
_WHITESPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")

def _clean_char(ch: str) -> str:
    """Map one character: controls become spaces, format/combining marks vanish."""
    category = unicodedata.category(ch)
    if category == "Cc":
        return " "
    if category in ("Cf", "Mn", "Me", "Cs", "Co", "Cn"):
        # Cf: zero-width and bidi controls (U+200B, U+202E); Mn/Me: combining marks left
        # over after composition; Cs/Co/Cn: lone surrogates, private use, unassigned.
        return ""
    return ch


def normalise(text: str) -> str:
    """Normalise text for lexical comparison in Danish and its neighbours.

    NFKC (compatibility forms and composition, so "a" + U+030A becomes "å"), strip control,
    zero-width, bidi and stray combining characters, casefold, fold ä/ö to æ/ø and "aa" to
    "å", and collapse whitespace. Linear in the input length.

    Args:
        text: Any string, possibly hostile (NUL, RTL override, 10^6 characters).

    Returns:
        The normalised string; "" for empty or all-invisible input.
    """
    text = unicodedata.normalize("NFKC", text)
    # Most characters are ordinary letters; only look up the rest (fast on huge inputs).
    if not text.isascii():
        # One lookup per distinct character, then one C-level pass (a CV has ~100 distinct
        # characters and thousands in all). Letters and digits are never cleaned.
        text = text.translate({ord(ch): _clean_char(ch) for ch in set(text) if not ch.isalnum()})
    else:
        text = text.translate(_ASCII_CONTROLS)
    text = unicodedata.normalize("NFC", text.casefold()).translate(_LETTER_FOLDS)
    text = _AA.sub("å", text)
    return _WHITESPACE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Split normalised text into word tokens (letters and digits; "-" and "/" split).

    Not cached by text: a cache keyed by the text would keep citizens' jobmål in the
    process's memory after an erasure (the cost is a few microseconds per short text).
    """
    return _TOKEN.findall(normalise(text))


def _analyse(text: str) -> str:
    # Joining tokens with spaces turns "SFI-lärare" into "sfi lærare", so char_wb n-grams
    # see compound parts that punctuation would otherwise glue together.
    return " ".join(tokens(text))


# Features are hashed (murmurhash3, as scikit-learn's HashingVectorizer): no vocabulary to
# fit, so a text's features do not depend on any collection, and the statistics stored with an
# index are two integer arrays per block. 2^20 buckets: collisions are negligible at the sizes
# of a municipality's citizens and openings.
N_FEATURES = 2 ** 20
_STATS_FORMAT = 1

# The reference statistics (see ``floored``): document frequencies of the demo's indexed
# collection (synthetic citizens' jobmål and CVs and openings, no real person's text),
# built by ``python -m matching.lexical_reference`` (matching/tables/PROVENANCE.md).
REFERENCE_PATH = Path(__file__).resolve().parent / "tables" / "lexical-reference-v1.npz"
# Below this many documents (citizens and openings together) a collection's own IDF is
# topped up with the reference, scaled to the documents missing (docs/matching.md,
# "A floor under small collections").
FLOOR_DOCUMENTS = 500


def _block_specs(char_ngrams: tuple[int, int] | None, word_weight: float) -> list[tuple[str, dict, float]]:
    specs = []
    if char_ngrams is not None:
        specs.append((f"char_wb:{char_ngrams[0]}-{char_ngrams[1]}",
                      dict(analyzer="char_wb", ngram_range=tuple(char_ngrams)), 1.0))
    if word_weight > 0:
        specs.append(("word", dict(analyzer="word", token_pattern=r"\w+"), word_weight))
    return specs


def _hasher(kwargs: dict) -> HashingVectorizer:
    return HashingVectorizer(lowercase=False, alternate_sign=False, norm=None, dtype=np.float32,
                             n_features=N_FEATURES, **kwargs)


def text_key(text: str) -> bytes:
    """A short hash of the exact text: cache keys never hold readable text (every cache of
    citizens' texts in ``matching`` is keyed by it)."""
    return hashlib.blake2b(text.encode("utf-8", "surrogatepass"), digest_size=16).digest()


def _lru(max_entries: int) -> LRUCache:
    """An empty ``cachetools.LRUCache`` of ``max_entries`` entries.

    Raises:
        ValueError: ``max_entries`` below 1 (such a cache could not store a row).
    """
    if max_entries < 1:
        raise ValueError("max_entries must be at least 1")
    return LRUCache(max_entries)


def _used(cache: LRUCache, keys: Sequence) -> dict:
    """The entries of ``keys`` found in ``cache``, each marked as used once, in the order of
    its first occurrence in ``keys`` (``in`` leaves the recency alone, indexing refreshes it)."""
    return {k: cache[k] for k in dict.fromkeys(keys) if k in cache}


def _stack(rows: Sequence[sparse.csr_matrix], n_features: int) -> sparse.csr_matrix:
    """One-row CSR matrices stacked into one (a fresh matrix; much cheaper than
    ``scipy.sparse.vstack`` for hundreds of single rows)."""
    if not rows:
        return sparse.csr_matrix((0, n_features), dtype=np.float32)
    indptr = np.zeros(len(rows) + 1, dtype=np.int64)
    np.cumsum([r.nnz for r in rows], out=indptr[1:])
    data = np.concatenate([r.data for r in rows]).astype(np.float32, copy=False)
    indices = np.concatenate([r.indices for r in rows]).astype(np.int32, copy=False)
    return sparse.csr_matrix((data, indices, indptr), shape=(len(rows), n_features))


class _CountCache:
    """Hashed feature counts per analysed text, most recently used kept (thread-safe: a lock
    around one ``cachetools.LRUCache``).

    Analysing a CV into character n-grams is the costly part of a lexical score (~4 ms);
    the counts depend on the text alone, so the citizens of repeated rankings are analysed
    once. Keys are a hash of the text, never the text.

    Raises:
        ValueError: ``max_entries`` below 1.
    """

    def __init__(self, max_entries: int = 4096) -> None:
        self._rows: LRUCache[tuple[int, bytes], sparse.csr_matrix] = _lru(max_entries)
        self._lock = threading.Lock()

    @property
    def max_entries(self) -> int:
        return self._rows.maxsize

    def rows(self, hasher: HashingVectorizer, docs: Sequence[str]) -> sparse.csr_matrix:
        """Count rows for the raw texts ``docs`` (a fresh matrix the caller may modify)."""
        if not docs:
            return hasher.transform([]).tocsr()
        spec = hash((hasher.analyzer, hasher.ngram_range))
        keys = [(spec, text_key(d)) for d in docs]
        with self._lock:
            found = _used(self._rows, keys)
        missing = [i for i, k in enumerate(keys) if k not in found]
        if missing:
            fresh = hasher.transform([_analyse(docs[i]) for i in missing]).tocsr()
            with self._lock:
                for row, i in enumerate(missing):
                    found[keys[i]] = self._rows[keys[i]] = fresh[row]
        return _stack([found[k] for k in keys], hasher.n_features)


_COUNTS = _CountCache()


class LexicalStats:
    """Document frequencies of the lexical features over a whole indexed collection.

    Computed at index time (``from_texts`` over every document of a kind), stored with the
    index (``to_meta`` / ``from_meta``, in the index metadata) and used for every score until
    the next rebuild, so a pair's lexical similarity never depends on k, filters or on who else
    is in the pool. ``combined`` adds two collections (citizens and openings), so the two
    ranking directions share one IDF and a pair has one score whichever way it is ranked.

    Attributes:
        documents: number of documents counted.
        df: per block key (``"char_wb:2-4"``, ``"word"``), (bucket indices, document counts).
    """

    def __init__(self, documents: int, df: dict[str, tuple[np.ndarray, np.ndarray]]) -> None:
        self.documents = int(documents)
        self.df = {key: (np.asarray(i, dtype=np.uint32), np.asarray(c, dtype=np.uint32))
                   for key, (i, c) in df.items()}
        self._payload: bytes | None = None

    @classmethod
    def from_texts(cls, texts: Sequence[str], char_ngrams: tuple[int, int] | None = (2, 4),
                   word_weight: float = 0.0) -> LexicalStats:
        """Count, per feature, the documents among ``texts`` that contain it."""
        docs = [_analyse(t) for t in texts]
        df = {}
        for key, kwargs, _ in _block_specs(char_ngrams, word_weight):
            matrix = _hasher(kwargs).transform(docs) if docs else sparse.csr_matrix((0, N_FEATURES))
            counts = np.asarray((matrix > 0).sum(axis=0)).ravel()
            nonzero = np.flatnonzero(counts)
            df[key] = (nonzero, counts[nonzero])
        return cls(len(docs), df)

    def combined(self, other: LexicalStats | None) -> LexicalStats:
        """The statistics of both collections together (None: this one alone)."""
        if other is None:
            return self
        df = {}
        for key in sorted(set(self.df) | set(other.df)):
            parts = [x for x in (self.df.get(key), other.df.get(key)) if x is not None]
            idx = np.concatenate([p[0] for p in parts])
            cnt = np.concatenate([p[1] for p in parts]).astype(np.int64)
            keys, inverse = np.unique(idx, return_inverse=True)
            df[key] = (keys, np.bincount(inverse, weights=cnt).astype(np.uint32))
        return LexicalStats(self.documents + other.documents, df)

    def _bytes(self) -> bytes:
        if self._payload is None:
            out = io.BytesIO()
            arrays = {}
            for n, (key, (idx, cnt)) in enumerate(sorted(self.df.items())):
                arrays[f"k{n}"], arrays[f"i{n}"], arrays[f"c{n}"] = np.array(key), idx, cnt
            np.savez_compressed(out, documents=np.array(self.documents), **arrays)
            self._payload = out.getvalue()
        return self._payload

    @property
    def version(self) -> str:
        """A short content hash: equal statistics, equal version."""
        return hashlib.sha256(self._bytes()).hexdigest()[:16]

    def to_meta(self) -> dict[str, Any]:
        """A JSON-serialisable form for the index metadata."""
        return {"format": _STATS_FORMAT, "documents": self.documents, "version": self.version,
                "data": base64.b64encode(self._bytes()).decode("ascii")}

    @classmethod
    def from_meta(cls, meta: Any) -> LexicalStats | None:
        """The statistics stored by :meth:`to_meta`; None when absent or of another format."""
        if not isinstance(meta, dict) or meta.get("format") != _STATS_FORMAT:
            return None
        try:
            return cls.from_bytes(base64.b64decode(meta["data"]))
        except (KeyError, ValueError, TypeError, OSError):
            return None

    @classmethod
    def from_bytes(cls, payload: bytes) -> LexicalStats:
        """The statistics from their compressed arrays (what :meth:`to_meta` encodes, and the
        reference file holds).

        Raises:
            KeyError, ValueError, OSError: not such arrays.
        """
        with np.load(io.BytesIO(payload), allow_pickle=False) as data:
            count = sum(1 for name in data.files if name.startswith("k"))
            df = {str(data[f"k{n}"]): (data[f"i{n}"], data[f"c{n}"]) for n in range(count)}
            return cls(int(data["documents"]), df)

    def to_bytes(self) -> bytes:
        """The compressed arrays :meth:`from_bytes` reads."""
        return self._bytes()

    def scaled(self, documents: int) -> LexicalStats:
        """These frequencies as if counted on ``documents`` documents of the same kind: each
        count times ``documents / self.documents``, rounded (a count rounding to 0 is left out)."""
        if self.documents <= 0 or documents <= 0:
            return LexicalStats(0, {key: (np.zeros(0, np.uint32), np.zeros(0, np.uint32)) for key in self.df})
        share = documents / self.documents
        df = {}
        for key, (idx, cnt) in self.df.items():
            counts = np.rint(cnt.astype(np.float64) * share).astype(np.uint32)
            kept = counts > 0
            df[key] = (idx[kept], counts[kept])
        return LexicalStats(documents, df)


_REFERENCE: dict[Path, LexicalStats] = {}
_REFERENCE_LOCK = threading.Lock()


def reference_stats(path: Path = REFERENCE_PATH) -> LexicalStats:
    """The shipped reference statistics (read once per process).

    Raises:
        OSError, KeyError, ValueError: the file is missing or not statistics (a broken install).
    """
    with _REFERENCE_LOCK:
        found = _REFERENCE.get(path)
        if found is None:
            found = _REFERENCE[path] = LexicalStats.from_bytes(Path(path).read_bytes())
        return found


def floored(stats: LexicalStats | None, floor: int = FLOOR_DOCUMENTS,
            reference: LexicalStats | None = None) -> LexicalStats | None:
    """``stats`` topped up to ``floor`` documents with the reference statistics (review BG 5).

    A collection of a few dozen documents gives a coarse IDF that follows its make-up: on a new
    installation with 19 citizens and 3 openings "tømrer" was in 8 of 22 documents and weighed
    less than an opening's every other word, so the obvious tømrer's pair scored 0.36 where the
    same pair in the demo's collection scores 0.39, and the bands (calibrated on the demo) no
    longer meant what they say. Below ``floor`` documents the reference, scaled to the
    ``floor - documents`` missing (:meth:`LexicalStats.scaled`), is added; at or above it, or
    with ``floor`` 0, ``stats`` is returned as it is. So the top-up shrinks smoothly as the
    collection grows and is gone at ``floor``. A fact about the collection's statistics alone,
    never about a request: every pair is scored with the same IDF.

    None (no statistics: the lexical channel runs without IDF) stays None, and so do blocks
    the reference lacks (another n-gram setting): those statistics are returned unchanged.
    """
    if stats is None or floor <= 0 or stats.documents >= floor:
        return stats
    reference = reference_stats() if reference is None else reference
    if not set(stats.df) <= set(reference.df):
        return stats
    missing = floor - stats.documents
    return stats.combined(reference.scaled(missing))


class LexicalModel:
    """TF-IDF over hashed character n-grams within words, optionally plus word unigrams.

    The IDF comes from fixed :class:`LexicalStats` (``with_stats``), normally those of the
    whole index; ``fit(texts)`` is the same with statistics counted on ``texts`` (evaluation,
    tests). Without statistics every feature weighs 1 (plain sublinear TF cosine), which is
    still a function of the pair alone. Features the statistics have never seen weigh 0, as
    with a fitted vocabulary. Defaults are the tuned ones (docs/matching.md).

    Args:
        char_ngrams: (min, max) n for character n-grams inside word boundaries, or None.
        word_weight: Weight of the word-unigram block relative to the char block (0 = off).

    Raises:
        ValueError: both blocks switched off.
    """

    def __init__(self, char_ngrams: tuple[int, int] | None = (2, 4), word_weight: float = 0.0):
        if char_ngrams is None and word_weight <= 0:
            raise ValueError("LexicalModel needs char n-grams or a positive word_weight")
        self.char_ngrams = char_ngrams
        self.word_weight = word_weight
        self._blocks: list[tuple[HashingVectorizer, np.ndarray | None, float]] | None = None
        self._fitted_docs: list[str] | None = None
        self._fitted_matrix: sparse.csr_matrix | None = None
        self.stats_version: str | None = None
        # TF-IDF rows per text hash: a row is a function of the text and this model alone,
        # so the candidates of repeated rankings are weighted once (LRU, thread-safe).
        self._rows: LRUCache[bytes, sparse.csr_matrix] = _lru(4096)
        self._rows_lock = threading.Lock()

    @property
    def max_cached_rows(self) -> int:
        """How many TF-IDF rows the model keeps (least recently used evicted first)."""
        return self._rows.maxsize

    @max_cached_rows.setter
    def max_cached_rows(self, value: int) -> None:
        """A new bound starts an empty row cache (rows are recomputed on demand).

        Raises:
            ValueError: ``value`` below 1.
        """
        rows = _lru(value)
        with self._rows_lock:
            self._rows = rows

    def with_stats(self, stats: LexicalStats | None) -> LexicalModel:
        """Use fixed document frequencies (None: no IDF); returns self."""
        self._blocks = []
        for key, kwargs, weight in _block_specs(self.char_ngrams, self.word_weight):
            idf = None
            if stats is not None:
                idf = np.zeros(N_FEATURES, dtype=np.float32)
                idx, cnt = stats.df.get(key, (np.zeros(0, np.uint32), np.zeros(0, np.uint32)))
                # scikit-learn's smoothed idf: ln((1 + n) / (1 + df)) + 1
                idf[idx] = np.log((1.0 + stats.documents) / (1.0 + cnt)) + 1.0
            self._blocks.append((_hasher(kwargs), idf, weight))
        self.stats_version = stats.version if stats is not None else None
        self._fitted_docs = self._fitted_matrix = None
        rows = _lru(self._rows.maxsize)  # a fresh cache: cheaper than clear()'s LRU pops
        with self._rows_lock:
            self._rows = rows
        return self

    def fit(self, texts: Sequence[str]) -> LexicalModel:
        """Statistics from ``texts`` (the documents that will be scored); returns self.

        A corpus without any word characters yields a model whose similarities are all 0.
        """
        self.with_stats(LexicalStats.from_texts(texts, self.char_ngrams, self.word_weight))
        self._fitted_docs = list(texts)
        self._fitted_matrix = self._transform(self._fitted_docs)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Return L2-normalised TF-IDF rows, one per text.

        Raises:
            RuntimeError: if the model has neither been fitted nor given statistics.
        """
        if self._blocks is None:
            raise RuntimeError("LexicalModel.transform called before fit() or with_stats()")
        return self._transform(texts)

    def _transform(self, docs: Sequence[str]) -> sparse.csr_matrix:
        keys = [text_key(d) for d in docs]
        with self._rows_lock:
            found = _used(self._rows, keys)
        missing = list({k: d for k, d in zip(keys, docs) if k not in found}.items())
        if missing:
            fresh = self._weigh([d for _, d in missing])
            with self._rows_lock:
                for row, (k, _) in enumerate(missing):
                    found[k] = self._rows[k] = fresh[row]
        width = found[keys[0]].shape[1] if keys else self._width()
        return _stack([found[k] for k in keys], width)

    def _width(self) -> int:
        return N_FEATURES * len(self._blocks) if self._blocks else 1

    def _weigh(self, docs: Sequence[str]) -> sparse.csr_matrix:
        """L2-normalised TF-IDF rows for ``docs``, each row computed from its text alone."""
        blocks = []
        for hasher, idf, weight in self._blocks or ():
            matrix = _COUNTS.rows(hasher, docs)
            matrix.data = 1.0 + np.log(matrix.data)  # sublinear tf
            if idf is not None:
                matrix.data *= idf[matrix.indices]
                matrix.eliminate_zeros()
            blocks.append(l2_normalise(matrix, copy=False) * weight)
        if not blocks:
            return sparse.csr_matrix((len(docs), 1), dtype=np.float32)
        return l2_normalise(sparse.hstack(blocks, format="csr"), copy=False)

    def similarities(self, query: str, docs: Sequence[str] | sparse.spmatrix) -> np.ndarray:
        """Cosine similarity in [0, 1] of ``query`` to each document.

        Args:
            query: The query text.
            docs: Texts (re-used without re-transforming when they are the fitted texts)
                or a matrix from :meth:`transform`.

        Returns:
            float32 array of shape (len(docs),).
        """
        if sparse.issparse(docs):
            matrix = docs
        elif self._fitted_docs is not None and list(docs) == self._fitted_docs:
            matrix = self._fitted_matrix
        else:
            matrix = self.transform(docs)
        scores = matrix @ self.transform([query]).T
        return np.clip(np.asarray(scores.todense(), dtype=np.float32).ravel(), 0.0, 1.0)
