"""CPR numbers never reach what matching embeds, fits or writes to a backend."""
from __future__ import annotations

import pytest

from matching.encoders import HashingEncoder
from matching.redact import CPR_PLACEHOLDER, redact_cpr
from matching.service import documents_for_citizens
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


def test_linear_on_hostile_input():
    text = "1" * 200_000 + "-" * 200_000
    assert redact_cpr(text) == text


def test_backend_documents_never_carry_the_cpr():
    citizen = person("1", ("Lagermedarbejder",), "Anna Jensen, CPR 010190-1234. Truckcertifikat.")
    [doc] = documents_for_citizens([citizen], HashingEncoder(64))
    assert "010190" not in doc.text and "1234" not in doc.text
    assert CPR_PLACEHOLDER in doc.text and "Truckcertifikat" in doc.text
