"""The CV check's in-process cache (review BN 11): cachetools' LRUCache under the module's lock,
least recently used evicted first, and :func:`portal.citizens.cv_sharing.forget` drops a text's
every entry."""
from __future__ import annotations

import pytest
from cachetools import LRUCache

from portal.citizens import cv_sharing


@pytest.fixture
def cache():
    saved = list(cv_sharing._CACHE.items())
    cv_sharing._CACHE.clear()
    yield cv_sharing._CACHE
    cv_sharing._CACHE.clear()
    cv_sharing._CACHE.update(saved)


def person(name: str = "Jens Jensen") -> cv_sharing._Person:
    return cv_sharing._Person(name, "", "")


def test_the_cache_is_cachetools_lru_of_64(cache):
    assert isinstance(cache, LRUCache) and cache.maxsize == cv_sharing._CACHE_SIZE == 64


def test_the_least_recently_used_check_is_evicted_and_a_hit_counts_as_use(cache):
    texts = [f"Lagerarbejde {n}." for n in range(cv_sharing._CACHE_SIZE)]
    for text in texts:
        cv_sharing._checked_text(text, person(), cv_sharing.CHECKER_VERSION)
    assert len(cache) == 64
    hit = cv_sharing._checked_text(texts[0], person(), cv_sharing.CHECKER_VERSION)  # used again: newest
    assert hit is cache[(texts[0], person(), cv_sharing.CHECKER_VERSION)]
    cv_sharing._checked_text("Truckcertifikat.", person(), cv_sharing.CHECKER_VERSION)
    keys = {key[0] for key in cache}
    assert len(cache) == 64
    assert texts[0] in keys and texts[1] not in keys and "Truckcertifikat." in keys


def test_forget_drops_every_check_of_the_text_and_keeps_the_others(cache):
    for who in ("Jens Jensen", "Anna Hansen"):
        cv_sharing._checked_text("Sygemeldt. Lagerarbejde.", person(who), cv_sharing.CHECKER_VERSION)
    cv_sharing._checked_text("Truckcertifikat.", person(), cv_sharing.CHECKER_VERSION)
    cv_sharing.forget("Sygemeldt. Lagerarbejde.")
    assert [key[0] for key in cache] == ["Truckcertifikat."]
    cv_sharing.forget("ukendt tekst")  # nothing cached: nothing happens
    assert len(cache) == 1
