"""Ranking pages take turns per server process (``RANKINGS_PER_PROCESS``), never failing one."""
from __future__ import annotations

import logging
import threading

import pytest

from portal import create_app, matching_runtime
from portal.config import ConfigError


def _hold_a_turn(app, events: list[str], inside: threading.Event, leave: threading.Event) -> threading.Thread:
    def first():
        with app.app_context(), matching_runtime.ranking_turn():
            events.append("first in")
            inside.set()
            leave.wait(5)
            events.append("first out")

    thread = threading.Thread(target=first)
    thread.start()
    assert inside.wait(5)
    return thread


def _second(app, events: list[str]) -> threading.Thread:
    def second():
        with app.app_context(), matching_runtime.ranking_turn():
            events.append("second in")

    thread = threading.Thread(target=second)
    thread.start()
    return thread


def test_a_second_ranking_waits_for_the_first(app):
    assert app.config["RANKINGS_PER_PROCESS"] == 1  # the default
    events: list[str] = []
    inside, leave = threading.Event(), threading.Event()
    first = _hold_a_turn(app, events, inside, leave)
    second = _second(app, events)
    second.join(0.3)
    assert second.is_alive() and events == ["first in"]  # waiting for its turn
    leave.set()
    first.join(5)
    second.join(5)
    assert events == ["first in", "first out", "second in"]


def test_without_a_limit_rankings_run_side_by_side(app):
    app.config["RANKINGS_PER_PROCESS"] = 0
    events: list[str] = []
    inside, leave = threading.Event(), threading.Event()
    first = _hold_a_turn(app, events, inside, leave)
    second = _second(app, events)
    second.join(5)
    assert events == ["first in", "second in"]
    leave.set()
    first.join(5)


def test_a_turn_not_given_in_time_is_taken_anyway_and_logged(app, monkeypatch, caplog):
    monkeypatch.setattr(matching_runtime, "TURN_WAIT_SECONDS", 0.05)
    events: list[str] = []
    inside, leave = threading.Event(), threading.Event()
    first = _hold_a_turn(app, events, inside, leave)
    with caplog.at_level(logging.WARNING):
        second = _second(app, events)
        second.join(5)
    assert events == ["first in", "second in"]  # the page is not failed
    assert "no ranking turn" in caplog.text
    leave.set()
    first.join(5)
    # The turn the late one took without the semaphore is not given back twice: the next
    # ranking still waits for a holder.
    monkeypatch.setattr(matching_runtime, "TURN_WAIT_SECONDS", 30.0)
    inside2, leave2 = threading.Event(), threading.Event()
    holder = _hold_a_turn(app, events, inside2, leave2)
    third = _second(app, events)
    third.join(0.3)
    assert third.is_alive()
    leave2.set()
    holder.join(5)
    third.join(5)


def test_a_ranking_that_fails_gives_its_turn_back(app):
    with app.app_context():
        with pytest.raises(RuntimeError):
            with matching_runtime.ranking_turn():
                raise RuntimeError("backend fell over")
    events: list[str] = []
    second = _second(app, events)
    second.join(1)
    assert events == ["second in"]


@pytest.mark.parametrize("value", [-1, "2", True])
def test_the_setting_must_be_a_whole_number_of_at_least_zero(tmp_path, value):
    with pytest.raises(ConfigError, match="RANKINGS_PER_PROCESS"):
        create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                    "PSEUDONYM_KEY": "p", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}",
                    "RANKINGS_PER_PROCESS": value})
