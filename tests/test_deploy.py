"""docker-compose.yml must be a valid deployment description (PostgreSQL + ES + portal + indexer)."""
from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import yaml

from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parent.parent


def _compose_config() -> dict:
    binary = shutil.which("docker-compose")
    if binary is None:
        missing_dependency("docker-compose (Debian package) is not installed")
    env = {"PATH": "/usr/bin:/bin", "POSTGRES_PASSWORD": "pw", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p"}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode == 0, result.stderr
    return yaml.safe_load(result.stdout)


def _published(port: str | dict) -> tuple[str, str, str]:
    """(host ip, host port, container port) from compose v1's string or v2's mapping form."""
    if isinstance(port, dict):
        return port.get("host_ip", ""), str(port.get("published", "")), str(port["target"])
    parts = str(port).split("/")[0].split(":")
    if len(parts) == 3:
        return parts[0], parts[1], parts[2]
    return ("", parts[0], parts[1]) if len(parts) == 2 else ("", "", parts[0])


def test_docker_compose_config_is_accepted():
    config = _compose_config()
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


def test_portal_is_published_on_loopback_behind_one_trusted_proxy():
    """The TLS proxy on the host is the only way in, and the portal believes exactly its hop."""
    portal = _compose_config()["services"]["portal"]
    assert [_published(port) for port in portal["ports"]] == [("127.0.0.1", "8000", "8000")]
    assert str(portal["environment"]["TRUSTED_PROXY_HOPS"]) == "1"
    assert "--no-demo" in str(portal["command"])  # production never seeds the demo users
