"""MATCHING_POSTCODES is a shared setting: the indexer installs the same table as the portal
(tests/portal/test_postcodes.py), and a file it cannot use stops its start with the name."""
from __future__ import annotations

import pytest

from indexer.cli import main as indexer_main
from matching import geo
from store import settings as store_settings

AARHUS = "postnr;bynavn;lat;lon\n8000;Aarhus C;56,15;10,20\n8200;Aarhus N;56,19;10,19\n"


@pytest.fixture(autouse=True)
def builtin_table_afterwards():
    yield
    geo.install_postcodes(None)


def test_load_installs_the_file_named_relative_to_the_instance_folder(tmp_path):
    (tmp_path / "postnumre.csv").write_text(AARHUS, encoding="utf-8")
    store_settings.load({"JOBBRO_INSTANCE_PATH": str(tmp_path), "MATCHING_POSTCODES": "postnumre.csv"})
    assert dict(geo.POSTCODES) == {"8000": ("Aarhus C", 56.15, 10.20), "8200": ("Aarhus N", 56.19, 10.19)}
    store_settings.load({"JOBBRO_INSTANCE_PATH": str(tmp_path)})  # no setting: the built-in table
    assert geo.is_builtin() and geo.POSTCODES["8722"][0] == "Hedensted"


def test_an_absolute_path_is_taken_as_it_is(tmp_path):
    path = tmp_path / "elsewhere" / "postnumre.tsv"
    path.parent.mkdir()
    path.write_text(AARHUS.replace(";", "\t"), encoding="utf-8")
    store_settings.load({"JOBBRO_INSTANCE_PATH": str(tmp_path / "instance"), "MATCHING_POSTCODES": str(path)})
    assert list(geo.POSTCODES) == ["8000", "8200"]


@pytest.mark.parametrize("text, problem", [
    (None, "cannot read"),
    ("8000;Aarhus C;56,15;10,20\n8200;Aarhus N;56,19\n", "line 2: 3 fields where 4 are expected"),
])
def test_load_refuses_a_table_it_cannot_use_naming_the_setting(tmp_path, text, problem):
    if text is not None:
        (tmp_path / "postnumre.csv").write_text(text, encoding="utf-8")
    with pytest.raises(store_settings.ConfigError) as caught:
        store_settings.load({"JOBBRO_INSTANCE_PATH": str(tmp_path), "MATCHING_POSTCODES": "postnumre.csv"})
    assert str(caught.value).startswith("MATCHING_POSTCODES='postnumre.csv' cannot be used:")
    assert problem in str(caught.value)


def test_the_indexer_does_not_start_with_a_table_it_cannot_use(tmp_path, monkeypatch, capsys):
    (tmp_path / "postnumre.csv").write_text("8000;Aarhus C;10,20;56,15\n", encoding="utf-8")
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path))
    monkeypatch.setenv("MATCHING_ENCODER", "hashing")
    monkeypatch.setenv("MATCHING_POSTCODES", "postnumre.csv")
    assert indexer_main(["drain"]) == 2
    error = capsys.readouterr().err
    assert "indexer: configuration problem: MATCHING_POSTCODES='postnumre.csv' cannot be used" in error
    assert "line 1: lat 10.2 of 8000 is outside Denmark" in error
