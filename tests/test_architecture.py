"""The arrows point one way, checked by import-linter with the contracts in pyproject.toml.

    portal ──┐        ┌── indexer
             ▼        ▼
           store ──▶ matching        cvtext (imports none of ours)
    portal, indexer ──▶ cvtext

The first test lints the real packages. The others prove the contracts can fail: each
forbidden arrow is planted, alone, in stand-in packages of the same names, and the real
configuration must report exactly that contract as broken.
"""
from __future__ import annotations

import subprocess
import sys
import tomllib
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")
OURS = ("portal", "indexer", "store", "cvtext", "matching")

# Each package and what it must never import (the rules; the contracts must cover them).
FORBIDDEN = {
    "matching": ("portal", "indexer", "store", "cvtext", "flask"),
    "cvtext": ("portal", "indexer", "store", "matching", "flask"),
    "store": ("portal", "indexer"),
    "portal": ("indexer",),
    "indexer": ("portal",),
}
PAIRS = [(source, target) for source, targets in FORBIDDEN.items() for target in targets]


def _config() -> dict:
    with (ROOT / "pyproject.toml").open("rb") as handle:
        return tomllib.load(handle)["tool"]["importlinter"]


def _lint(cwd: Path, config: Path, pythonpath: Path) -> subprocess.CompletedProcess:
    # --no-cache: the linter would otherwise write .import_linter_cache into the checkout.
    return subprocess.run(
        [str(LINT_IMPORTS), "--no-cache", "--no-logo", str(config)], cwd=cwd, capture_output=True,
        text=True, timeout=120, env={"PATH": str(LINT_IMPORTS.parent), "PYTHONPATH": str(pythonpath)},
    )


def test_the_import_contracts_hold():
    done = _lint(ROOT, ROOT / "pyproject.toml", ROOT)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "0 broken" in done.stdout


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_every_forbidden_arrow_is_in_a_contract(source, target):
    assert [c["id"] for c in _contracts_forbidding(source, target)], f"no contract forbids {source} → {target}"


@pytest.mark.parametrize(("source", "target"), PAIRS, ids=[f"{s}-{t}" for s, t in PAIRS])
def test_a_planted_forbidden_import_breaks_its_contract(tmp_path, source, target):
    config = _config()
    for package in (*OURS, "flask"):
        (tmp_path / package).mkdir()
        (tmp_path / package / "__init__.py").write_text("")
    (tmp_path / source / "bad.py").write_text(f"import {target}\n")
    config_file = tmp_path / "importlinter.toml"
    config_file.write_text(_as_toml(config))

    done = _lint(tmp_path, config_file, tmp_path)

    assert done.returncode == 1, done.stdout + done.stderr
    broken = {c["name"] for c in config["contracts"] if f"{c['name']} BROKEN" in done.stdout}
    assert broken == {c["name"] for c in _contracts_forbidding(source, target)}
    assert f"{source}.bad -> {target}" in done.stdout


def _contracts_forbidding(source: str, target: str) -> list[dict]:
    return [c for c in _config()["contracts"] if c["type"] == "forbidden"
            and source in c["source_modules"] and target in c["forbidden_modules"]]


def _as_toml(config: dict) -> str:
    """The [tool.importlinter] table again, for a config file of its own (no TOML writer in
    the standard library; the table only holds strings, booleans and lists of strings)."""
    def value(item: object) -> str:
        if isinstance(item, bool):
            return "true" if item else "false"
        if isinstance(item, list):
            return "[" + ", ".join(value(v) for v in item) + "]"
        return '"' + str(item).replace("\\", "\\\\").replace('"', '\\"') + '"'

    lines = ["[tool.importlinter]"]
    lines += [f"{key} = {value(item)}" for key, item in config.items() if key != "contracts"]
    for contract in config["contracts"]:
        lines.append("[[tool.importlinter.contracts]]")
        lines += [f"{key} = {value(item)}" for key, item in contract.items()]
    return "\n".join(lines) + "\n"


_IMPORT_EACH_ALONE = r"""
import importlib, os, sys
OURS = ("portal", "matching", "indexer", "store", "cvtext")
# What the children share: every third-party module the packages import, found by a first
# child and imported here once, so each child below pays only for our own modules.
read, write = os.pipe()
pid = os.fork()
if pid == 0:
    for name in sys.argv[1:]:
        importlib.import_module(name)
    names = [m for m in sys.modules if m.split(".")[0] not in OURS]
    os.write(write, "\n".join(names).encode())
    os._exit(0)
os.close(write)
with os.fdopen(read) as pipe:
    shared = pipe.read().split()
os.waitpid(pid, 0)
for name in shared:
    try:
        importlib.import_module(name)
    except Exception:
        pass  # a module only importable in the order the portal imported it: the child imports it
assert not any(m.split(".")[0] in OURS for m in sys.modules), "a shared module imported ours"
failed = []
for name in sys.argv[1:]:
    pid = os.fork()
    if pid == 0:  # a fresh child per package: nothing of ours imported yet
        try:
            importlib.import_module(name)
        except Exception as exc:
            print(f"{name}: {type(exc).__name__}: {exc}", flush=True)
            os._exit(1)
        os._exit(0)
    if os.waitstatus_to_exitcode(os.waitpid(pid, 0)[1]) != 0:
        failed.append(name)
sys.exit(1 if failed else 0)
"""


def test_every_portal_package_imports_first_without_an_import_cycle():
    """Each of portal's packages imported before anything else of ours: a circular import
    that the app's own order hides (a test module importing the package first) fails here."""
    packages = sorted(f"portal.{p.name}" for p in (ROOT / "portal").iterdir()
                      if (p / "__init__.py").is_file())
    assert "portal.dashboard" in packages and len(packages) > 10
    run = subprocess.run([sys.executable, "-c", _IMPORT_EACH_ALONE, *packages], cwd=ROOT,
                         capture_output=True, text=True, timeout=600)
    assert run.returncode == 0, run.stdout + run.stderr
