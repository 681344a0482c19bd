"""The ranking counts from Denmark's day, not the server's (review BN, finding 1).

Between 23:00 and 01:00 Danish time a UTC host's ``date.today()`` is the day before; the
ranking's policy flags (»N mdr. på ydelse«) and priority score read the service's clock, so
the portal's service must be given ``store.clock.today``.
"""
from __future__ import annotations

from datetime import date, datetime, timezone

import pytest
import time_machine

from matching.backends.memory import MemoryBackend
from matching.encoders import HashingEncoder
from matching.service import MatchingService
from portal import matching_runtime

# 23:30 UTC on 30 November is 00:30 on 1 December in Copenhagen.
LATE_EVENING_UTC = datetime(2026, 11, 30, 23, 30, tzinfo=timezone.utc)


def test_the_portals_ranking_counts_from_the_danish_day(app):
    with time_machine.travel(LATE_EVENING_UTC, tick=False), app.test_request_context():
        assert matching_runtime.matching_service().clock() == date(2026, 12, 1)


def test_a_service_without_a_clock_is_refused():
    with pytest.raises(TypeError, match="clock"):
        MatchingService(HashingEncoder(32), MemoryBackend())  # type: ignore[call-arg]
