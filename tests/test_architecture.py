"""Imports go one way: views and cli -> services -> models. No Qt below the views, no
database in the views, no import cycle among the services, and database rows are read by
name, never by position."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

APP = Path(__file__).resolve().parent.parent / "app"


def module_name(path: Path) -> str:
    parts = path.relative_to(APP.parent).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def imported_modules(path: Path, *, runtime_only: bool = False) -> set[str]:
    """Every module a file imports (`from a.b import c` counts as a.b.c when c is a module);
    with `runtime_only`, imports under `if TYPE_CHECKING:` are left out. Imports inside
    functions count: a cycle hidden in a function is still a cycle."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    skipped: set[int] = set()
    if runtime_only:
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and _is_type_checking(node):
                skipped.update(id(n) for n in ast.walk(node))
    found: set[str] = set()
    for node in ast.walk(tree):
        if id(node) in skipped:
            continue
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
            for alias in node.names:
                candidate = f"{node.module}.{alias.name}"
                if _module_path(candidate) is not None:
                    found.add(candidate)
    return found


def _module_path(name: str) -> Path | None:
    if not name.startswith("app."):
        return None
    base = APP.parent.joinpath(*name.split("."))
    for path in (base.with_suffix(".py"), base / "__init__.py"):
        if path.is_file():
            return path
    return None


def files(*packages: str) -> list[Path]:
    return sorted(p for pkg in packages for p in (APP / pkg).rglob("*.py"))


@pytest.mark.parametrize("path", files("models", "services", "printing"), ids=str)
def test_no_qt_below_the_views(path: Path) -> None:
    assert not {m for m in imported_modules(path) if m.split(".")[0] == "PySide6"}


@pytest.mark.parametrize("path", files("models"), ids=str)
def test_models_do_not_know_the_services(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith(("app.services", "app.cli"))}
    assert not bad


@pytest.mark.parametrize("path", files("services", "printing"), ids=str)
def test_services_do_not_know_the_cli_or_the_views(path: Path) -> None:
    bad = {m for m in imported_modules(path) if m.startswith(("app.cli", "app.views"))}
    assert not bad


@pytest.mark.parametrize("path", files("views"), ids=str)
def test_views_do_not_touch_the_database(path: Path) -> None:
    bad = {
        m
        for m in imported_modules(path)
        if m.split(".")[0] in ("sqlalchemy", "alembic") or m.startswith("app.models")
    }
    assert not bad


@pytest.mark.parametrize("path", files("cli"), ids=str)
def test_cli_goes_through_the_services(path: Path) -> None:
    bad = {
        m
        for m in imported_modules(path)
        if m.split(".")[0] in ("sqlalchemy", "alembic")
        or (m.startswith("app.models.") and m != "app.models.quantity")
    }
    assert not bad


def import_graph(package: str) -> dict[str, set[str]]:
    """Which modules of one layer (`services`, `views`) each of its modules imports (at run
    time, imports inside functions included)."""
    prefix = f"app.{package}"
    graph: dict[str, set[str]] = {}
    for path in files(package):
        name = module_name(path)
        graph[name] = {
            m
            for m in imported_modules(path, runtime_only=True)
            if m.startswith(prefix) and _module_path(m) is not None and m != name
        }
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """A cycle through the graph (ignoring a package's imports of its own submodules, which
    Python resolves), or None."""

    def edges(node: str) -> list[str]:
        return sorted(
            m for m in graph.get(node, ()) if not (m.startswith(node + ".") and _is_package(node))
        )

    state: dict[str, int] = {}
    for start in sorted(graph):
        if state.get(start):
            continue
        path = [start]
        state[start] = 1
        stack = [iter(edges(start))]
        while stack:
            child = next(stack[-1], None)
            if child is None:
                stack.pop()
                state[path.pop()] = 2
                continue
            if state.get(child) == 1:
                return [*path[path.index(child) :], child]
            if not state.get(child):
                state[child] = 1
                path.append(child)
                stack.append(iter(edges(child)))
    return None


def _is_package(name: str) -> bool:
    path = _module_path(name)
    return path is not None and path.name == "__init__.py"


@pytest.mark.parametrize("package", ["services", "views"])
def test_no_import_cycle_within_a_layer(package: str) -> None:
    cycle = find_cycle(import_graph(package))
    assert cycle is None, " -> ".join(cycle or [])


def test_the_cycle_finder_finds_cycles() -> None:
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


ROW_NAMES = {"row", "r", "rec", "record"}


def positional_row_reads(path: Path) -> list[str]:
    """`row[0]`-style reads: a database row is read by column name."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = []
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Subscript)
            and isinstance(node.value, ast.Name)
            and node.value.id in ROW_NAMES
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, int)
        ):
            found.append(f"{path.name}:{node.lineno}: {ast.unparse(node)}")
    return found


@pytest.mark.parametrize("path", files("services", "cli", "views"), ids=str)
def test_rows_are_read_by_name(path: Path) -> None:
    assert positional_row_reads(path) == []


def test_the_row_rule_catches_positional_reads(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text("def f(row):\n    return row[3], row.sku, parts[0]\n", encoding="utf-8")
    assert positional_row_reads(sample) == ["sample.py:2: row[3]"]


def _import_every_service() -> None:
    import importlib
    import pkgutil

    import app.services

    for found in pkgutil.walk_packages(app.services.__path__, "app.services."):
        importlib.import_module(found.name)


def test_every_action_a_screen_offers_is_a_posting_that_states_its_permission() -> None:
    """Screens ask whether the user may run a posting by its name; the posting states its
    permission once. Every name a view asks about, and every action of every kind of
    document, is a posting."""
    from app.models.kinds import document_kinds
    from app.services.engine.uow import permission_of

    _import_every_service()
    asked = set()
    for path in files("views"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "may"
                and node.args
                and isinstance(node.args[0], ast.Constant)
            ):
                asked.add(node.args[0].value)
    for kind in document_kinds():
        if kind.lifecycle is not None:
            asked.update(kind.use_case(str(a.value)) for a in kind.lifecycle.action_from)
    assert asked
    for action in sorted(asked):
        permission_of(action)


@pytest.mark.parametrize("path", files("views"), ids=str)
def test_no_screen_keeps_its_own_map_of_permissions(path: Path) -> None:
    """Only the page list names a permission (who sees a page, in app/views/pages.py or a
    feature package's own `PAGES`); actions are asked of the postings."""
    if path.name in ("pages.py", "page_spec.py", "main_window.py", "runner.py"):
        return
    if path.name == "__init__.py" and "PAGES" in names_used(path):
        return
    assert "app.services.engine.permissions" not in imported_modules(path)


def names_used(path: Path) -> set[str]:
    """Every name a file imports or refers to (`ItemBin`, `models.ItemBin`)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Name):
            found.add(node.id)
        elif isinstance(node, ast.Attribute):
            found.add(node.attr)
        elif isinstance(node, ast.ImportFrom):
            found.update(alias.name for alias in node.names)
    return found


def test_bins_are_read_in_one_place() -> None:
    """Where items sit is read by app/services/shelf.py alone (the item service sets it), so
    every screen and document shows the same bins in the same walk order."""
    users = {
        p.relative_to(APP).as_posix()
        for p in files("services", "printing", "cli", "views")
        if "ItemBin" in names_used(p)
    }
    assert users == {"services/shelf.py", "services/catalog/items.py"}


def status_assignments(path: Path) -> list[str]:
    """`x.status = ...`: a status set by hand instead of through the status machine."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        targets = node.targets if isinstance(node, ast.Assign) else []
        if isinstance(node, ast.AugAssign | ast.AnnAssign):
            targets = [node.target]
        for target in targets:
            if isinstance(target, ast.Attribute) and target.attr == "status":
                found.append(f"{path.name}:{node.lineno}")
    return found


def test_every_status_changes_through_the_status_machine() -> None:
    """Only the status machine's `move_to` (app/models/lifecycle.py) sets a document's
    status; every kind of document, purchase orders and fulfillments included, goes
    through it."""
    found = [
        hit
        for path in files("services", "models")
        for hit in status_assignments(path)
        if path.name != "lifecycle.py"
    ]
    assert found == []
    sample = APP / "models" / "lifecycle.py"
    assert status_assignments(sample)  # the rule sees the one place that does it


def test_documents_are_written_through_the_books() -> None:
    """A document (any registered kind) is written by its book at commit; ORM `add` is left
    to the records that are not documents: items, BOMs, customers, vendors, users,
    preferences and reason codes."""
    adders = {
        p.relative_to(APP).as_posix()
        for p in files("services")
        if "session.add(" in p.read_text(encoding="utf-8")
    }
    assert adders <= {
        "services/admin.py",
        "services/catalog/boms.py",
        "services/catalog/items.py",
        "services/orders/partners.py",
        "services/reasons.py",
    }
