"""A portal started without the front-end assets says so in its log (review BL 2)."""
from __future__ import annotations

import logging

from portal import warn_missing_assets


def test_missing_vendor_assets_are_logged_at_start_up(app, tmp_path, caplog):
    app.static_folder = str(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert warn_missing_assets(app) is False
    assert "front-end assets missing" in caplog.text and "make assets" in caplog.text


def test_present_assets_are_not_warned_about(app, tmp_path, caplog):
    (tmp_path / "vendor" / "dkfds").mkdir(parents=True)
    app.static_folder = str(tmp_path)
    with caplog.at_level(logging.WARNING):
        assert warn_missing_assets(app) is True
    assert "front-end assets missing" not in caplog.text
