"""The portal's pure text rules: how free text is cleaned and which characters it may not hold.

No Flask and no WTForms here: services, the API and the imports clean and check text with these
functions; the form validators built on them live in :mod:`portal.formutil`.
"""
from __future__ import annotations

import unicodedata


# --- Free text: the portal's one rule for invisible characters --------------------------------
#
# A text field takes the filter :func:`clean_text` (or :func:`clean_line` for one line) and the
# validator :func:`portal.formutil.no_hidden_characters`. What is hidden is read from the Unicode
# categories: control characters (Cc; tab and newline are text), format characters (Cf: zero-width space,
# joiners, soft hyphen, byte-order mark, the bidi embeddings, overrides and isolates behind
# "Trojan source" tricks), line and paragraph separators (Zl, Zp), lone surrogates (Cs), and the
# Hangul fillers, letters by category that show as nothing.
_HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
_BLANK_LETTERS = frozenset("\u115f\u1160\u3164\uffa0")
# Bidi classes of the explicit embeddings, overrides and isolates: they reorder what is shown.
_BIDI_CONTROLS = frozenset({"LRE", "RLE", "LRO", "RLO", "PDF", "LRI", "RLI", "FSI", "PDI"})
HIDDEN_MESSAGE = ("Teksten indeholder usynlige tegn eller styretegn (fx et mellemrum uden bredde eller et tegn, "
                  "der vender skriveretningen). Skriv teksten igen i stedet for at indsætte den.")
NUL_MESSAGE = "Teksten indeholder ugyldige tegn (NUL). Indsæt den igen som ren tekst."


def is_hidden(char: str) -> bool:
    """True for a character that shows as nothing or changes how the text around it is shown."""
    if char in "\t\n":
        return False
    return unicodedata.category(char) in _HIDDEN_CATEGORIES or char in _BLANK_LETTERS


def _trimmable(char: str) -> bool:
    # Whitespace and the zero-width characters that only pad (a paste's byte-order mark, a
    # trailing zero-width space); never a control character or a bidi control, which are refused.
    return char.isspace() or (unicodedata.category(char) == "Cf"
                               and unicodedata.bidirectional(char) not in _BIDI_CONTROLS) or char in _BLANK_LETTERS


def clean_text(value: str | None) -> str:
    """The filter of every free-text field: line breaks as "\\n", NFC (combining characters
    composed), and whitespace and zero-width characters trimmed from both ends.

    A text of nothing but zero-width characters is thus empty, and the field's "required" check
    says so; such characters inside the text are left for
    :func:`portal.formutil.no_hidden_characters` to refuse.
    """
    if value is None:
        return ""
    text = value.replace("\r\n", "\n").replace("\r", "\n")
    text = unicodedata.normalize("NFC", text)
    start, end = 0, len(text)
    while start < end and _trimmable(text[start]):
        start += 1
    while end > start and _trimmable(text[end - 1]):
        end -= 1
    return text[start:end]


def clean_line(value: str | None) -> str:
    """:func:`clean_text` for one line: runs of whitespace (newlines too) become one space."""
    return " ".join(clean_text(value).split())


def hidden_characters_in(text: str | None) -> bool:
    """True if ``text`` holds a character :func:`is_hidden` refuses (for checks outside a form)."""
    return any(is_hidden(char) for char in text or "")


# SECURITY.md: never a CPR number anywhere. Every free-text field that another party reads, or
# that is stored (hotline threads, a decision's reason, the company's answer note, interview
# and placement notes, stories), refuses a CPR-like number by the portal's one rule,
# matching.redact.contains_cpr (review BH 9). The message never repeats the number.
CPR_IN_TEXT_MESSAGE = "Skriv teksten uden CPR-nummer: CPR-numre bruges ikke i portalen."
