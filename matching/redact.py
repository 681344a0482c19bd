"""Keep national identity numbers (CPR) out of everything matching derives from a text.

SECURITY.md: never a CPR number in URLs, logs or the search index. CVs often carry one in
the header ("CPR: 010190-1234"). The database keeps the uploaded text as it is (the
consultant may need it); the text that is embedded, fitted into the lexical model and
written to a backend goes through :func:`redact_cpr` first.
"""
from __future__ import annotations

import re

CPR_PLACEHOLDER = "[cpr]"

# Six digits (DDMMYY) and four digits, joined by nothing, a hyphen, a space or a dash, and
# not glued to other digits. Deliberately wider than valid dates: a false positive costs a
# number in a CV, a false negative leaks an identity. A space is any horizontal one (Unicode
# Zs and the tab): Word, Outlook and case systems' exports put a no-break space (U+00A0), a
# narrow one (U+202F) or a figure space (U+2007) between the groups. A dash is the hyphen, the
# dashes U+2010-2015, the minus sign U+2212 and the small and full-width hyphen-minus. Not a line
# break: two numbers on two lines are two numbers. (Review AQ 2.)
#
# Two written forms more, both with the birth date read as one (review AS 8): the date with its
# groups apart, »01.01.90-1234« (a dot, slash or hyphen between day, month and year), and the
# number split after the month, »0101-901234«. Each has the day 01-31 and the month 01-12, and
# only a dash (or nothing, for the first) before the rest: a date followed by a postcode
# (»01.08.19 8700 Horsens«), a bank account (reg. »1234-567890«) or a phone number grouped
# »0101 901234« are not CPR numbers.
_SPACE = r"[ \t\u00a0\u1680\u2000-\u200a\u202f\u205f\u3000]?"
_DASH_CHARS = r"\-\u2010-\u2015\u2212\ufe63\uff0d"  # the escaped hyphen suits both syntaxes below
_DASH = rf"[{_DASH_CHARS}]?"
_DAY = r"(?:0[1-9]|[12]\d|3[01])"
_MONTH = r"(?:0[1-9]|1[0-2])"
_DATE_SEP = rf"[\.\/{_DASH_CHARS}]"
_JOINED = rf"\d{{6}}{_SPACE}{_DASH}{_SPACE}\d{{4}}"
_DATE_APART = rf"{_DAY}{_DATE_SEP}{_MONTH}{_DATE_SEP}\d\d(?:{_SPACE}[{_DASH_CHARS}]{_SPACE})?\d{{4}}"
_SPLIT_AFTER_MONTH = rf"{_DAY}{_MONTH}{_SPACE}[{_DASH_CHARS}]{_SPACE}\d{{6}}"
_CPR_SHAPE = rf"(?:{_JOINED}|{_DATE_APART}|{_SPLIT_AFTER_MONTH})"
_CPR = re.compile(rf"(?<!\d){_CPR_SHAPE}(?!\d)")
CPR_SHAPE = _CPR_SHAPE  # for a check that reads CPR numbers with its own boundaries (portal.private_details)
# The same numbers as an HTML ``pattern`` (matched against the whole value, JavaScript syntax
# with the v flag, hence the escaped hyphen): a field that must never send one refuses it in the
# browser, before it reaches a URL or a log. Wider still: digits glued on are refused too.
NO_CPR_PATTERN = rf"(?!.*{_CPR_SHAPE}).*"


def redact_cpr(text: str) -> str:
    """``text`` with every CPR-like number replaced by ``[cpr]``; linear in its length."""
    return _CPR.sub(CPR_PLACEHOLDER, text)


def contains_cpr(text: str) -> bool:
    """Whether ``text`` holds a CPR-like number (the pattern :func:`redact_cpr` replaces).

    For a text that may not hold one at all, such as a note kept in the audit log
    (:func:`portal.citizens.forms.audit_text_problem`): refused rather than redacted.
    """
    return _CPR.search(text) is not None
