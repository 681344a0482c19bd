"""Settings the portal and the indexer share, read from the environment in one place.

Both processes must open the same database, the same index and the same upload folder, so
these keys, their defaults and their parsing live here, below both. The portal
(:mod:`portal.config`) starts its Flask configuration from :func:`defaults` and
:func:`from_environment`; the indexer calls :func:`load` and never builds the Flask app.

========================== ==================================================================
Key                        Default
========================== ==================================================================
JOBBRO_INSTANCE_PATH       ``<repo>/instance`` (the instance folder; see :func:`instance_path`)
DATABASE_URL               ``sqlite:///<instance>/jobbro.sqlite``
MATCHING_BACKEND           ``memory``
MATCHING_ENCODER           ``e5``
MATCHING_ADAPTER           ``occupation-v1`` (trained occupation adapter; ``occupation-v2``;
                           ``ft-v1``: e5 fine-tuned; ``none``: zero-shot)
MATCHING_CONCEPTS          ``concepts-v1`` (the concept channel's table; ``none``: off)
MATCHING_CONCEPT_WEIGHT    ``0.4`` (the concept channel's lift, 0 to 4; see docs/matching.md)
ELASTICSEARCH_URL          ``http://127.0.0.1:9200``
ELASTICSEARCH_INDEX_PREFIX ``jobbro``
ELASTICSEARCH_TIMEOUT      ``2.0`` seconds
MATCHING_INDEX_PATH        ``<instance>/matching-index.npz`` (the memory backend's snapshot)
UPLOAD_FOLDER              ``<instance>/uploads``
SQLITE_SYNCHRONOUS         ``full`` (sync at every commit; ``normal``: at checkpoints, about
                           once a second; see :func:`store.database.install_sqlite_pragmas`)
MATCHING_POSTCODES         empty: the built-in postcode table (Hedensted and neighbours); else
                           a CSV/TSV file of postcode, town, lat, lon (absolute, or relative to
                           the instance folder; see :func:`matching.geo.read_postcodes`)
========================== ==================================================================

Both processes install the postcode table at start-up (:func:`install_postcodes`, called by
:func:`load` and by the portal's configuration), so they compute the same coordinates (each
profile carries its own, :func:`store.profiles.coordinates`); a file that cannot be used stops
the start with the setting's name.

``PSEUDONYM_KEY`` is shared too, but as a secret it is read only where needed
(:func:`pseudonym_key`): the environment, else (not in production) ``<instance>/pseudonym_key``.
"""
from __future__ import annotations

import math
import os
import secrets
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from matching import geo
from matching.adapter import DEFAULT_ADAPTER
from matching.concept_channel import CONCEPT_WEIGHT, DEFAULT_CONCEPTS, MAX_CONCEPT_WEIGHT
from matching.settings import SNAPSHOT_NAME, MatchingSettings

from .database import check_synchronous, normalise_url

ROOT = Path(__file__).resolve().parent.parent
INSTANCE_ENV = "JOBBRO_INSTANCE_PATH"
SHARED_KEYS = (
    "DATABASE_URL",
    "MATCHING_BACKEND",
    "MATCHING_ENCODER",
    "MATCHING_ADAPTER",
    "MATCHING_CONCEPTS",
    "MATCHING_CONCEPT_WEIGHT",
    "ELASTICSEARCH_URL",
    "ELASTICSEARCH_INDEX_PREFIX",
    "ELASTICSEARCH_TIMEOUT",
    "MATCHING_INDEX_PATH",
    "UPLOAD_FOLDER",
    "SQLITE_SYNCHRONOUS",
    "MATCHING_POSTCODES",
)


class ConfigError(RuntimeError):
    """The configuration cannot be used (e.g. production without SECRET_KEY)."""


def instance_path(environ: Mapping[str, str] | None = None) -> str:
    """The instance folder: ``JOBBRO_INSTANCE_PATH``, else ``<repo>/instance``."""
    environ = os.environ if environ is None else environ
    return environ.get(INSTANCE_ENV) or str(ROOT / "instance")


def defaults(instance_path: str | Path) -> dict:
    """The shared keys' defaults for the instance folder ``instance_path``."""
    instance = Path(instance_path)
    return {
        "DATABASE_URL": f"sqlite:///{instance / 'jobbro.sqlite'}",
        "MATCHING_BACKEND": "memory",
        "MATCHING_ENCODER": "e5",
        "MATCHING_ADAPTER": DEFAULT_ADAPTER,
        "MATCHING_CONCEPTS": DEFAULT_CONCEPTS,
        "MATCHING_CONCEPT_WEIGHT": CONCEPT_WEIGHT,
        "ELASTICSEARCH_URL": "http://127.0.0.1:9200",
        "ELASTICSEARCH_INDEX_PREFIX": "jobbro",
        "ELASTICSEARCH_TIMEOUT": 2.0,
        "MATCHING_INDEX_PATH": str(instance / SNAPSHOT_NAME),
        "UPLOAD_FOLDER": str(instance / "uploads"),
        "SQLITE_SYNCHRONOUS": "full",
        "MATCHING_POSTCODES": "",
    }


def from_environment(environ: Mapping[str, str] | None = None) -> dict:
    """The shared keys present (non-empty) in the environment, with types coerced.

    Raises:
        ConfigError: ELASTICSEARCH_TIMEOUT that is not a positive number of seconds, or
            SQLITE_SYNCHRONOUS that is not ``normal`` or ``full``.
    """
    environ = os.environ if environ is None else environ
    found = {key: environ[key] for key in SHARED_KEYS if environ.get(key)}
    if "ELASTICSEARCH_TIMEOUT" in found:
        try:
            timeout = float(found["ELASTICSEARCH_TIMEOUT"])
        except ValueError:
            timeout = math.nan
        if not 0 < timeout <= 300:  # also refuses nan
            raise ConfigError("ELASTICSEARCH_TIMEOUT must be a number of seconds above 0 and at "
                              f"most 300, not {found['ELASTICSEARCH_TIMEOUT']!r}")
        found["ELASTICSEARCH_TIMEOUT"] = timeout
    if "MATCHING_CONCEPT_WEIGHT" in found:
        try:
            weight = float(found["MATCHING_CONCEPT_WEIGHT"].replace(",", "."))
        except ValueError:
            weight = math.nan
        if not 0 <= weight <= MAX_CONCEPT_WEIGHT:  # also refuses nan
            raise ConfigError(f"MATCHING_CONCEPT_WEIGHT must be a number from 0 to {MAX_CONCEPT_WEIGHT:g} "
                              f"(e.g. 0.4), not {found['MATCHING_CONCEPT_WEIGHT']!r}")
        found["MATCHING_CONCEPT_WEIGHT"] = weight
    if "SQLITE_SYNCHRONOUS" in found:
        try:
            found["SQLITE_SYNCHRONOUS"] = check_synchronous(found["SQLITE_SYNCHRONOUS"])
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
    return found


def instance_secret(instance_path: str | Path, name: str) -> str:
    """Read or create a random secret in the instance folder (local development only).

    Created exclusively (mode 0600), so when the portal and the indexer start together both
    read the one secret the first of them wrote.
    """
    path = Path(instance_path) / name
    path.parent.mkdir(parents=True, exist_ok=True)
    value = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w") as file:
        file.write(value)
    return value


def _read_secret(path: Path, attempts: int = 50) -> str:
    """The secret in ``path``, waiting briefly while another process is still writing it."""
    for _ in range(attempts):
        value = path.read_text().strip()
        if value:
            return value
        time.sleep(0.01)
    raise ConfigError(f"{path} is empty: delete it to have a new secret made")


def pseudonym_key(instance_path: str | Path, environ: Mapping[str, str] | None = None) -> str:
    """``PSEUDONYM_KEY``, the portal's (:mod:`portal.config`): the environment's, else in
    development the instance folder's ``pseudonym_key`` (created once, as the portal does).

    Raises:
        ConfigError: with ``JOBBRO_ENV=production`` and no key in the environment.
    """
    environ = os.environ if environ is None else environ
    if environ.get("PSEUDONYM_KEY"):
        return environ["PSEUDONYM_KEY"]
    if environ.get("JOBBRO_ENV") == "production":
        raise ConfigError("PSEUDONYM_KEY must be set in the environment when JOBBRO_ENV=production")
    return instance_secret(instance_path, "pseudonym_key")


def postcodes_path(config: Mapping, instance_path: str | Path) -> Path | None:
    """The ``MATCHING_POSTCODES`` file (relative paths under the instance folder); None: the
    built-in table."""
    value = str(config.get("MATCHING_POSTCODES") or "").strip()
    return Path(instance_path) / value if value else None


def install_postcodes(config: Mapping, instance_path: str | Path) -> None:
    """Install the postcode table ``MATCHING_POSTCODES`` names (empty: the built-in one) for
    this process (:func:`matching.geo.install_postcodes`).

    Raises:
        ConfigError: the file is missing, unreadable or malformed (the message names the
            setting, the file and each bad line with its reason).
    """
    path = postcodes_path(config, instance_path)
    if path is None:
        geo.install_postcodes(None)
        return
    try:
        table = geo.load_postcodes(path)
    except geo.PostcodeTableError as exc:
        raise ConfigError(f"MATCHING_POSTCODES={str(config['MATCHING_POSTCODES']).strip()!r} cannot be used: "
                          f"{exc} (expected UTF-8 rows of postcode;town;lat;lon, see README "
                          "\"Configuration\")") from None
    geo.install_postcodes(table)


@dataclass(frozen=True)
class StoreSettings:
    """What a process without Flask (the indexer) needs: the database and matching settings.

    Attributes:
        instance_path: the instance folder.
        database_url: SQLAlchemy URL (``postgres://`` already names the psycopg driver).
        sqlite_synchronous: ``full`` or ``normal`` (SQLite only).
        matching: backend, encoder, index file and upload folder.
    """

    instance_path: Path
    database_url: str
    matching: MatchingSettings
    sqlite_synchronous: str


def load(environ: Mapping[str, str] | None = None) -> StoreSettings:
    """Defaults, then the environment: the same values the portal starts from. Installs the
    postcode table (:func:`install_postcodes`).

    Raises:
        ConfigError: see :func:`from_environment` and :func:`install_postcodes`.
    """
    instance = instance_path(environ)
    values = defaults(instance) | from_environment(environ)
    install_postcodes(values, instance)
    return StoreSettings(Path(instance), normalise_url(values["DATABASE_URL"]),
                         MatchingSettings.from_config(values, instance),
                         values["SQLITE_SYNCHRONOUS"])
