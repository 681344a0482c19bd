"""The front-end files a page loads are the ones the set-up provides, and no more."""
from __future__ import annotations

import json
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_pages_load_only_scripts_the_setup_copies(client):
    html = client.get("/auth/login").get_data(as_text=True)
    scripts = re.findall(r'<script src="/static/vendor/([^"]+)"', html)
    makefile = (ROOT / "Makefile").read_text()
    for script in scripts:
        provider = script.split("/")[0]  # "dkfds/js/dkfds.min.js" or "chart.umd.min.js"
        assert provider in makefile, f"{script} is loaded but `make assets` does not copy it"
    assert "htmx" not in html  # loaded on every page and used by none: removed


def test_every_copied_package_is_declared():
    declared = json.loads((ROOT / "package.json").read_text())["dependencies"]
    copied = set(re.findall(r"node_modules/([^/]+)/", (ROOT / "Makefile").read_text()))
    copied |= set(re.findall(r"node_modules/([^/]+)/", (ROOT / "Dockerfile").read_text()))
    assert copied <= set(declared)
