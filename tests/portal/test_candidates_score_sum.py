"""The ranking card's score as a sum the consultant can add up (review J 2)."""
from __future__ import annotations

import re
from decimal import Decimal

from tests.portal.test_candidates import world  # noqa: F401 - the fixture


def _sums(html: str) -> list[tuple[Decimal, list[tuple[str, Decimal]]]]:
    found = []
    for line in re.findall(r'data-testid="score-sum"[^>]*><strong>Score:</strong> ([^<]+)</p>', html):
        total, _, rest = line.partition(" = ")
        parts = [(label, Decimal(value.replace(",", "."))) for label, value in
                 re.findall(r"(match|afstand|timer|sprog|prioritering) (\d+,\d\d)", rest)]
        found.append((Decimal(total.replace(",", ".")), parts))
    return found


def test_each_card_shows_its_score_as_parts_that_add_up(client, auth, world):  # noqa: F811
    auth.login(world["consultant"].email)
    html = client.get(f"/kandidater/opslag/{world['opening_id']}?prioritet=strong").get_data(as_text=True)
    sums = _sums(html)
    headings = [Decimal(s.replace(",", ".")) for s in re.findall(r'class="jobbro-score">score (\d+,\d\d)', html)]
    assert sums and len(sums) == len(headings)
    for (total, parts), heading in zip(sums, headings):
        assert [label for label, _ in parts] == ["match", "afstand", "timer", "sprog", "prioritering"]
        assert sum(v for _, v in parts) == total == heading
