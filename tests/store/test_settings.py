"""The settings the portal and the indexer share come from one place (store.settings)."""
from __future__ import annotations

from pathlib import Path

import pytest

from matching.settings import MatchingSettings
from portal import create_app
from store import settings as store_settings
from store.database import normalise_url

ENVIRONMENT = {
    "DATABASE_URL": "postgres://jobbro@db/jobbro",
    "MATCHING_BACKEND": "elasticsearch",
    "MATCHING_ENCODER": "hashing",
    "ELASTICSEARCH_URL": "http://search:9200",
    "ELASTICSEARCH_INDEX_PREFIX": "kommune",
    "ELASTICSEARCH_TIMEOUT": "4.5",
    "MATCHING_INDEX_PATH": "/srv/index.npz",
    "UPLOAD_FOLDER": "/srv/uploads",
    "SQLITE_SYNCHRONOUS": "Normal",
}


@pytest.mark.parametrize("environ", [{}, ENVIRONMENT], ids=["defaults", "environment"])
def test_portal_and_indexer_see_the_same_database_and_index(monkeypatch, tmp_path, environ):
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(tmp_path / "instance"))
    for key in store_settings.SHARED_KEYS:
        monkeypatch.delenv(key, raising=False)
    for key, value in environ.items():
        monkeypatch.setenv(key, value)

    app = create_app({"SECRET_KEY": "s", "PSEUDONYM_KEY": "p"})
    loaded = store_settings.load()

    assert loaded.instance_path == Path(app.instance_path)
    assert loaded.database_url == app.config["SQLALCHEMY_DATABASE_URI"]
    assert loaded.matching == MatchingSettings.from_config(app.config, app.instance_path)
    assert loaded.sqlite_synchronous == app.config["SQLITE_SYNCHRONOUS"] == environ.get(
        "SQLITE_SYNCHRONOUS", "full").lower()


def test_defaults_live_in_the_instance_folder(tmp_path):
    loaded = store_settings.load({"JOBBRO_INSTANCE_PATH": str(tmp_path)})
    assert loaded.database_url == f"sqlite:///{tmp_path / 'jobbro.sqlite'}"
    assert loaded.matching.snapshot_path == tmp_path / "matching-index.npz"
    assert loaded.matching.upload_folder == tmp_path / "uploads"
    assert (loaded.matching.backend, loaded.matching.encoder) == ("memory", "e5")


def test_environment_overrides_every_shared_key(tmp_path):
    loaded = store_settings.load(ENVIRONMENT | {"JOBBRO_INSTANCE_PATH": str(tmp_path)})
    assert loaded.database_url == normalise_url(ENVIRONMENT["DATABASE_URL"])
    assert loaded.matching == MatchingSettings(
        backend="elasticsearch", encoder="hashing", elasticsearch_url="http://search:9200",
        index_prefix="kommune", timeout=4.5, snapshot_path=Path("/srv/index.npz"),
        upload_folder=Path("/srv/uploads"))


@pytest.mark.parametrize("value", ["fast", "0", "-1", "nan", "301"])
def test_elasticsearch_timeout_must_be_sensible(value):
    with pytest.raises(store_settings.ConfigError, match="ELASTICSEARCH_TIMEOUT"):
        store_settings.from_environment({"ELASTICSEARCH_TIMEOUT": value})


@pytest.mark.parametrize("value", ["off", "extra", "2"])
def test_sqlite_synchronous_is_normal_or_full(value):
    with pytest.raises(store_settings.ConfigError, match="SQLITE_SYNCHRONOUS"):
        store_settings.from_environment({"SQLITE_SYNCHRONOUS": value})


@pytest.mark.parametrize("from_environment", [False, True], ids=["instance file", "environment"])
def test_portal_and_indexer_read_the_same_pseudonym_key(monkeypatch, tmp_path, from_environment):
    """The indexer counts the re-ranking's decision history under the key the portal reads it with."""
    instance = tmp_path / "instance"
    monkeypatch.setenv("JOBBRO_INSTANCE_PATH", str(instance))
    monkeypatch.delenv("JOBBRO_ENV", raising=False)
    if from_environment:
        monkeypatch.setenv("PSEUDONYM_KEY", "from-the-environment")
    else:
        monkeypatch.delenv("PSEUDONYM_KEY", raising=False)
    indexer_first = store_settings.pseudonym_key(instance)  # the indexer may start before the portal
    portal = create_app({"DATABASE_URL": "sqlite://"}).config["PSEUDONYM_KEY"]
    assert indexer_first == portal == store_settings.pseudonym_key(instance)
    assert (portal == "from-the-environment") == from_environment


def test_production_needs_the_pseudonym_key_in_the_environment(tmp_path):
    with pytest.raises(store_settings.ConfigError, match="PSEUDONYM_KEY"):
        store_settings.pseudonym_key(tmp_path, {"JOBBRO_ENV": "production"})
    assert not (tmp_path / "pseudonym_key").exists()  # no key quietly made up in production
    assert store_settings.pseudonym_key(tmp_path, {"JOBBRO_ENV": "production", "PSEUDONYM_KEY": "k"}) == "k"


def test_an_instance_secret_is_made_once_even_when_two_processes_start_together(tmp_path):
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(8) as pool:
        found = set(pool.map(lambda _: store_settings.instance_secret(tmp_path, "pseudonym_key"), range(32)))
    assert len(found) == 1 and (tmp_path / "pseudonym_key").stat().st_mode & 0o077 == 0
    (tmp_path / "empty").write_text("")
    with pytest.raises(store_settings.ConfigError, match="empty"):
        store_settings.instance_secret(tmp_path, "empty")
