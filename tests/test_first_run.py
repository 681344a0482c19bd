"""The README's two commands work in either order: tests never use the checkout's instance folder."""
from __future__ import annotations

import os
from pathlib import Path

from portal import create_app

ROOT = Path(__file__).resolve().parent.parent


def _inside(path: str | Path, folder: Path) -> bool:
    return Path(path).resolve().is_relative_to(folder.resolve())


def test_every_app_of_the_test_run_lives_outside_the_checkout(app, tmp_path):
    assert _inside(app.instance_path, tmp_path)
    # Apps built without INSTANCE_PATH (CLI subprocesses, the live server) inherit this one.
    assert not _inside(os.environ["JOBBRO_INSTANCE_PATH"], ROOT)
    other = create_app({"TESTING": True, "SECRET_KEY": "x", "PSEUDONYM_KEY": "y",
                        "DATABASE_URL": f"sqlite:///{tmp_path / 'other.sqlite'}"})
    assert not _inside(other.instance_path, ROOT)
    assert not _inside(other.config["MATCHING_INDEX_PATH"] if "MATCHING_INDEX_PATH" in other.config
                       else other.instance_path, ROOT)


def test_instance_path_without_test_config_follows_the_environment(tmp_path, monkeypatch):
    from portal import instance_path

    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path / "env"))
    assert instance_path() == str(tmp_path / "env")
    assert instance_path({"INSTANCE_PATH": str(tmp_path / "own")}) == str(tmp_path / "own")
    monkeypatch.delenv("JOBBRO_INSTANCE_PATH")
    assert instance_path() == str(ROOT / "instance")
