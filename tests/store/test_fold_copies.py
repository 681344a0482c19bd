"""The portal's one fold (``store.models.citizens.external_id_key``) has copies in two migrations
(0035: ``citizen.external_id_key``; 0043: ``team.name_key`` and ``user.integration_name_key``):
each copy folds as the model does, and the model's docstring names both, so a change of the fold
is made with a migration that recomputes all three columns."""
from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

from store.models import citizens

VERSIONS = Path(__file__).resolve().parents[2] / "migrations" / "versions"
SAMPLES = ("AV-9", "ＡＶ-９", "  Team  Øst ", "Å", "A\u030a", "Straße", "ÆØ-1", "", None)


def _migration(prefix: str):
    path = next(VERSIONS.glob(f"{prefix}_*.py"))
    spec = importlib.util.spec_from_file_location(f"migration_{prefix}", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize(("prefix", "name"), [("0035", "_key"), ("0043", "_fold")])
def test_each_migrations_copy_folds_as_the_model(prefix, name):
    fold = getattr(_migration(prefix), name)
    assert [fold(text) for text in SAMPLES] == [citizens.external_id_key(text) for text in SAMPLES]


def test_the_fold_names_every_copy_and_its_columns():
    doc = " ".join(citizens.external_id_key.__doc__.split())
    for named in ("0035", "citizen.external_id_key", "0043", "team.name_key", "user.integration_name_key",
                  "all three"):
        assert named in doc, named
