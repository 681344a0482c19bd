"""The private-details patterns behind a look-ahead for where a hit can start
(:func:`portal.private_details.gated`, the CV check's speed-up) find exactly what they found
without it, and the patterns that lost a leading ``\\w*`` name the same whole words."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from portal import cv_details, private_details
from portal.health_words import HEALTH_WORDS, whole_words


def _patterns():
    """(name, gated, original) of every pattern the checks use."""
    pairs = []
    for name, used in [*private_details._PATTERNS, *cv_details._PATTERNS]:
        inner = [("", used)] if isinstance(used, re.Pattern) else [
            (f".{attr}", getattr(used, attr)) for attr in ("pattern", "unless") if hasattr(used, attr)]
        for attr, pattern in inner:
            original = _ungated(pattern)
            pairs.append((f"{name}{attr}", pattern, original))
    return pairs


def _ungated(pattern: re.Pattern) -> re.Pattern:
    match = re.fullmatch(r"\(\?=\[[^\]]*?\]\)\(\?:(.*)\)", pattern.pattern, re.DOTALL)
    return re.compile(match.group(1), pattern.flags) if match else pattern


PATTERNS = _patterns()
# The words the patterns look for, and what stands around them.
TEST_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in (
    Path(__file__).parent / "test_private_details.py", Path(__file__).parent / "test_cv_details.py"))
# (no »_«: a leading \w* read it as a letter, whole_words does not; no text of the checks has one)
WORDS = sorted({word for word in re.findall(r"[\wæøåÆØÅ@.+'’-]+", TEST_TEXT) if "_" not in word})[:3000]
PIECES = st.one_of(st.sampled_from(WORDS), st.sampled_from([" ", "  ", "\n", ", ", ". ", "(", ")", ": ", "-", "/"]),
                   st.text(alphabet="aæøåAÆØÅ0123456789 .,:-+@", max_size=6))


def test_most_patterns_are_gated():
    gated = [name for name, pattern, original in PATTERNS if pattern is not original]
    assert len(gated) >= len(PATTERNS) - 1, [name for name, p, o in PATTERNS if p is o]


@settings(max_examples=400, deadline=None)
@given(st.lists(PIECES, max_size=25).map("".join))
def test_a_gated_pattern_finds_what_the_pattern_finds(text):
    for name, pattern, original in PATTERNS:
        assert [m.span() for m in pattern.finditer(text)] == [m.span() for m in original.finditer(text)], name


@pytest.mark.parametrize("line", [line for line in TEST_TEXT.splitlines() if line.strip()][:2000])
def test_the_test_texts_give_the_same_hits(line):
    for name, pattern, original in PATTERNS:
        assert [m.span() for m in pattern.finditer(line)] == [m.span() for m in original.finditer(line)], name


def test_a_pattern_that_can_start_anywhere_or_match_nothing_is_left_as_it_is():
    for source in (r"\w*x", r"a?", r".b", r"[^a]b", r"(?i:a)b"):
        pattern = re.compile(source)
        assert private_details.gated(pattern) is pattern, source
    assert [m.group() for m in private_details.gated(re.compile(r"(a)\1")).finditer("a aa")] == ["aa"]
    assert private_details.gated(re.compile(r"\bab|c+d|(?:e|f)?g", re.I)).pattern.startswith("(?=[")


# The patterns' leading ``\w*`` before the change; a hit is widened to its whole word either way.
_OLD_HEALTH = re.compile(HEALTH_WORDS.pattern.replace(r"|skade\b|", r"|\w*skade\b|", 1), HEALTH_WORDS.flags)
_NEW_BENEFIT = _ungated(dict(private_details._PATTERNS)["benefit"])
_OLD_BENEFIT = re.compile(_NEW_BENEFIT.pattern.replace("dagpenge", r"\w*dagpenge", 1)
                          .replace(r"|forsørgelse\b|", r"|\w*forsørgelse\b|", 1), _NEW_BENEFIT.flags)


@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(PIECES, st.sampled_from(
    ["rygskade", "skade", "Arbejdsskade", "sygedagpenge", "dagpengesag", "forsørgelse", "selvforsørgelse",
     "arbejdsløshedsdagpenge", "stress", "x"])), max_size=20).map("".join))
def test_without_the_leading_w_the_same_words_are_named(text):
    assert _OLD_HEALTH.pattern != HEALTH_WORDS.pattern and _OLD_BENEFIT.pattern != _NEW_BENEFIT.pattern
    assert whole_words(HEALTH_WORDS, text) == whole_words(_OLD_HEALTH, text)
    assert whole_words(_NEW_BENEFIT, text) == whole_words(_OLD_BENEFIT, text)
