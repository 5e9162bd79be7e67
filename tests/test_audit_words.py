"""Every audit action and data key the code writes is put into words, in every language.

The codes and keys are read from the code itself (every call of an audit writer in
campaigns/ and portal/), so that a new action or key without a label fails here, and
every label is looked up in the compiled catalogues of zh-Hans and Tibetan.
"""

import ast
import datetime as dt
import gettext
import itertools
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

from campaigns.models import AuditEntry
from campaigns.selectors.audit import (
    ACTION_LABELS,
    ADMIN_ACTION_LABELS,
    BOOLEAN_WORDS,
    DATA_LABELS,
)
from campaigns.selectors.materials import HISTORY_LABELS as EDITION_HISTORY_LABELS
from campaigns.services.retention import retention_purge

WRITERS = {"audit_record", "audit_record_each", "audit_record_bulk", "audit_record_unmatched"}
COMPUTED = "*"  # a part of an action code the code computes at run time
# Codes with computed parts, and where the codes they make are checked.
PATTERNS = {
    # portal/admin_site.py: action_label names them by their last part.
    "admin.*.added",
    "admin.*.changed",
    "admin.*.deleted",
    # campaigns/services/retention.py: the purged model's label;
    # test_every_retention_purge_writes_a_named_action runs them.
    "*.*.purged",
}


class Unreadable(Exception):
    """An expression the reader cannot follow back to literals."""


@dataclass
class Written:
    codes: set[str] = field(default_factory=set)
    keys: set[str] = field(default_factory=set)
    unreadable: list[str] = field(default_factory=list)


class _Module:
    """One source file, with what it takes to follow a name back to its values."""

    def __init__(self, path: Path):
        self.path = path
        self.tree = ast.parse(path.read_text(encoding="utf-8"))
        self.parents = {
            child: parent
            for parent in ast.walk(self.tree)
            for child in ast.iter_child_nodes(parent)
        }

    def where(self, node) -> str:
        return f"{self.path.relative_to(settings.BASE_DIR)}:{node.lineno}"

    def function_of(self, node) -> ast.FunctionDef | None:
        while node in self.parents:
            node = self.parents[node]
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                return node
        return None

    def values_of(self, name: ast.Name) -> list[ast.expr]:
        """The expressions ``name`` may hold: its assignments and loop values in its
        function, or, for a parameter, the arguments its callers in this file pass."""
        function = self.function_of(name)
        if function is None:
            raise Unreadable(f"{name.id} outside a function")
        values = []
        for node in ast.walk(function):
            if isinstance(node, ast.Assign):
                values += [node.value for t in node.targets if _is(t, name.id)]
            elif isinstance(node, ast.For):
                values += _loop_values(node, name.id)
        arguments = function.args
        parameters = [a.arg for a in arguments.posonlyargs + arguments.args]
        if name.id in parameters or name.id in [a.arg for a in arguments.kwonlyargs]:
            values += self._arguments(function, name.id, parameters)
        if not values:
            raise Unreadable(f"where {name.id} comes from")
        return values

    def _arguments(self, function, parameter: str, parameters: list[str]) -> list[ast.expr]:
        passed = []
        for call in ast.walk(self.tree):
            if not isinstance(call, ast.Call):
                continue
            callee = call.func
            if isinstance(callee, ast.Attribute) and callee.attr == function.name:
                method = parameters[:1] in (["self"], ["cls"])
                positions = parameters[1:] if method else parameters
            elif isinstance(callee, ast.Name) and callee.id == function.name:
                positions = parameters
            else:
                continue
            passed += [k.value for k in call.keywords if k.arg == parameter]
            if parameter in positions and positions.index(parameter) < len(call.args):
                passed.append(call.args[positions.index(parameter)])
        return passed

    def subscript_keys(self, name: ast.Name) -> set[str]:
        """Keys set one by one on ``name`` in its function: ``data["slowed"] = True``."""
        keys = set()
        for node in ast.walk(self.function_of(name)):
            if isinstance(node, ast.Assign):
                for target in node.targets:
                    if isinstance(target, ast.Subscript) and _is(target.value, name.id):
                        keys |= {_literal(target.slice)}
        return keys


def _is(node, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _literal(node) -> str:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    raise Unreadable(ast.unparse(node))


def _loop_values(loop: ast.For, name: str) -> list[ast.expr]:
    if not isinstance(loop.iter, ast.Tuple | ast.List):
        return []
    if _is(loop.target, name):
        return list(loop.iter.elts)
    if isinstance(loop.target, ast.Tuple):
        for position, target in enumerate(loop.target.elts):
            if _is(target, name):
                return [item.elts[position] for item in loop.iter.elts]
    return []


def _strings(module: _Module, node, depth: int = 0) -> set[str]:
    """The strings ``node`` may be, with COMPUTED for a part of an f-string it computes."""
    if depth > 5:
        raise Unreadable(ast.unparse(node))
    if isinstance(node, ast.Constant):
        return {_literal(node)}
    if isinstance(node, ast.Name):
        return set().union(*(_strings(module, v, depth + 1) for v in module.values_of(node)))
    if isinstance(node, ast.JoinedStr):
        parts = []
        for part in node.values:
            if isinstance(part, ast.Constant):
                parts.append({part.value})
                continue
            try:
                parts.append(_strings(module, part.value, depth + 1))
            except Unreadable:
                parts.append({COMPUTED})
        return {"".join(product) for product in itertools.product(*parts)}
    raise Unreadable(ast.unparse(node))


def _keys(module: _Module, node, depth: int = 0) -> set[str]:
    """The keys a dict-valued expression may have."""
    if depth > 5:
        raise Unreadable(ast.unparse(node))
    if isinstance(node, ast.Dict):
        keys = set()
        for key, value in zip(node.keys, node.values, strict=True):
            keys |= _keys(module, value, depth + 1) if key is None else {_literal(key)}
        return keys
    if isinstance(node, ast.IfExp):
        return _keys(module, node.body, depth + 1) | _keys(module, node.orelse, depth + 1)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
        return _keys(module, node.left, depth + 1) | _keys(module, node.right, depth + 1)
    if isinstance(node, ast.Constant) and node.value is None:
        return set()
    if isinstance(node, ast.Name):
        values = module.values_of(node)
        return set().union(*(_keys(module, v, depth + 1) for v in values)) | (
            module.subscript_keys(node)
        )
    raise Unreadable(ast.unparse(node))


def _writer(call: ast.Call) -> str | None:
    callee = call.func
    name = callee.attr if isinstance(callee, ast.Attribute) else getattr(callee, "id", None)
    return name if name in WRITERS else None


def written_by_the_code() -> Written:
    """Every action code and data key passed to an audit writer in campaigns/ and portal/."""
    written = Written()
    for folder in ("campaigns", "portal"):
        for path in sorted((Path(settings.BASE_DIR) / folder).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            module = _Module(path)
            for call in ast.walk(module.tree):
                if not isinstance(call, ast.Call) or (writer := _writer(call)) is None:
                    continue
                arguments = {k.arg: k.value for k in call.keywords}
                try:
                    written.codes |= _strings(module, arguments["action"])
                    data = arguments.get("data")
                    if writer == "audit_record_each" and data is not None:
                        # Each object's data, by its key.
                        if not isinstance(data, ast.DictComp):
                            raise Unreadable(ast.unparse(data))
                        data = data.value
                    if data is not None:
                        written.keys |= _keys(module, data)
                except (Unreadable, KeyError) as error:
                    written.unreadable.append(f"{module.where(call)}: {error}")
    return written


@pytest.fixture(scope="module")
def written():
    return written_by_the_code()


def test_every_audit_call_can_be_read_back_to_its_codes_and_keys(written):
    # A code or data that the reader cannot follow would escape the checks below: write
    # it as literals, or teach the reader.
    assert written.unreadable == []


def test_the_reader_follows_codes_and_keys_through_names_and_callers(written):
    # An imported event's history (a loop's value, a name joined with a literal), a notice
    # that reached nobody (its callers' parameters) and a failed sign-in (a key set later).
    assert {"campaigns.event.import_created", "campaigns.event.import_updated"} <= written.codes
    assert {"file", "campaign", "row"} <= written.keys
    assert {"title", "days", "note", "count", "occasion"} <= written.keys
    assert {"locked_out", "slowed"} <= written.keys


def test_every_action_code_the_code_writes_has_a_label(written):
    fixed = {code for code in written.codes if COMPUTED not in code}

    assert fixed - set(ACTION_LABELS) == set()


def test_action_codes_computed_at_run_time_are_the_known_kinds(written):
    computed = {code for code in written.codes if COMPUTED in code}

    assert computed == PATTERNS
    admin = {code.rsplit(".", 1)[-1] for code in computed if code.startswith("admin.")}
    assert admin == set(ADMIN_ACTION_LABELS)


@pytest.mark.django_db
def test_every_retention_purge_writes_a_named_action():
    retention_purge(now=dt.datetime(2025, 6, 1, tzinfo=dt.UTC))

    purged = set(AuditEntry.objects.values_list("action", flat=True))

    assert purged
    assert purged - set(ACTION_LABELS) == set()


def test_every_data_key_the_code_writes_has_a_label(written):
    assert written.keys - set(DATA_LABELS) == set()


def _labels() -> set[str]:
    """Every label of an audit entry, in English (the catalogues' message ids)."""
    tables = (ACTION_LABELS, ADMIN_ACTION_LABELS, DATA_LABELS, BOOLEAN_WORDS)
    with translation.override("en"):
        return {
            str(label) for table in (*tables, EDITION_HISTORY_LABELS) for label in table.values()
        }


@pytest.mark.parametrize("language", ["zh_Hans", "bo"])
def test_every_audit_label_is_translated(language):
    # Read the compiled catalogue itself: Django's translation would fall back to Chinese
    # for a Tibetan text missing, and hide it.
    path = Path(settings.BASE_DIR) / "locale" / language / "LC_MESSAGES" / "django.mo"
    with path.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    untranslated = sorted(label for label in _labels() if catalogue.gettext(label) == label)

    assert untranslated == []
