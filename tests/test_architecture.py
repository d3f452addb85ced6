"""The shape of the code base: layers, import cycles, where SQL runs, function size.

    api, jobs  →  services  →  storage  →  domain
    metergraph (the CLI, the demo, the server's start) may also import api and jobs

Each rule reads the source with ``ast``; nothing is imported. A failure lists
every offence with its file.
"""

from __future__ import annotations

import ast
import re
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
PACKAGES = ("api", "jobs", "metergraph", "services", "storage", "domain")
# Which top-level packages each package may import.
MAY_IMPORT: dict[str, set[str]] = {
    "domain": set(),
    "storage": {"domain"},
    "services": {"storage", "domain"},
    "api": {"services", "domain"},
    "jobs": {"services", "domain"},
    "metergraph": {"api", "jobs", "services", "domain"},
}
# Where SQL may be run: the repositories.
SQL_HOME = "storage"
# Where connections may be taken and transactions opened: services and storage.
CONNECTION_HOMES = {"services", "storage"}
MAX_FUNCTION_LINES = 60


def _sources(*tops: str) -> Iterator[Path]:
    for top in tops:
        yield from sorted((REPO / top).rglob("*.py"))


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _rel(path: Path) -> str:
    return path.relative_to(REPO).as_posix()


MODULES = {_module_name(path) for path in _sources(*PACKAGES)}


def _resolve(name: str) -> str | None:
    """The module file an import of ``name`` loads (the longest known prefix)."""
    parts = name.split(".")
    while parts:
        candidate = ".".join(parts)
        if candidate in MODULES:
            return candidate
        parts.pop()
    return None


def imported_modules(path: Path) -> list[tuple[int, str]]:
    """(line, absolute module name) of every import in ``path``."""
    tree = ast.parse(path.read_text(), filename=str(path))
    module = _module_name(path)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.extend((node.lineno, alias.name) for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: max(len(base) - (node.level - 1), 0)]
                target = ".".join(base + ([node.module] if node.module else []))
            else:
                target = node.module or ""
            found.append((node.lineno, target))
            # ``from api import app`` imports the module api.app.
            found.extend(
                (node.lineno, f"{target}.{alias.name}")
                for alias in node.names
                if f"{target}.{alias.name}" in MODULES
            )
    return found


def layer_breaks() -> Counter[str]:
    breaks: Counter[str] = Counter()
    for path in _sources(*PACKAGES):
        top = path.relative_to(REPO).parts[0]
        for _, name in imported_modules(path):
            target = name.split(".")[0]
            if target in PACKAGES and target != top and target not in MAY_IMPORT[top]:
                breaks[_rel(path)] += 1
    return breaks


def import_graph() -> dict[str, set[str]]:
    graph: dict[str, set[str]] = {module: set() for module in MODULES}
    for path in _sources(*PACKAGES):
        source = _module_name(path)
        for _, name in imported_modules(path):
            target = _resolve(name)
            if target is not None and target != source:
                graph[source].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[set[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[set[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for succ in sorted(graph[node]):
            if succ not in index:
                visit(succ)
                low[node] = min(low[node], low[succ])
            elif succ in on_stack:
                low[node] = min(low[node], index[succ])
        if low[node] == index[node]:
            component = set()
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.add(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(component)

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


_SQL_METHODS = {
    "fetch",
    "fetchrow",
    "fetchval",
    "executemany",
    "copy_records_to_table",
    "copy_to_table",
    "copy_from_table",
    "copy_from_query",
    "cursor",
    "prepare",
}
_CONNECTION_NAME = re.compile(r"(^|_)(conn|connection|con|db|tx|pool)$")
_SQL_TEXT = re.compile(
    r"^\s*(SELECT|INSERT|UPDATE|DELETE|WITH|CREATE|ALTER|DROP|COPY|LOCK|TRUNCATE)\s"
)


def _receiver(call: ast.Call) -> str:
    func = call.func
    assert isinstance(func, ast.Attribute)
    value = func.value
    if isinstance(value, ast.Name):
        return value.id
    if isinstance(value, ast.Attribute):
        return value.attr
    return ""


def sql_uses(path: Path) -> int:
    """Named queries, driver calls and SQL text in ``path``."""
    count = 0
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call):
            func = node.func
            if isinstance(func, ast.Name) and func.id == "q":
                count += 1
            elif isinstance(func, ast.Attribute) and (
                func.attr in _SQL_METHODS
                or (func.attr == "execute" and _CONNECTION_NAME.search(_receiver(node)))
            ):
                count += 1
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            count += bool(_SQL_TEXT.match(node.value))
    return count


def connection_uses(path: Path) -> int:
    """Connections taken or transactions opened in ``path``."""
    count = 0
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            count += node.func.attr in {"acquire", "transaction"}
    return count


def long_functions() -> dict[str, int]:
    found: dict[str, int] = {}
    for path in _sources(*PACKAGES, "bench"):
        for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
                lines = (node.end_lineno or node.lineno) - node.lineno + 1
                if lines > MAX_FUNCTION_LINES:
                    found[f"{_rel(path)}:{node.name}"] = lines
    return found


def _none(found: Counter[str] | dict[str, int], what: str) -> None:
    listed = "\n".join(f"{name}: {n}" for name, n in sorted(found.items()))
    assert not found, f"{what}:\n{listed}"


def test_each_layer_imports_only_the_layers_below_it() -> None:
    _none(layer_breaks(), "imports against the layers (file: how many)")


def test_the_domain_imports_nothing_but_itself() -> None:
    offences = [
        f"{_rel(path)}:{line}: imports {name}"
        for path in _sources("domain")
        for line, name in imported_modules(path)
        if name.split(".")[0] in PACKAGES and not name.startswith("domain")
    ]
    assert offences == [], "domain/ must stay free of I/O layers:\n" + "\n".join(offences)


def test_no_two_modules_import_each_other_even_through_others() -> None:
    found = [sorted(c) for c in cycles(import_graph())]
    assert found == [], "import cycles:\n" + "\n".join(" ↔ ".join(c) for c in found)


def test_no_top_level_package_imports_one_that_imports_it() -> None:
    graph: dict[str, set[str]] = {top: set() for top in PACKAGES}
    for module, targets in import_graph().items():
        for target in targets:
            if module.split(".")[0] != target.split(".")[0]:
                graph[module.split(".")[0]].add(target.split(".")[0])
    assert cycles(graph) == [], f"package cycles: {cycles(graph)}"


def test_sql_runs_only_in_storage() -> None:
    found = Counter(
        {
            _rel(p): n
            for p in _sources("api", "jobs", "metergraph", "services")
            if (n := sql_uses(p))
        }
    )
    _none(found, "named SQL or driver calls outside storage/ (file: how many)")


def test_only_services_and_storage_take_connections() -> None:
    found = Counter(
        {_rel(p): n for p in _sources("api", "jobs", "metergraph") if (n := connection_uses(p))}
    )
    _none(found, "connections taken or transactions opened outside services/ (file: how many)")


def test_no_function_is_longer_than_sixty_lines() -> None:
    _none(long_functions(), "functions over 60 lines (file:function: lines)")


def test_the_rules_see_what_they_are_meant_to_see() -> None:
    # A check that finds nothing because it reads nothing would pass for the wrong reason.
    assert {"api.app", "storage.queries", "domain.usage", "services.config"} <= MODULES
    sample = REPO / "storage" / "billing.py"
    assert sql_uses(sample) > 0 and connection_uses(sample) >= 0
    assert cycles({"a": {"b"}, "b": {"a"}, "c": set()}) == [{"a", "b"}]
