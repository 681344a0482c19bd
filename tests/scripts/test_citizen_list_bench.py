"""scripts/citizen_list_bench: runs on a small database and says what it measured; the key as
bound parameters (before 0037) and a stored, indexed key give the list's rows in the list's
order, or the run fails; the plans of the list's page statement are printed and kept."""
from __future__ import annotations

import json

from scripts import citizen_list_bench


def test_a_small_run_prints_every_case_as_json(capsys):
    assert citizen_list_bench.main(["--citizens", "130", "--repeats", "1"]) == 0
    out = capsys.readouterr().out
    result = json.loads(out.strip().splitlines()[-1])
    assert result["database"] == "sqlite" and result["citizens"] == 130
    assert {name: case["total"] for name, case in result["list"].items()} == {
        "first": 130, "middle": 130, "last": 130, "search": result["list"]["search"]["total"], "mine": 65,
        "team": 130}
    assert result["list"]["first"]["rows"] == 50 and result["list"]["last"]["rows"] == 30
    assert 0 < result["list"]["search"]["total"] < 130
    assert set(result["page_statement_by_order_ms"]["first"]) == {
        "danish_key", "danish_key_as_parameters", "plain_name", "stored_key_indexed"}
    assert set(result["plans"]) == {"first", "middle", "mine", "team"}
    assert "ix_citizen_name_danish" in " ".join(result["plans"]["first"])  # the migrated index serves page 1
