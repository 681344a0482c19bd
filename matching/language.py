"""Which language a text is in, to fuse relevance channels per pair (issue 12).

The lexical channel compares letters, which only means something when both texts are in
the same language (or close kin: Danish, Norwegian and Swedish share most occupation
words). The identifier is py3langid (a maintained fork of langid.py; its naive Bayes model
ships inside the package, nothing is downloaded), restricted to the languages citizens and
companies of a Danish job centre write in. Short titles are often ambiguous, so a language
is only claimed above a confidence, and a pair counts as cross-language only when both
sides are claimed and differ: when in doubt the pair is fused as before.
"""
from __future__ import annotations

import functools
import threading

import numpy as np
from cachetools import LRUCache, cached

from matching.lexical import text_key

# The job centre's languages: the Nordic ones, English, the EU languages of the MELO
# training lists and the most common first languages of newcomers to Denmark.
LANGUAGES = ("da", "sv", "no", "nn", "en", "de", "nl", "fr", "es", "it", "pt", "pl", "ro", "bg", "cs",
             "sk", "sl", "hr", "hu", "et", "lt", "lv", "fi", "is", "uk", "ru", "ar", "tr", "fa", "ur")
# Languages whose occupation words overlap enough for the lexical channel to help.
FAMILIES = {"da": "nordic", "sv": "nordic", "no": "nordic", "nn": "nordic"}
# Chosen on the MELO training lists (docs/matching.md, "Issue 12"): above it, a title's
# claimed language is rarely wrong.
MIN_CONFIDENCE = 0.6
MAX_CHARS = 1000

_LOCK = threading.Lock()


@functools.cache
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def load() -> None:
    """Load the identifier's model now (about half a second, once per process), not in the
    first ranking that meets a text."""
    _identifier()


# Cached per text by a hash of it, never the text: the texts are citizens' CVs and jobmål, and
# an erased citizen's text must not stay in a process as a cache key.
@cached(LRUCache(maxsize=65536), key=text_key, lock=threading.Lock())
def language_of(text: str) -> str | None:
    """The language family of ``text`` ("nordic", "en", "de", ...) or None when unsure."""
    sample = text[:MAX_CHARS]
    if not any(ch.isalpha() for ch in sample):
        return None
    with _LOCK:  # the identifier keeps per-call scratch state
        language, confidence = _identifier().classify(sample)
    if confidence < MIN_CONFIDENCE:
        return None
    return FAMILIES.get(language, language)


def cross_language(query: str, docs: list[str] | tuple[str, ...]) -> np.ndarray:
    """Boolean per document: True when it and ``query`` are surely in different languages.

    A fact about each pair alone (cached per text), so it never depends on the other documents.
    """
    mine = language_of(query)
    if mine is None:
        return np.zeros(len(docs), dtype=bool)
    return np.fromiter(((other := language_of(doc)) is not None and other != mine for doc in docs),
                       dtype=bool, count=len(docs))
