"""Every purpose the portal writes into the audit log reads in Danish in the log's viewer.

The purposes are codes ("company: hours export forloeb:105", "filter none page:1"); the viewer
shows them through :func:`portal.admin.audit_labels.purpose_label`. A code added without its
Danish phrase was shown half in English (review: »company: hours export forløb 105«). This test
reads the code: every audit call (``audit.record`` / ``record_now`` / ``record_in`` /
``record_many_now``, and the ``{"action": ..., "purpose": ...}`` rows) and what its purpose can
be (literals, f-strings with a sample for each value, a variable followed to its assignments or,
for a parameter, to the module's calls of the function), and fails when a word of the code's
own text is still shown as written. What the code cannot see (a value from another module, a
text typed by a person) is listed in :data:`NOT_FROM_THE_CODE`, so a new one fails until
looked at.
"""
from __future__ import annotations

import ast
import itertools
import re
from pathlib import Path

from portal.admin.audit_labels import ACTION_LABELS, FREE_TEXT_ACTIONS, action_label, purpose_label

ROOT = Path(__file__).resolve().parents[2]
CALLS = {"record", "record_now", "record_in", "record_many_now"}
# Code words that are Danish (or the same in Danish) as written.
DANISH_AS_WRITTEN = {"status", "team", "webhook", "mail", "matching", "id", "session", "fra", "til", "borgere",
                     "virksomheder", "henvendelser", "ja", "nej", "vk", "api", "cv", "filter", "gemt",
                     "aktiv", "ny"}  # a placement's state before its end, an hours month logged anew
# Where a purpose comes from outside what this test can follow (function → why).
NOT_FROM_THE_CODE = {
    "portal/audit.py": "the writer itself",
    "portal/api/guard.py:_before": "the API route (method and path)",
    "portal/admin/rules.py:_show_or_save": "written in Danish by portal.eligibility.save_table",
    "portal/citizens/case.py:_case_changed": "a closing reason, or a note typed by a person (FREE_TEXT_ACTIONS)",
    "portal/citizens/routes_cv.py:_limitations_page": "portal.citizens.need_to_know's purposes, typed in part",
    "portal/admin/citizen_access.py:_log": "the art. 15 request's reference, typed (read_limitations: FREE_TEXT_ACTIONS)",
    "portal/citizens/routes_cv.py:assign": "need_to_know.glass_purpose: typed by a person (FREE_TEXT_ACTIONS)",
    "portal/privacy/erasure.py:erase_citizen": "typed by a person (FREE_TEXT_ACTIONS)",
}
SAMPLE = "7"
MODULES: dict[Path, Module] = {}


def _spec(node: ast.FormattedValue) -> str:
    if node.format_spec is None:
        return ""
    return "".join(p.value for p in node.format_spec.values if isinstance(p, ast.Constant))


def _called(call: ast.Call) -> str | None:
    return getattr(call.func, "id", getattr(call.func, "attr", None))


class Module:
    """One module's functions, so that a parameter can be followed to the calls that fill it
    (a public function's in every module) and a call to the function's returns."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.functions = {node.name: node for node in ast.walk(self.tree)
                          if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))}
        self.parents = {child: parent for parent in ast.walk(self.tree) for child in ast.iter_child_nodes(parent)}

    def calls_of(self, name: str) -> list[tuple[Module, ast.Call]]:
        here = [(self, node) for node in ast.walk(self.tree) if isinstance(node, ast.Call) and _called(node) == name]
        if here or name.startswith("_"):
            return here
        return [(module, node) for module in MODULES.values() if module is not self
                for node in ast.walk(module.tree) if isinstance(node, ast.Call) and _called(node) == name]

    def returns_of(self, call: ast.Call, depth: int) -> list[str] | None:
        name = _called(call)
        owners = [self] if name in self.functions else [m for m in MODULES.values() if name in m.functions]
        if len(owners) != 1 or name is None or name.startswith("_") and owners[0] is not self:
            return None
        module = owners[0]
        found = [module.samples(node.value, depth + 1) for node in ast.walk(module.functions[name])
                 if isinstance(node, ast.Return) and node.value is not None]
        return None if not found or any(f is None for f in found) else [s for f in found for s in f]

    def function_of(self, node: ast.AST) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                return node
        return None

    def samples(self, expr: ast.AST, depth: int = 0) -> list[str] | None:
        """The texts ``expr`` can be (a sample for each value the code does not fix); None: unknown."""
        if depth > 4:
            return None
        if isinstance(expr, ast.Constant):
            return [expr.value] if isinstance(expr.value, str) else [SAMPLE]
        if isinstance(expr, ast.JoinedStr):
            parts = []
            for part in expr.values:
                if isinstance(part, ast.Constant):
                    parts.append([part.value])
                else:
                    spec = _spec(part)
                    inner = self.samples(part.value, depth + 1) if not spec else None
                    parts.append(inner or ["2026-10-31" if "%d" in spec else "2026-10" if "%m" in spec else SAMPLE])
            return ["".join(p) for p in itertools.product(*parts)]
        if isinstance(expr, ast.IfExp):
            body, orelse = self.samples(expr.body, depth + 1), self.samples(expr.orelse, depth + 1)
            return None if body is None or orelse is None else body + orelse
        if isinstance(expr, ast.BoolOp):
            found = [self.samples(value, depth + 1) for value in expr.values]
            return None if any(f is None for f in found) else [s for f in found for s in f]
        if isinstance(expr, ast.BinOp) and isinstance(expr.op, ast.Add):
            left, right = self.samples(expr.left, depth + 1), self.samples(expr.right, depth + 1)
            return None if left is None or right is None else [a + b for a in left for b in right]
        if isinstance(expr, ast.Subscript):
            return self.samples(expr.value, depth + 1)
        if isinstance(expr, ast.Call) and isinstance(expr.func, ast.Attribute):
            if expr.func.attr == "strip":
                found = self.samples(expr.func.value, depth + 1)
                return None if found is None else [s.strip() for s in found]
            if expr.func.attr == "isoformat":
                return ["2026-10-31"]
            if expr.func.attr == "join":
                return [SAMPLE]
        if isinstance(expr, ast.Call):
            return self.returns_of(expr, depth)
        if isinstance(expr, ast.Name):
            return self._name(expr, depth)
        if isinstance(expr, ast.Attribute):
            return [SAMPLE]  # a value (an id, a status, a file's kind), not the code's own words
        return None

    def _name(self, name: ast.Name, depth: int) -> list[str] | None:
        function = self.function_of(name)
        if function is None:
            return None
        assigned = [node.value for node in ast.walk(function) if isinstance(node, ast.Assign)
                    and any(isinstance(t, ast.Name) and t.id == name.id for t in node.targets)]
        if assigned:
            found = [self.samples(value, depth + 1) for value in assigned]
            return None if any(f is None for f in found) else [s for f in found for s in f]
        params = [a.arg for a in function.args.args]
        if name.id not in params:
            return None
        index = params.index(name.id)
        given = []
        for caller, call in self.calls_of(function.name):
            keyword = [k.value for k in call.keywords if k.arg == name.id]
            offset = 1 if params and params[0] in ("self", "cls") else 0
            argument = keyword[0] if keyword else (call.args[index - offset] if len(call.args) > index - offset
                                                    else None)
            default = function.args.defaults
            if argument is None and default:
                argument = default[-1]
            if argument is not None:
                given.append(caller.samples(argument, depth + 1))
        if not given or any(g is None for g in given):
            return None
        return [s for g in given for s in g]


def audit_purposes() -> tuple[list[tuple[str, str, str]], set[str]]:
    """(place, action, purpose) for every purpose the code writes, and the places it cannot follow."""
    found, unknown = [], set()
    for path, module in MODULES.items():
        where = str(path.relative_to(ROOT))
        for node in ast.walk(module.tree):
            pairs = []
            if isinstance(node, ast.Call) and getattr(node.func, "attr", getattr(node.func, "id", None)) in CALLS:
                action = next((a for a in node.args if isinstance(a, (ast.Constant, ast.Name))), None)
                pairs += [(action, k.value) for k in node.keywords if k.arg == "purpose"]
            if isinstance(node, ast.Dict):
                keys = {k.value: v for k, v in zip(node.keys, node.values) if isinstance(k, ast.Constant)}
                if "action" in keys and "purpose" in keys:
                    pairs.append((keys["action"], keys["purpose"]))
            for action_node, expr in pairs:
                function = module.function_of(node)
                place = f"{where}:{function.name if function else ''}"
                actions = (module.samples(action_node) if action_node is not None else None) or ["?"]
                samples = module.samples(expr)
                if samples is None:
                    unknown.add(place)
                    continue
                found += [(f"{place} line {expr.lineno}", action, sample)
                          for action in actions for sample in samples]
    return found, unknown


def untranslated(action: str, purpose: str) -> list[str]:
    """The words of ``purpose``'s code text that its Danish label still shows as written."""
    if action in FREE_TEXT_ACTIONS:
        return []
    shown = set(re.split(r"[\s:,/()»«]+", purpose_label(action, purpose)))
    words = set(re.findall(r"[A-Za-z][A-Za-z_.-]*[A-Za-z]", purpose))
    return sorted(w for w in words & shown if w.lower() not in DANISH_AS_WRITTEN and w not in ACTION_LABELS)


MODULES.update({path: Module(path) for path in sorted((ROOT / "portal").rglob("*.py"))})
FOUND, UNKNOWN = audit_purposes()


def test_the_purposes_are_found():
    places = {place.split(" line")[0] for place, _a, _p in FOUND}
    assert len(places) > 60
    assert any(p == "company: 7 forloeb:7" or p.startswith("company: hours export") for _pl, _a, p in FOUND)


def test_every_purpose_the_code_writes_reads_in_danish():
    english = [f"{place} [{action}] {purpose!r} → {purpose_label(action, purpose)!r}: {words}"
               for place, action, purpose in FOUND if (words := untranslated(action, purpose))]
    assert english == []


def test_every_purpose_the_code_cannot_follow_is_known():
    known = {place for place in UNKNOWN if place in NOT_FROM_THE_CODE or place.split(":")[0] in NOT_FROM_THE_CODE}
    assert sorted(UNKNOWN - known) == []


def test_the_review_findings_read_in_danish():
    assert purpose_label("identity_viewed", "company: hours export forloeb:105") == (
        "timer hentet af virksomheden: forløb 105")
    assert purpose_label("identity_viewed", "company: placement page forloeb:175") == "virksomhedens side for forløb 175"
    assert purpose_label("export_hours", "company:1 2026-10 xlsx rows:15") == (
        "virksomhed 1 oktober 2026 Excel-fil 15 rækker")
    assert purpose_label("audit_log_viewed", "filter none page:1") == "uden filter side 1"
    assert purpose_label("audit_log_viewed", "filter handling:login fra:2026-01-01") == (
        "filter: handling »Logget ind« fra 01.01.2026")
    assert purpose_label("read_goal_list", "fokus:all:2026-10-31") == "fokus · alle · 31.10.2026"


def test_the_purposes_built_from_parts_read_in_danish():
    from portal.citizens.need_to_know import direct_purpose
    from portal.citizens.recipients import recipients_purpose

    assert purpose_label("erasure_recipients_told", recipients_purpose({3, 7}, {9})) == (
        "virksomheder underrettet: 3, 7; ingen aktiv bruger hos: 9")
    assert purpose_label("erasure_recipients_told", recipients_purpose(set(), set())) == "ingen virksomhed havde navnet"
    assert purpose_label("read_limitations", direct_purpose("adviser")) == "arbejdsbetinget behov som rådgiver"
    assert purpose_label("read_limitations", "break-glass: klage fra borgeren") == "nødadgang: klage fra borgeren"
    assert purpose_label("case_reopened", "reason: fejl i afslutningen") == "årsag: fejl i afslutningen"


def test_the_check_finds_an_english_word_left():
    assert untranslated("x", "company: placements report forloeb:7") != []
    assert untranslated("x", "hotline:7 user:7 answered") == []


def test_an_api_keys_scope_and_the_hours_read_in_danish():
    """Review AH 7: »adgang write« / »adgang læst« and »12.00->15.00« / »ny->10.00«; the stored
    purposes stay the codes (the CSV keeps them), only the viewer translates."""
    assert purpose_label("api_token_created", "token:1 scope:write") == "nøgle 1 adgang »Læse og skrive«"
    assert purpose_label("api_token_created", "token:1 scope:read") == "nøgle 1 adgang »Læse«"
    assert purpose_label("hours_updated", "forloeb:105 2026-11 12.00->15.00") == (
        "forløb 105 november 2026 fra 12,00 til 15,00 timer")
    assert purpose_label("hours_logged", "forloeb:105 2026-11 ny->10.00") == "forløb 105 november 2026 ny: 10,00 timer"
    assert purpose_label("hours_updated", "forloeb:105 2026-11 1250.50->7.25") == (
        "forløb 105 november 2026 fra 1.250,50 til 7,25 timer")


def test_a_change_reads_as_from_and_to():
    assert purpose_label("placement_ended", "forloeb:5 aktiv->2026-11-20/ordinaert_job") == (
        "forløb 5 fra »aktiv« til »20.11.2026, ordinært job«")
    assert purpose_label("placement_end_corrected", "forloeb:5 2026-11-20/ordinaert_job->2026-11-10/uddannelse") == (
        "forløb 5 fra »20.11.2026, ordinært job« til »10.11.2026, uddannelse«")
    assert purpose_label("placement_ended", "forloeb:5 aktiv->2026-12-01/aflyst") == (
        "forløb 5 fra »aktiv« til »01.12.2026, aflyst før start«")
    assert purpose_label("company_saved", "company:7 changed:consultant_id vk:-->5").endswith("VK fra »ingen« til »5«")


def test_profile_fields_and_mail_kinds_read_in_danish():
    """Review AW 4: »phone,email« and »mail 3 slags candidate_data bruger 46« were shown as codes."""
    from portal.citizens.service import PROFILE_FIELDS
    from portal.notifications.service import NOTIFICATION_KINDS

    assert purpose_label("citizen_profile_updated", "phone,email") == "telefon, e-mail"
    assert purpose_label("citizen_profile_updated", ",".join(PROFILE_FIELDS)) == (
        "navn, telefon, e-mail, ydelsesgruppe, timer pr. uge, postnummer, pendlingsafstand, kørekort, sprog, "
        "parathed, sagsstart, seneste virksomhedsrettede forløb uden for Jobbro")
    assert purpose_label("mail_sent", "mail:3 kind:candidate_data user:46") == (
        "mail 3 slags kandidatens oplysninger bruger 46")
    for kind in NOTIFICATION_KINDS:
        assert kind not in purpose_label("mail_sent", f"mail:3 kind:{kind} user:46"), kind



def test_account_mail_reasons_read_in_danish():
    """Review AY 4: the reason reaches the audit call as a variable (»bruger 51 welcome«): every
    literal reason passed to portal.auth.mails.deliver / deliver_later reads in Danish."""
    reasons = set()
    for path in (ROOT / "portal").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                    and node.func.attr in {"deliver", "deliver_later"} and len(node.args) == 3
                    and isinstance(node.args[2], ast.Constant)):
                reasons.add(node.args[2].value)
    assert {"welcome", "new_link", "forgot"} <= reasons
    for reason in reasons:
        label = purpose_label("account_mail", f"user:51 {reason}")
        assert reason not in label and label.startswith("bruger 51 "), label


def test_a_goal_list_whose_figure_is_also_a_key_reads_in_danish():
    """Review BI 2: »CV all:2026-02-28« and »virksomheder all:2026-01-31«: the figures ``cv`` and
    ``virksomheder`` are keys too, and their goal lists came out half English with ISO dates."""
    assert purpose_label("read_goal_list", "cv:all:2026-02-28") == "CV · alle · 28.02.2026"
    assert purpose_label("read_goal_list", "virksomheder:all:2026-01-31") == "virksomheder · alle · 31.01.2026"
    assert purpose_label("export_figure_list", "virksomheder:mine:2026-01-31:4") == (
        "virksomheder · mine · 31.01.2026 · 4")


def test_blanked_hotline_requests_read_as_emptied():
    """Review BI 3: »blanket« is a noun in Danish (a form)."""
    assert action_label("erasure_hotline_blanked") == "Hotline-henvendelser uden forløb, der nævnte borgeren, tømt"


def test_each_page_a_company_sees_a_name_on_reads_as_that_page():
    """Browser review: a name on the start page was logged as »virksomhedens side for forløb 46«.
    Each page has its own phrase; a row from before the page was named says it may be either."""
    from portal.placements.service import COMPANY_PAGES

    labels = {page: purpose_label("identity_viewed", f"{page} forloeb:46") for page in COMPANY_PAGES}
    assert labels["company: start page"] == "virksomhedens forside: forløb 46"
    assert labels["company: month hours page"] == "virksomhedens side med månedens timer: forløb 46"
    assert labels["company: hotline form"] == "virksomhedens formular til en ny henvendelse: forløb 46"
    assert labels["company: placement page"] == "virksomhedens side for forløb 46"
    assert len(set(labels.values())) == len(COMPANY_PAGES)
    assert all(untranslated("identity_viewed", f"{page} forloeb:46") == [] for page in COMPANY_PAGES)
    assert purpose_label("identity_viewed", "company: placement forloeb:46") == (
        "virksomhedens side for eller liste med forløb 46")
