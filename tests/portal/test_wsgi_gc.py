"""The production entry point leaves what it loaded at start-up out of full garbage collections."""
from __future__ import annotations

import subprocess
import sys


def test_the_wsgi_module_freezes_what_it_loaded(tmp_path):
    code = ("import gc, portal.wsgi; "
            "print(gc.get_threshold()[0], gc.get_freeze_count(), len(gc.get_objects()))")
    env = {"PATH": "/usr/bin:/bin", "JOBBRO_INSTANCE_PATH": str(tmp_path), "MATCHING_ENCODER": "hashing",
           "HOME": str(tmp_path)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stderr[-2000:]
    young, frozen, tracked = map(int, done.stdout.split()[-3:])
    assert frozen > 50_000 and tracked < frozen / 10  # the start-up heap is frozen, little is left
    assert young == 20_000  # a request's short-lived objects are collected in fewer, larger passes
