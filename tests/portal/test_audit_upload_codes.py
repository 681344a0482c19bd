"""Every reason a CV upload can be refused for reads in Danish in the access log.

A refused upload is logged as ``upload_rejected`` with the purpose "cv:<code>" (portal.citizens.routes_cv,
portal.api.citizens), the code of :class:`cvtext.extract.ExtractionError`. The browser review found
»Upload afvist – CV empty« and »CV bad_type«: only three codes had a phrase. The codes are read from
the source here (the Danish message table, every ``ExtractionError(...)`` and the child parser's
``_fail(...)``), so a new code without a phrase in ``audit_labels.UPLOAD_REJECTIONS`` fails.
"""
from __future__ import annotations

import ast
from pathlib import Path

from cvtext import extract
from portal.admin.audit_labels import UPLOAD_REJECTIONS, purpose_label

ROOT = Path(__file__).resolve().parents[2]
# The server's own fault, raised as a RuntimeError and never logged as a refused upload.
NOT_REFUSALS = {"worker_error"}


def _strings(node: ast.AST) -> set[str]:
    """The texts an assigned code can be: a literal, either side of ``a if test else b``."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return {node.value}
    if isinstance(node, ast.IfExp):
        return _strings(node.body) | _strings(node.orelse)
    raise AssertionError(f"line {node.lineno}: a code this test cannot read ({ast.unparse(node)})")


def _codes_in(path: Path) -> set[str]:
    """The codes given to ``ExtractionError(code, ...)`` or ``_fail(code, ...)`` in ``path``: a literal,
    or a variable followed to the texts assigned to it in the same function."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    codes: set[str] = set()
    for function in [tree, *(n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef)))]:
        for call in ast.walk(function):
            if not (isinstance(call, ast.Call) and call.args
                    and getattr(call.func, "id", getattr(call.func, "attr", None)) in ("ExtractionError", "_fail")):
                continue
            first = call.args[0]
            if isinstance(first, ast.Constant):
                codes.add(first.value)
            elif isinstance(first, ast.Name) and function is not tree:
                assigned = [node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
                            and any(isinstance(t, ast.Name) and t.id == first.id for t in node.targets)]
                params = [a.arg for a in function.args.args]
                # A parameter (``_fail(code, ...)`` itself) or a value read from the child's answer
                # (``result["code"]``): those are the child's _fail codes, read from its source.
                assert assigned or first.id in params, f"{path}:{call.lineno}: code {first.id} not followed"
                for value in assigned:
                    if not isinstance(value, ast.Subscript):
                        codes |= _strings(value)
    return codes


def refusal_codes() -> set[str]:
    sources = [ROOT / "cvtext" / "extract.py", ROOT / "cvtext" / "_worker.py",
               *(path for path in (ROOT / "portal").rglob("*.py") if "ExtractionError(" in path.read_text("utf-8"))]
    codes = set().union(*(_codes_in(path) for path in sources))
    codes |= {key.partition(".")[0] for key in extract._MESSAGES_DA}  # the message table's codes
    return codes - NOT_REFUSALS


def test_the_codes_are_read_from_the_source():
    codes = refusal_codes()
    # from extract.py, the worker, the message table and the request-size refusal (routes_cv)
    assert {"empty", "bad_type", "type_mismatch", "macro", "too_many_pages", "nul", "too_large",
            "legacy_doc", "no_text", "too_little_text", "encrypted", "truncated", "corrupt"} <= codes
    assert "worker_error" not in codes


def test_every_refusal_code_has_a_danish_phrase():
    missing = sorted(code for code in refusal_codes() if code not in UPLOAD_REJECTIONS)
    assert not missing, f"add a Danish phrase to audit_labels.UPLOAD_REJECTIONS for: {missing}"
    for code in refusal_codes():
        shown = purpose_label("upload_rejected", f"cv:{code}")
        assert shown == f"CV {UPLOAD_REJECTIONS[code]}" and code not in shown


def test_the_reviews_codes_read_in_danish():
    assert purpose_label("upload_rejected", "cv:empty") == "CV filen er tom"
    assert purpose_label("upload_rejected", "cv:bad_type") == "CV filtypen understøttes ikke"
    assert purpose_label("upload_rejected", "cv:corrupt") == "CV filen er beskadiget"
