"""Does a text name a person? The name check behind publishing a success story.

A name is split into parts on spaces and hyphens (parts of one letter are initials and are
skipped). A word of the text is that name part when both are equal after folding:

- Unicode NFKC: fullwidth, mathematical and other compatibility letters become plain ones;
- look-alikes: Cyrillic and Greek letters that look like Latin ones become those letters
  (a small explicit table, :data:`LOOKALIKES`: the letters names are written with);
- case (``str.casefold``);
- accents are dropped (é → e), but æ, ø and å are letters of their own: the name "Bøg"
  never blocks the word "bog". Swedish/German ä and ö are æ and ø, and the old spellings
  aa, ae and oe count as å, æ and ø ("Aase" is "Åse");
- apostrophes are one character (’ ʼ ‘ ` ´ → ').

A word may also carry a Danish ending, possessive or definite: -s, -es, -'s, -', -en, -ens,
and after an -e also -n, -ns ("Rahels", "Rahel's", "Mads'", "Tesfayens"). Each hit says which of these rules made it match, so the
consultant can find and rewrite the word.

This module knows nothing of the database: :func:`name_hits` takes the text and the name.
"""
from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

#: Cyrillic, Greek and a few Latin letters that pass for plain Latin ones, after casefold.
#: Upper-case-only look-alikes (Cyrillic В Н М Т К, Greek Η Ν ...) are listed by their
#: lower-case form, since casefold runs first.
LOOKALIKES = {
    # Cyrillic
    "а": "a", "в": "b", "е": "e", "ё": "e", "і": "i", "ї": "i", "ј": "j", "к": "k", "м": "m",
    "н": "h", "о": "o", "п": "n", "р": "p", "с": "c", "т": "t", "у": "y", "х": "x", "ѕ": "s",
    "ԁ": "d", "ԛ": "q", "ԝ": "w", "ү": "y", "һ": "h", "ӏ": "l", "ԍ": "g", "ь": "b",
    # Greek
    "α": "a", "β": "b", "γ": "y", "ε": "e", "ζ": "z", "η": "n", "ι": "i", "κ": "k", "μ": "u",
    "ν": "v", "ο": "o", "ρ": "p", "τ": "t", "υ": "u", "χ": "x", "ϲ": "c", "ϳ": "j", "ς": "c",
    # Latin letters with no decomposition to a plain one
    "ı": "i", "ł": "l", "đ": "d", "ŧ": "t", "ɑ": "a", "ɡ": "g",
}
#: Spelling, not disguise: Swedish/German ä and ö are æ and ø; apostrophes are one character.
SPELLING = {"ä": "æ", "ö": "ø", "’": "'", "ʼ": "'", "‘": "'", "`": "'", "´": "'"}
#: The endings a name can take in Danish text, longest first; after an -e only -n and -ns
#: ("Tesfayens", as in "pigens").
ENDINGS = ("'s", "ens", "es", "en", "s", "'")
ENDINGS_AFTER_E = ("ns", "n")
_TABLE = str.maketrans({**LOOKALIKES, **SPELLING})
_LOOKALIKE_TABLE = str.maketrans(LOOKALIKES)
_RING_ABOVE = "\u030a"  # å = a + ring: the one mark that makes a Danish letter
_INVISIBLE = dict.fromkeys(map(ord, "\u00ad\u200b\u200c\u200d\u2060\ufeff"))
_APOSTROPHES = "'’ʼ‘`´"
_WORD = re.compile(r"(?:[^\W_]|['’ʼ‘`´\u0300-\u036f\u00ad\u200b-\u200d\u2060\ufeff])+")
_OLD_SPELLINGS = (("aa", "å"), ("ae", "æ"), ("oe", "ø"))

RULE_NAME = "navnet"
RULE_ENDING = "bøjet form af navnet"
RULE_CASE = "med andre store/små bogstaver"
RULE_LOOKALIKE = "skrevet med tegn fra et andet alfabet, der ligner latinske bogstaver"
RULE_ACCENT = "med andre accenter eller en anden stavemåde af æ, ø eller å"


@dataclass(frozen=True)
class NameHit:
    """A word of the text that is a part of the name: the word as written, the part, the rule."""

    word: str
    part: str
    rule: str


def name_hits(text: str, name: str) -> list[NameHit]:
    """The words of ``text`` that are a part of ``name`` (see the module docstring), in order."""
    parts = {}
    for part in re.split(r"[\s\-]+", unicodedata.normalize("NFC", name or "")):
        part = part.strip("." + _APOSTROPHES)
        if len(part) >= 2:
            parts.setdefault(_fold(part), part)
    hits = []
    for match in _WORD.finditer(unicodedata.normalize("NFC", text or "")):
        word = match.group().lstrip(_APOSTROPHES)
        hit = _match(word, parts)
        if hit:
            hits.append(hit)
    return hits


def _match(word: str, parts: dict[str, str]) -> NameHit | None:
    base = _fold_letters(word)
    for ending in ("", *ENDINGS, *ENDINGS_AFTER_E):
        if ending and not (base.endswith(ending) and len(base) > len(ending)):
            continue
        stem = base[: len(base) - len(ending)] if ending else base
        if ending in ENDINGS_AFTER_E and not stem.endswith("e"):
            continue
        part = parts.get(_old_spellings(stem))
        if part is not None:
            written = next((word[:i] for i in range(len(word), 0, -1) if _fold_letters(word[:i]) == stem),
                           word)
            return NameHit(word, part, _rule(written, part, bool(ending)))
    return None


def _rule(written: str, part: str, ending: bool) -> str:
    """Which folding steps ``written`` (the word without its ending) needed to be ``part``."""
    rules = [RULE_ENDING] if ending else []
    plain = unicodedata.normalize("NFKC", written).translate(_INVISIBLE)
    latin = plain.casefold().translate(_LOOKALIKE_TABLE)
    if plain != written.translate(_INVISIBLE) or latin != plain.casefold():
        rules.append(RULE_LOOKALIKE)
    if latin != unicodedata.normalize("NFKC", part).casefold():
        rules.append(RULE_ACCENT)
    if _case_shape(plain) != _case_shape(part):
        rules.append(RULE_CASE)
    return "; ".join(rules) or RULE_NAME


def _case_shape(value: str) -> tuple[bool, bool]:
    return value[:1].isupper(), value[1:] == value[1:].lower()


def _fold(value: str) -> str:
    return _old_spellings(_fold_letters(value))


def _fold_letters(value: str) -> str:
    value = unicodedata.normalize("NFKC", value).translate(_INVISIBLE).casefold().translate(_TABLE)
    return _strip_accents(value)


def _strip_accents(value: str) -> str:
    decomposed = unicodedata.normalize("NFD", value)
    kept = "".join(c for c in decomposed if c == _RING_ABOVE or not unicodedata.combining(c))
    return unicodedata.normalize("NFC", kept)


def _old_spellings(value: str) -> str:
    for old, letter in _OLD_SPELLINGS:
        value = value.replace(old, letter)
    return value
