"""Lexical channel: Nordic text normalisation, TF-IDF similarity and matched terms.

The dense encoder knows what words *mean*; this channel knows which letters the two texts
actually share. Job titles are short, full of compounds ("lagermedarbejder") and spelt in
several ways ("Aarhus"/"Århus", "lärare"/"lærer"), so character n-grams inside words carry
the signal (an extra word-unigram block is available but did not help on the MELO sets).
"""
from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence

import numpy as np
from scipy import sparse
from sklearn.feature_extraction.text import TfidfVectorizer
from sklearn.preprocessing import normalize as l2_normalise

# Danish/Swedish/Norwegian spellings of the same letters fold together, so a Swedish
# "lärare" and a Danish "lærer" share their n-grams. "aa" is the pre-1948 spelling of "å".
_LETTER_FOLDS = str.maketrans({"ä": "æ", "ö": "ø", "ǿ": "ø", "ǻ": "å"})
_AA = re.compile(r"aa")
_ASCII_CONTROLS = {code: " " for code in (*range(32), 127)}
_WHITESPACE = re.compile(r"\s+")
_TOKEN = re.compile(r"\w+")

# Words that say nothing about a job; kept out of explanations (not out of TF-IDF, where
# IDF already discounts them).
_STOPWORDS = frozenset(
    "og i at en et til med for på af der som er de den det har vi du kan skal vil fra om "
    "eller ikke men også samt hos din dit dine jeg mig min mit mine vores jeres the and of "
    "in to a an or with och att som för på av eller med".split()
)
_MIN_STEM = 4  # a shared compound part shorter than this is noise ("er", "ing")
_MAX_TOKENS = 500  # bounds matched_terms work on huge inputs (a CV pasted 10^4 times)
_MAX_WORD = 40  # longer "words" are noise (base64, URLs, pasted junk): never a matched term


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
        text = "".join(ch if ch.isalnum() and ch.isascii() else _clean_char(ch) for ch in text)
    else:
        text = text.translate(_ASCII_CONTROLS)
    text = unicodedata.normalize("NFC", text.casefold()).translate(_LETTER_FOLDS)
    text = _AA.sub("å", text)
    return _WHITESPACE.sub(" ", text).strip()


def tokens(text: str) -> list[str]:
    """Split normalised text into word tokens (letters and digits; "-" and "/" split)."""
    return _TOKEN.findall(normalise(text))


def _analyse(text: str) -> str:
    # Joining tokens with spaces turns "SFI-lärare" into "sfi lærare", so char_wb n-grams
    # see compound parts that punctuation would otherwise glue together.
    return " ".join(tokens(text))


class LexicalModel:
    """TF-IDF over character n-grams within words, optionally plus word unigrams.

    Defaults are the tuned ones (docs/matching.md).

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
        self._vectorisers: list[tuple[TfidfVectorizer, float]] = []
        self._fitted_docs: list[str] | None = None
        self._fitted_matrix: sparse.csr_matrix | None = None

    def fit(self, texts: Sequence[str]) -> LexicalModel:
        """Learn vocabulary and IDF from ``texts`` (the documents that will be scored).

        A corpus without any word characters yields a model whose similarities are all 0.
        """
        docs = [_analyse(t) for t in texts]
        specs = []
        if self.char_ngrams is not None:
            specs.append((dict(analyzer="char_wb", ngram_range=self.char_ngrams), 1.0))
        if self.word_weight > 0:
            specs.append((dict(analyzer="word", token_pattern=r"\w+"), self.word_weight))
        self._vectorisers = []
        for kwargs, weight in specs:
            vectoriser = TfidfVectorizer(lowercase=False, sublinear_tf=True, dtype=np.float32, **kwargs)
            try:
                vectoriser.fit(docs)
            except ValueError:  # empty vocabulary: nothing lexical to compare
                continue
            self._vectorisers.append((vectoriser, weight))
        self._fitted_docs = list(texts)
        self._fitted_matrix = self._transform_analysed(docs)
        return self

    def transform(self, texts: Sequence[str]) -> sparse.csr_matrix:
        """Return L2-normalised TF-IDF rows, one per text.

        Raises:
            RuntimeError: if the model was not fitted.
        """
        if self._fitted_docs is None:
            raise RuntimeError("LexicalModel.transform called before fit()")
        return self._transform_analysed([_analyse(t) for t in texts])

    def _transform_analysed(self, docs: list[str]) -> sparse.csr_matrix:
        if not self._vectorisers:
            return sparse.csr_matrix((len(docs), 1), dtype=np.float32)
        blocks = [vectoriser.transform(docs) * weight for vectoriser, weight in self._vectorisers]
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


def _common_prefix(a: str, b: str) -> str:
    size = 0
    for x, y in zip(a, b):
        if x != y:
            break
        size += 1
    return a[:size]


def _shared_parts(word: str, by_head: dict[str, list[str]], by_tail: dict[str, list[str]]) -> list[str]:
    """The longest shared beginning and ending of ``word`` with any document word.

    Compounds are built from whole parts ("lager|medarbejder", "lager|arbejde",
    "hjemme|hjælper", "sosu|hjælper"), so a shared part begins or ends both words. Document
    words are indexed by their first and last letters, which keeps this linear.
    """
    tail = word[::-1]
    best_head = max((_common_prefix(word, o) for o in by_head.get(word[:_MIN_STEM], ())), key=len, default="")
    best_tail = max((_common_prefix(tail, o[::-1]) for o in by_tail.get(word[-_MIN_STEM:], ())), key=len, default="")
    return [part for part in (best_head, best_tail[::-1]) if len(part) >= _MIN_STEM]


def matched_terms(query: str, doc: str, limit: int = 8) -> list[str]:
    """The words or compound parts that ``query`` and ``doc`` really share.

    For explanations ("Fælles ord: lager, truck"). Exact shared words come first, then
    shared compound parts (a common beginning or ending of at least four letters, e.g.
    "lagermedarbejder"/"lagerarbejde" -> "lager"); stopwords and numbers are left out.
    Every term returned occurs in both normalised texts.

    Args:
        query: E.g. the opening's title and description.
        doc: E.g. a citizen's jobmål or CV.
        limit: Maximum number of terms.

    Returns:
        Normalised terms, exact words first, each group in order of appearance in ``query``.
    """
    query_words = [w for w in dict.fromkeys(tokens(query))
                   if w not in _STOPWORDS and not w.isdigit() and len(w) <= _MAX_WORD]
    doc_words = [w for w in dict.fromkeys(tokens(doc)) if len(w) <= _MAX_WORD]
    doc_set = set(doc_words)
    found = dict.fromkeys(w for w in query_words if w in doc_set)
    by_head: dict[str, list[str]] = {}
    by_tail: dict[str, list[str]] = {}
    for other in doc_words[:_MAX_TOKENS]:
        if len(other) >= _MIN_STEM and other not in found:
            by_head.setdefault(other[:_MIN_STEM], []).append(other)
            by_tail.setdefault(other[-_MIN_STEM:], []).append(other)
    for word in query_words[:_MAX_TOKENS]:
        if len(found) >= limit:
            break
        if word in found or len(word) < _MIN_STEM:
            continue
        for part in _shared_parts(word, by_head, by_tail):
            if part not in _STOPWORDS and not any(part in f for f in found):
                found[part] = None
    return list(found)[:limit]
