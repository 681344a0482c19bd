"""CPR numbers never reach what matching embeds, fits or writes to a backend."""
from __future__ import annotations

import re

import pytest

from matching.encoders import HashingEncoder
from matching.redact import CPR_PLACEHOLDER, NO_CPR_PATTERN, contains_cpr, redact_cpr
from matching.documents import documents_for_citizens
from tests.matching.test_service import person


@pytest.mark.parametrize("text", [
    "CPR: 010190-1234", "cpr 0101901234", "Cpr.nr. 010190 1234", "010190 - 1234",
    "født 311299–4321 i Vejle",  # en dash as typed by word processors
])
def test_cpr_numbers_are_redacted(text):
    redacted = redact_cpr(text)
    assert CPR_PLACEHOLDER in redacted
    assert not any(ch.isdigit() for ch in redacted.replace("[cpr]", ""))  # nothing of it left


@pytest.mark.parametrize("text", [
    "Tlf. 12 34 56 78", "Truckcertifikat B, 5 år på lager", "Postnummer 8722 Hedensted",
    "Kontonummer 12345678901", "Ordrenummer 01019012345",  # eleven digits: not a CPR
    "2019-2024: lagermedarbejder",
])
def test_other_numbers_are_kept(text):
    assert redact_cpr(text) == text


# What Word, Outlook and case systems' exports put between the two groups (review AQ 2).
UNICODE_JOINS = {"no-break space": "\u00a0", "narrow no-break space": "\u202f", "figure space": "\u2007",
                 "minus sign": "\u2212", "spaced minus sign": "\u00a0\u2212\u00a0"}


@pytest.mark.parametrize("join", UNICODE_JOINS.values(), ids=UNICODE_JOINS.keys())
def test_cpr_numbers_joined_by_unicode_spaces_and_minus_are_caught(join):
    text = f"Anna Jensen 010190{join}1234 Vejle"
    assert contains_cpr(text)
    assert redact_cpr(text) == "Anna Jensen [cpr] Vejle"
    assert re.fullmatch(NO_CPR_PATTERN, text) is None  # the fields' HTML pattern refuses it too


@pytest.mark.parametrize("text", ["Tlf. 0101 901234", "010190\n1234", "Lager 010190\u00a012345"])
def test_the_wider_joins_keep_ordinary_numbers(text):
    assert not contains_cpr(text) and redact_cpr(text) == text


# Review AS 8: the birth date written apart (»01.01.90-1234«) and the number split after the
# month (»0101-901234«) are CPR numbers too; the one rule (redaction, contains_cpr, the fields'
# HTML pattern, portal.private_details and the external id) reads them.
WRITTEN_APART = ["01.01.90-1234", "0101-901234", "01/01/90-1234", "01-01-90-1234", "31.12.99 \u2013 4321",
                 "01.01.901234", "3112 - 994321", "0101\u2212901234"]


@pytest.mark.parametrize("number", WRITTEN_APART)
def test_cpr_numbers_written_with_the_date_apart_are_caught(number):
    text = f"Anna Jensen, CPR {number}, Vejle"
    assert contains_cpr(text)
    assert redact_cpr(text) == "Anna Jensen, CPR [cpr], Vejle"
    assert re.fullmatch(NO_CPR_PATTERN, text) is None


# Near misses of those forms: a date and a postcode, a date with a four-digit year, ISO dates, a
# bank account (reg. and account), a phone number, a date range, an impossible day or month, a
# group too long.
NEAR_MISSES = ["Ansat 01.08.19 8700 Horsens", "01.01.2026", "01.01.2026-1234", "2026-01-05", "2019-2024",
               "reg. 1234-567890", "Tlf. 12 34 56 78", "+45 12 34 5678", "01.01.90", "01.01.90-01.02.90",
               "32.01.90-1234", "01.13.90-1234", "3201-901234", "0113-901234", "Tlf. 0101 901234",
               "SAG-2026-0101-9012"]
# Digits glued on: no CPR number for the redaction, while the fields' HTML pattern, wider on
# purpose, refuses them.
GLUED = ["01.01.90-12345", "0101-9012345", "10101-901234"]


@pytest.mark.parametrize("text", NEAR_MISSES + GLUED)
def test_near_misses_of_the_date_apart_forms_are_kept(text):
    assert not contains_cpr(text) and redact_cpr(text) == text
    assert (re.fullmatch(NO_CPR_PATTERN, text) is None) == (text in GLUED)


def test_linear_on_hostile_input():
    text = "1" * 200_000 + "-" * 200_000
    assert redact_cpr(text) == text
    for text in ("01.01.90-" * 50_000, "0101-" * 50_000, "01.01." * 50_000):
        assert redact_cpr(text) == text


def test_backend_documents_never_carry_the_cpr():
    citizen = person("1", ("Lagermedarbejder",), "Anna Jensen, CPR 010190-1234. Truckcertifikat.")
    [doc] = documents_for_citizens([citizen], HashingEncoder(64))
    assert "010190" not in doc.text and "1234" not in doc.text
    assert CPR_PLACEHOLDER in doc.text and "Truckcertifikat" in doc.text
