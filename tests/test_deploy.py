"""docker-compose.yml must be a valid deployment description (PostgreSQL + ES + portal + indexer)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parent.parent


def test_docker_compose_config_is_accepted():
    binary = shutil.which("docker-compose")
    if binary is None:
        missing_dependency("docker-compose (Debian package) is not installed")
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "pw", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    config = yaml.safe_load(result.stdout)
    assert {"postgres", "elasticsearch", "portal", "indexer"} <= set(config["services"])
    assert config["services"]["indexer"]["command"] in (["python", "-m", "indexer", "run"],
                                                        "python -m indexer run")
    assert config["services"]["portal"]["environment"]["MATCHING_BACKEND"] == "elasticsearch"


def test_compose_refuses_to_run_without_secrets():
    binary = shutil.which("docker-compose")
    if binary is None:
        missing_dependency("docker-compose (Debian package) is not installed")
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env={"PATH": "/usr/bin:/bin"}, timeout=60)
    assert result.returncode != 0
    assert "SECRET_KEY" in result.stderr or "POSTGRES_PASSWORD" in result.stderr
