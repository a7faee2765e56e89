"""Imports go one way: views and cli -> services -> models. No Qt below the views, no
database in the views."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


def imported_modules(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def files(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (APP / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", files("models", "services", "printing"), ids=str)
def test_no_qt_below_the_views(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.split(".")[0] == "PySide6"}


@pytest.mark.parametrize("path", files("models"), ids=str)
def test_models_do_not_know_the_services(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith(("app.services", "app.cli"))}
    assert not bad


@pytest.mark.parametrize("path", files("views"), ids=str)
def test_views_do_not_touch_the_database(path: Path) -> None:
    bad = {
        m
        for m in imported_modules(path)
        if m.split(".")[0] in ("sqlalchemy", "alembic") or m.startswith("app.models")
    }
    assert not bad


def test_cli_goes_through_the_services() -> None:
    bad = {
        m
        for m in imported_modules(APP / "cli.py")
        if m.split(".")[0] in ("sqlalchemy", "alembic")
        or (m.startswith("app.models.") and m != "app.models.quantity")
    }
    assert not bad
