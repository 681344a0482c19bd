"""README's »Drift uden Docker« installs what the Dockerfile does (review BL 2): the Python
packages and the front-end assets, which are not in git."""
from __future__ import annotations

from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_the_section_without_docker_installs_packages_and_assets():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split('### Without Docker ("Drift uden Docker")', 1)[1].split("\n## ", 1)[0]
    assert "make install assets" in section
    assert "pip install -c constraints.txt" in section and "npm ci" in section
    assert "portal/static/vendor/dkfds" in section
    assert "portal/static/vendor/" in (ROOT / ".gitignore").read_text(encoding="utf-8")
