"""Driving licence categories: the implication table, the any-of check and the reason."""
from __future__ import annotations

import pytest

from matching import licences


@pytest.mark.parametrize(
    ("held", "implied"),
    [
        ("AM", {"AM"}),
        ("A1", {"A1", "AM"}),
        ("A2", {"A2", "A1", "AM"}),
        ("A", {"A", "A2", "A1", "AM"}),
        ("B", {"B", "AM"}),  # a Danish B licence covers "stor knallert"
        ("BE", {"BE", "B", "AM"}),
        ("C1", {"C1", "B", "AM"}),
        ("C1E", {"C1E", "C1", "BE", "B", "AM"}),
        ("C", {"C", "C1", "B", "AM"}),
        ("CE", {"CE", "C", "C1E", "C1", "BE", "B", "AM"}),
        ("D1", {"D1", "B", "AM"}),
        ("D1E", {"D1E", "D1", "BE", "B", "AM"}),
        ("D", {"D", "D1", "B", "AM"}),
        ("DE", {"DE", "D", "D1E", "D1", "BE", "B", "AM"}),
    ],
)
def test_each_category_implies_exactly_these(held, implied):
    assert licences.expand([held]) == implied


def test_the_table_covers_every_category_once():
    assert set(licences.CATEGORIES) == set(licences.IMPLIES)
    assert len(licences.CATEGORIES) == 14


@pytest.mark.parametrize(
    ("held", "required", "ok"),
    [
        ((), (), True),  # kørekort ikke nødvendigt
        (("B",), (), True),
        ((), ("B",), False),
        (("B",), ("C",), False),  # the issue-8 bug: a car licence passed a lorry opening
        (("B",), ("C", "CE"), False),
        (("CE",), ("C",), True),
        (("C",), ("CE",), False),
        (("C1",), ("C",), False),
        (("C",), ("C1",), True),
        (("D",), ("C",), False),
        (("D",), ("D1",), True),
        (("A",), ("A1",), True),
        (("A1",), ("A",), False),
        (("B",), ("AM",), True),
        (("A2",), ("B", "A2"), True),  # any one of them will do
        (("B", "D"), ("DE",), False),
        (("BE",), ("B",), True),
    ],
)
def test_satisfies_is_any_of_after_implications(held, required, ok):
    assert licences.satisfies(held, required) is ok


def test_backend_values_find_exactly_the_satisfied_openings():
    for held in [(), ("B",), ("CE",), ("A2", "D")]:
        wanted = licences.expand(held) | {licences.NOT_REQUIRED}
        for required in [(), ("B",), ("C",), ("C1", "D1"), ("A",), ("DE",)]:
            found = bool(set(licences.options(required)) & wanted)
            assert found is licences.satisfies(held, required), (held, required)


@pytest.mark.parametrize(
    ("held", "required", "text"),
    [
        (("B",), ("C",), "Kørekort C kræves; borgeren har B"),
        ((), ("CE", "C"), "Kørekort C eller CE kræves; borgeren har intet kørekort"),
        (("CE", "B"), ("C",), "Kørekort C kræves; borgeren har B, CE"),
        (("B",), (), "Kørekort ikke nødvendigt"),
    ],
)
def test_reason_names_the_categories(held, required, text):
    assert licences.reason(held, required) == text


def test_unknown_categories_are_refused():
    with pytest.raises(ValueError, match="X"):
        licences.expand(["B", "X"])
    with pytest.raises(ValueError):
        licences.satisfies(["B"], ["b"])
