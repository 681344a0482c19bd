"""REDUCED_ENCODE_SECONDS: how long reduced mode may encode per request (review BF); a bad
value stops start-up with the setting's name."""
from __future__ import annotations

import math

import pytest

from portal import create_app
from portal.config import ConfigError, from_environment


def _app(tmp_path, **config):
    return create_app({"TESTING": True, "INSTANCE_PATH": str(tmp_path), "SECRET_KEY": "s",
                       "PSEUDONYM_KEY": "p", "DATABASE_URL": f"sqlite:///{tmp_path / 'db.sqlite'}", **config})


def test_the_default_is_a_few_seconds(tmp_path):
    assert _app(tmp_path).config["REDUCED_ENCODE_SECONDS"] == 5.0


@pytest.mark.parametrize("value", [0, 2.5, 60])
def test_seconds_from_zero_to_a_minute_are_taken(tmp_path, value):
    assert _app(tmp_path, REDUCED_ENCODE_SECONDS=value).config["REDUCED_ENCODE_SECONDS"] == value


@pytest.mark.parametrize("value", [-1, 61, math.nan, math.inf, True, "5"])
def test_a_bad_value_stops_start_up_with_the_settings_name(tmp_path, value):
    with pytest.raises(ConfigError, match="REDUCED_ENCODE_SECONDS"):
        _app(tmp_path, REDUCED_ENCODE_SECONDS=value)


def test_the_environment_gives_seconds_also_with_a_decimal_comma():
    assert from_environment({"REDUCED_ENCODE_SECONDS": "2,5"})["REDUCED_ENCODE_SECONDS"] == 2.5
    assert from_environment({"REDUCED_ENCODE_SECONDS": "3"})["REDUCED_ENCODE_SECONDS"] == 3.0
    with pytest.raises(ConfigError, match="REDUCED_ENCODE_SECONDS"):
        from_environment({"REDUCED_ENCODE_SECONDS": "fem"})
