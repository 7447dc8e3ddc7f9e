"""Imports only point down the layers of docs/architecture.md: each rule below reads every
module of facilitator/ with ast, so a new upward import fails here, naming the line."""

from __future__ import annotations

import ast
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "facilitator"
#: Frameworks that belong to the request, the forms or the database, never to pure rules.
FRAMEWORKS = ("flask", "flask_wtf", "werkzeug", "wtforms", "sqlalchemy")
#: What services may not know: the request, forms and the entry points above them.
ABOVE_SERVICES = ("flask", "flask_wtf", "wtforms", "facilitator.views", "facilitator.forms",
                  "facilitator.handouts")
#: What deals with forms.
FORMS = ("flask_wtf", "wtforms", "facilitator.forms")
#: The one module that may import the package's __init__: it runs the app create_app()
#: makes, so it sits above it.
RUNS_THE_APP = "facilitator.serve"


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def is_module(name: str) -> bool:
    path = PACKAGE.parent.joinpath(*name.split("."))
    return path.with_suffix(".py").is_file() or (path / "__init__.py").is_file()


@cache
def tree(path: Path) -> ast.Module:
    """A module's syntax tree, read once for every check here."""
    return ast.parse(path.read_text(), str(path))


def imports(path: Path) -> Iterator[tuple[int, str]]:
    """Each module a file imports, with its line: `from facilitator import db` imports
    facilitator.db, while `from facilitator import csrf` imports facilitator itself."""
    for node in ast.walk(tree(path)):
        if isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module:
            for alias in node.names:
                name = f"{node.module}.{alias.name}"
                yield node.lineno, name if is_module(name) else node.module


def within(name: str, *prefixes: str) -> bool:
    return any(name == p or name.startswith(p + ".") for p in prefixes)


def blueprint(name: str) -> str | None:
    """The blueprint a module under views/ belongs to (views/manage/* is one); None for
    views/__init__.py, the helpers every blueprint shares, and for modules elsewhere."""
    parts = name.split(".")
    return parts[2] if parts[:2] == ["facilitator", "views"] and len(parts) > 2 else None


def upward(importer: str, imported: str) -> str | None:
    """Why this import points up the layers; None when it does not."""
    if imported == "facilitator" and importer not in ("facilitator", RUNS_THE_APP):
        return "imports the package __init__ (put what it needs in a module of its own)"
    if within(importer, "facilitator.domain") and (
            within(imported, *FRAMEWORKS) or within(imported, "facilitator")
            and not within(imported, "facilitator.domain", "facilitator.clock")):
        return "pure rules import only domain/ and clock"
    if within(importer, "facilitator.services") and within(imported, *ABOVE_SERVICES):
        return "services know neither the request, forms nor views"
    if importer == "facilitator.forms" and within(imported, "facilitator.services",
                                                  "facilitator.models"):
        return "forms take their rules and choices from domain/, not from services or tables"
    if importer == "facilitator.models" and within(imported, *FORMS):
        return "tables know no forms"
    mine, theirs = blueprint(importer), blueprint(imported)
    if mine and theirs and mine != theirs:
        return "one blueprint uses another's module (share it in views/__init__.py)"
    return None


def upward_imports() -> list[str]:
    found = []
    for path in sorted(PACKAGE.rglob("*.py")):
        importer = module_name(path)
        for line, imported in imports(path):
            if (why := upward(importer, imported)) is not None:
                found.append(f"{path.relative_to(PACKAGE.parent)}:{line} {imported}: {why}")
    return found


def test_no_module_imports_upward():
    assert upward_imports() == []


def defined_names(path: Path) -> set[str]:
    """The names a module defines at its top level (not those it imports)."""
    names = set()
    for node in tree(path).body:
        if isinstance(node, ast.ClassDef | ast.FunctionDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign | ast.AnnAssign):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names.update(t.id for t in targets if isinstance(t, ast.Name))
    return names


def test_no_module_imports_a_name_through_models():
    """A stored choice (domain/choices.py, domain/meeting.py) is imported from domain/,
    its one place, never through models.py, which imports it for its columns."""
    own = defined_names(PACKAGE / "models.py")
    found = [f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {alias.name}"
             for path in sorted(PACKAGE.rglob("*.py"))
             for node in ast.walk(tree(path))
             if isinstance(node, ast.ImportFrom) and node.module == "facilitator.models"
             for alias in node.names if alias.name not in own]
    assert found == []


@pytest.mark.parametrize(("importer", "imported"), [
    ("facilitator.views.checkin", "facilitator"),
    ("facilitator.migrate", "facilitator"),
    ("facilitator.domain.counts", "facilitator.models"),
    ("facilitator.domain.text", "flask"),
    ("facilitator.domain.listing", "sqlalchemy.orm"),
    ("facilitator.services.meetings", "facilitator.forms"),
    ("facilitator.services.directory", "flask"),
    ("facilitator.services.feeds", "facilitator.views.public"),
    ("facilitator.forms", "facilitator.services.meetings"),
    ("facilitator.forms", "facilitator.models"),
    ("facilitator.models", "facilitator.forms"),
    ("facilitator.models", "wtforms"),
    ("facilitator.views.audit", "facilitator.views.manage.headcounts"),
    ("facilitator.views.manage.handouts", "facilitator.views.handouts"),
    ("facilitator.views.admin", "facilitator.views.auth"),
])
def test_an_upward_import_is_caught(importer, imported):
    assert upward(importer, imported) is not None


@pytest.mark.parametrize(("importer", "imported"), [
    ("facilitator", "facilitator.views.admin"),
    ("facilitator.serve", "facilitator"),
    ("facilitator.domain.meeting_guide_write", "facilitator.domain.meeting_guide_read"),
    ("facilitator.domain.counts", "facilitator.clock"),
    ("facilitator.services.meetings", "facilitator.domain.meeting"),
    ("facilitator.forms", "facilitator.domain.choices"),
    ("facilitator.models", "facilitator.domain.choices"),
    ("facilitator.views.manage.headcounts", "facilitator.views.manage.meetings"),
    ("facilitator.views.audit", "facilitator.views"),
    ("facilitator.views.audit", "facilitator.handouts"),
])
def test_a_downward_import_passes(importer, imported):
    assert upward(importer, imported) is None
