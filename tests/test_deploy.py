"""docker-compose.yml must be a valid deployment description (PostgreSQL + ES + portal + indexer)."""
from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

from tests.conftest import missing_dependency

ROOT = Path(__file__).resolve().parent.parent
# What compose refuses to start without: the secrets and the job centre's own facts.
REQUIRED = {"POSTGRES_PASSWORD": "pw", "SECRET_KEY": "s", "PSEUDONYM_KEY": "p",
            "ORGANISATION_NAME": "Jobcenter Test", "DPO_EMAIL": "dpo@test.dk",
            "ACCESSIBILITY_EMAIL": "wcag@test.dk", "HOTLINE_PHONE": "11 22 33 44"}


def _compose_config(**overrides: str) -> dict:
    binary = shutil.which("docker-compose")
    if binary is None:
        missing_dependency("docker-compose (Debian package) is not installed")
    env = {"PATH": "/usr/bin:/bin", **REQUIRED, **overrides}
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
    assert config["services"]["portal"]["environment"]["MATCHING_ENCODER"] == "e5"


def test_the_encoder_and_backend_set_in_env_reach_every_container():
    """Review BO 5: compose fixed MATCHING_ENCODER/MATCHING_BACKEND, so a value in .env did nothing."""
    services = _compose_config(MATCHING_ENCODER="minilm", MATCHING_BACKEND="memory")["services"]
    for name in ("portal", "indexer", "mailer", "webhooks", "scheduler"):
        assert services[name]["environment"]["MATCHING_ENCODER"] == "minilm", name
        assert services[name]["environment"]["MATCHING_BACKEND"] == "memory", name


@pytest.mark.parametrize("missing", sorted(REQUIRED))
def test_compose_refuses_to_run_without_secrets_and_the_job_centres_facts(missing):
    binary = shutil.which("docker-compose")
    if binary is None:
        missing_dependency("docker-compose (Debian package) is not installed")
    env = {"PATH": "/usr/bin:/bin", **{k: v for k, v in REQUIRED.items() if k != missing}}
    result = subprocess.run([binary, "-f", str(ROOT / "docker-compose.yml"), "config"],
                            capture_output=True, text=True, env=env, timeout=60)
    assert result.returncode != 0
    assert missing in result.stderr


def test_the_containers_get_the_settings_the_operator_sets():
    """A setting put in .env reaches every Jobbro container (compose passes only what it lists)."""
    from portal.config import ENV_KEYS
    from store.settings import SHARED_KEYS

    services = _compose_config()["services"]
    passed = set(services["portal"]["environment"])
    # Only what the image fixes or PostgreSQL + Elasticsearch never read (review I 9: every
    # operator setting of the README's table reaches the containers).
    deliberately_not = {"JOBBRO_INSTANCE_PATH",  # the image sets it (the uploads volume's mount point)
                        "UPLOAD_FOLDER",  # <instance>/uploads, on that volume
                        "JOBBRO_CACHE_DIR",  # the image user's cache (a patched e5, rebuilt when missing)
                        "MATCHING_INDEX_PATH", "SQLITE_SYNCHRONOUS"}  # SQLite and the in-process index only
    wanted = (set(ENV_KEYS) | set(SHARED_KEYS)) - deliberately_not
    assert wanted <= passed, sorted(wanted - passed)
    for name in ("indexer", "mailer", "webhooks"):
        assert set(services[name]["environment"]) == passed - {"TRUSTED_PROXY_HOPS"}  # the portal's alone


def test_the_image_holds_every_package_the_project_installs():
    """The Dockerfile copies each package of pyproject's packages.find before `pip install .`."""
    import tomllib

    include = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"]["find"]["include"]
    packages = {pattern.rstrip("*") for pattern in include}
    dockerfile = (ROOT / "Dockerfile").read_text()
    before_install = dockerfile[:dockerfile.index("pip install --no-cache-dir -c constraints.txt .")]
    copied = set(re.findall(r"^COPY (\w+) \./\1$", before_install, re.MULTILINE))
    assert packages <= copied, sorted(packages - copied)


def test_healthchecks_run_their_whole_command():
    """An unquoted URL with '&' would send curl to the background, and the check would always pass."""
    test = _compose_config()["services"]["elasticsearch"]["healthcheck"]["test"]
    command = test[-1]
    assert "&" not in command.replace("'http://localhost:9200/_cluster/health?wait_for_status=yellow&timeout=2s'", "")


def test_portal_is_published_on_loopback_behind_one_trusted_proxy():
    """The TLS proxy on the host is the only way in, and the portal believes exactly its hop."""
    portal = _compose_config()["services"]["portal"]
    assert [_published(port) for port in portal["ports"]] == [("127.0.0.1", "8000", "8000")]
    assert str(portal["environment"]["TRUSTED_PROXY_HOPS"]) == "1"
    assert "--no-demo" in str(portal["command"])  # production never seeds the demo users


def test_every_dependency_is_pinned_by_the_constraints_the_image_and_make_install_use():
    """The image is rebuilt with the same versions the tests ran on (review I 12): constraints.txt
    pins every dependency of pyproject.toml (torch apart), and both installs read it."""
    import re
    import tomllib

    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    wanted = [*project["dependencies"], *project["optional-dependencies"]["dev"]]
    pinned = {line.split("==")[0].lower().replace("_", "-")
              for line in (ROOT / "constraints.txt").read_text().splitlines() if "==" in line}
    names = {re.split(r"[\[<>=!~; ]", spec, maxsplit=1)[0].lower().replace("_", "-") for spec in wanted}
    assert names - {"torch"} <= pinned, sorted(names - {"torch"} - pinned)
    assert "-c constraints.txt ." in (ROOT / "Dockerfile").read_text()
    assert "-c constraints.txt -e '.[dev]'" in (ROOT / "Makefile").read_text()


def _readme_section(heading: str) -> str:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    return readme.split(heading + "\n", 1)[1].split("\n#", 1)[0]


def test_the_restore_stops_every_jobbro_service_and_opens_only_after_the_erasures():
    """Review BO 1: the scheduler was left running, and the mailer and webhooks were started
    before the re-erasure, so queued mail about erased citizens went out again."""
    services = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    jobbro = set(services) - {"postgres", "elasticsearch"}
    section = _readme_section("### Backup and restore")
    commands = section.split("```sh\n", 1)[1].split("```", 1)[0].splitlines()
    stop = next(line for line in commands if line.startswith("docker compose stop "))
    assert set(stop.split("#")[0].split()[3:]) == jobbro
    erase = next(i for i, line in enumerate(commands) if "erase-citizen" in line)
    starts = [i for i, line in enumerate(commands) if line.startswith("docker compose up")]
    assert starts and min(starts) > erase
    # the uploads go where the volume is mounted (the tar of the backup row holds »uploads/«)
    assert "uploads:/var/lib/jobbro" in services["portal"]["volumes"]
    assert any("tar -C /var/lib/jobbro -xz" in line for line in commands)


def test_the_readme_says_how_to_rotate_each_secret():
    """Review BO 2: rotating the secrets, and what a new PSEUDONYM_KEY forgets."""
    section = _readme_section("### Rotating secrets")
    for secret in ("SECRET_KEY", "POSTGRES_PASSWORD", "PSEUDONYM_KEY"):
        assert f"**`{secret}`**" in section
    assert "accepted again" in section


def test_the_portal_without_docker_believes_one_proxy():
    """Review BO 3: without TRUSTED_PROXY_HOPS=1 behind the TLS proxy every client is 127.0.0.1."""
    section = _readme_section('### Without Docker ("Drift uden Docker")')
    assert "TRUSTED_PROXY_HOPS=1" in section and "PORTAL_URL" in section


def test_the_configuration_table_lists_every_setting_the_code_reads():
    """Review BO 6: WEBHOOKS_INTERNAL_NETWORKS, JOBBRO_CACHE_DIR and MELO_TRAIN_DIR were read but not listed."""
    from portal.config import ENV_KEYS
    from store.settings import SHARED_KEYS

    rows = [line for line in _readme_section("## Configuration").splitlines() if line.startswith("| `")]
    listed = {name for row in rows for name in re.findall(r"`([A-Z][A-Z0-9_]+)`", row.split(" | ")[0])}
    wanted = set(ENV_KEYS) | set(SHARED_KEYS) | {"JOBBRO_INSTANCE_PATH", "PSEUDONYM_KEY", "JOBBRO_CACHE_DIR",
                                                  "MELO_TRAIN_DIR"}
    assert wanted <= listed, sorted(wanted - listed)


def test_the_readme_names_every_error_status_the_api_document_declares(app, client, make_user):
    """Review BO 7: 428 (PUT /openings/<id> without If-Match) was declared but not in the README."""
    from tests.api.api_fixtures import bearer, make_token

    spec = client.get("/api/openapi.json", headers=bearer(make_token(app, make_user("admin")))).json
    declared = {int(code) for path in spec["paths"].values() for operation in path.values()
                if isinstance(operation, dict) for code in operation.get("responses", {})
                if code.isdigit() and int(code) >= 400}
    section = _readme_section("## API")
    assert {code for code in declared if str(code) not in section} == set()
    assert "403 when a browser" in section
