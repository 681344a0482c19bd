"""Each server process loads the matching model at start, and a failure there never stops it."""
from __future__ import annotations

import logging

from portal import matching_runtime


def test_warm_up_loads_the_runtime_once(app):
    with app.app_context():
        assert matching_runtime._KEY not in app.extensions
        matching_runtime.warm_up()
        runtime = app.extensions[matching_runtime._KEY]
        matching_runtime.warm_up()
        assert app.extensions[matching_runtime._KEY] is runtime


def test_a_failing_warm_up_is_logged_not_raised(app, monkeypatch, caplog):
    def broken(_name):
        raise RuntimeError("model file missing")

    monkeypatch.setattr(matching_runtime, "make_encoder", broken)
    with app.app_context(), caplog.at_level(logging.WARNING):
        matching_runtime.warm_up()
        assert matching_runtime._KEY not in app.extensions
    assert "matching warm-up failed" in caplog.text


def test_warm_up_loads_the_language_identifier(app):
    from matching import language

    language._identifier.cache_clear()
    with app.app_context():
        matching_runtime.warm_up()
    assert language._identifier.cache_info().currsize == 1
