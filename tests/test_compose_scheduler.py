"""docker-compose runs the scheduled jobs itself (the ``scheduler`` service: no host cron), and
every image of the deployment is pinned by an exact version tag; ``make run`` starts the same
loop beside the workers."""
from __future__ import annotations

import re
import tomllib
from pathlib import Path

import yaml

from tests.test_deploy import _compose_config

ROOT = Path(__file__).resolve().parent.parent
EXACT = re.compile(r"\d+\.\d+\.\d+")  # a full version: major.minor.patch


def _services() -> dict:
    """The services as written (anchors resolved), without running docker-compose."""
    return yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]


def _exact(image: str) -> bool:
    name, _, tag = image.rpartition(":")
    return bool(name) and "/" not in tag and tag != "latest" and EXACT.search(tag) is not None


def test_exact_means_a_full_version_tag():
    assert _exact("pgvector/pgvector:0.8.0-pg17") and _exact("python:3.11.11-slim-bookworm")
    assert _exact("docker.elastic.co/elasticsearch/elasticsearch:9.1.5")
    for loose in ("pgvector/pgvector:pg17", "python:3.11-slim-bookworm", "jobbro:latest", "postgres",
                  "node:20-bookworm-slim", "localhost:5000/jobbro"):
        assert not _exact(loose), loose


def test_every_compose_image_is_pinned_by_an_exact_tag():
    images = {name: service["image"] for name, service in _services().items()}
    assert {name for name, image in images.items() if not _exact(image)} == set()
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    jobbro = {name: image for name, image in images.items() if image.startswith("jobbro:")}
    assert set(jobbro) == {"portal", "indexer", "mailer", "webhooks", "scheduler"}
    assert set(jobbro.values()) == {f"jobbro:{version}"}  # the image the portal service builds


def test_every_dockerfile_base_image_is_pinned_by_an_exact_tag():
    bases = re.findall(r"^FROM\s+(\S+)", (ROOT / "Dockerfile").read_text(), re.MULTILINE)
    assert len(bases) == 2 and all(_exact(image) for image in bases), bases


def _mounts(service: dict) -> set[tuple[str, str]]:
    """(source, target) of a service's volumes, from compose v1's string or v2's mapping form."""
    found = set()
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            found.add((volume.get("source", ""), volume["target"]))
        else:
            source, target = str(volume).split(":")[:2]
            found.add((source, target))
    return found


def test_the_scheduler_service_runs_the_loop_with_the_uploads_volume():
    services = _compose_config()["services"]
    scheduler, portal = services["scheduler"], services["portal"]
    assert scheduler["command"] in (["flask", "--app", "portal", "scheduled-jobs", "--loop"],
                                    "flask --app portal scheduled-jobs --loop")
    assert scheduler["image"] == portal["image"]
    # retention deletes the CV files of the cases it anonymises: the portal's uploads volume
    assert ("uploads", "/var/lib/jobbro") in _mounts(portal) & _mounts(scheduler)
    # the database, migrated by the portal's setup before the portal is healthy
    assert scheduler["depends_on"]["postgres"]["condition"] == "service_healthy"
    assert scheduler["depends_on"]["portal"]["condition"] == "service_healthy"
    assert set(scheduler["environment"]) == set(portal["environment"]) - {"TRUSTED_PROXY_HOPS"}
    assert "ports" not in scheduler
    assert scheduler["restart"] == "unless-stopped"


def test_make_run_starts_the_loop_and_stops_it_with_the_others():
    recipe = (ROOT / "Makefile").read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    assert "flask --app portal scheduled-jobs --loop & scheduler=$$!" in recipe
    trap = recipe.split("trap '", 1)[1].split("'", 1)[0]
    assert "kill $$worker $$mailer $$webhooks $$scheduler" in trap and "wait $$worker $$mailer $$webhooks $$scheduler" in trap
