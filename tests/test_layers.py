"""The package's layers, checked from the source: no import cycles, and no module imports a
layer above its own, except the deliberately deferred hooks listed below.

Layers, lowest first: ``core`` (language, graph building, primitive table, passes, traces
as plain records, node lookup),
``explain`` (step text, reports, checks) and ``frontends`` (numpy, micrograd and JAX code traced
into the core's Program), ``draw``, then ``receptive`` and ``plots`` (each on the
core and the drawing layer), ``teach``, ``cli``, and the package facade.

Imports sit at the top of a module; one kept inside a function (a heavy or optional dependency
loaded only when needed, an upward hook) says why in a ``# deferred:`` comment.
"""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

PACKAGE = Path(__file__).resolve().parents[1] / "graphviz_ad"
LAYERS = {"core": 0, "explain": 1, "frontends": 1, "draw": 2, "receptive": 3, "plots": 3,
          "teach": 4, "workflow": 5, "cli": 6}
ROOT = -1  # graphviz_ad/__init__.py: the version and the lazy exports, imported before anything
MAIN = 8  # graphviz_ad/__main__.py

# (importer, imported): the only imports that go up a layer. Each is deferred (inside the
# method that needs it), so importing the lower module never loads the higher one.
ALLOWED_UPWARD: dict[tuple[str, str], str] = {  # none: every layer imports only lower ones
}


def module_name(path: Path) -> str:
    parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def layer(module: str) -> int:
    parts = module.split(".")
    if len(parts) == 1:
        return ROOT
    return MAIN if parts[1] == "__main__" else LAYERS[parts[1]]


def type_checking_only(tree: ast.Module) -> set[int]:
    """ids of import nodes under ``if TYPE_CHECKING:`` (never run)."""
    skipped = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
            skipped |= {id(n) for stmt in node.body for n in ast.walk(stmt)}
    return skipped


def imports() -> dict[tuple[str, str], bool]:
    """Every (importer, imported module) edge inside the package -> whether it is top-level."""
    modules = {module_name(p): p for p in PACKAGE.rglob("*.py")}
    edges: dict[tuple[str, str], bool] = {}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        package = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
        top = {id(n) for n in tree.body}
        skipped = type_checking_only(tree)
        for node in ast.walk(tree):
            if id(node) in skipped or not isinstance(node, ast.Import | ast.ImportFrom):
                continue
            targets = []
            if isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:
                    parts = package.split(".")
                    base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
                targets = [f"{base}.{a.name}" if f"{base}.{a.name}" in modules else base
                           for a in node.names]
            else:
                targets = [a.name for a in node.names]
            for target in targets:
                if target in modules and target != name:
                    edges[(name, target)] = edges.get((name, target), False) or id(node) in top
    return edges


def _cycles(edges) -> list[str]:
    return [" -> ".join(c + [c[0]]) for c in nx.simple_cycles(nx.DiGraph(list(edges)))]


def test_no_import_cycles():
    """No cycle among the imports, deferred ones included, apart from the listed upward hooks."""
    cycles = _cycles(edge for edge in imports() if edge not in ALLOWED_UPWARD)
    assert not cycles, "import cycles: " + "; ".join(cycles[:10])


def test_no_import_cycles_at_import_time():
    """Strictly none among the imports run when a module is imported (top level)."""
    cycles = _cycles(edge for edge, top in imports().items() if top)
    assert not cycles, "import cycles: " + "; ".join(cycles[:10])


def test_the_checker_sees_imports():
    """The checks above are not vacuous: the parser is found importing the graph builder."""
    edges = imports()
    assert ("graphviz_ad.core.parse", "graphviz_ad.core.build") in edges
    assert layer("graphviz_ad.cli.trace") > layer("graphviz_ad.draw.animate")
    assert layer("graphviz_ad.draw.animate") > layer("graphviz_ad.core.trace")


def test_no_module_imports_a_higher_layer():
    upward = sorted(edge for edge in imports() if layer(edge[1]) > layer(edge[0])
                    and edge not in ALLOWED_UPWARD)
    assert not upward, "imports of a higher layer: " + ", ".join(f"{a} -> {b}" for a, b in upward)


def test_allowed_upward_imports_are_deferred_and_still_exist():
    edges = imports()
    for edge, reason in ALLOWED_UPWARD.items():
        assert edge in edges, f"{edge} is no longer imported: drop it from ALLOWED_UPWARD"
        assert not edges[edge], f"{edge} must stay deferred (inside the function): {reason}"


def function_level_imports(tree: ast.Module) -> list[list[ast.Import | ast.ImportFrom]]:
    """Imports run inside a function (not under ``if TYPE_CHECKING:``), grouped into runs of
    consecutive import statements of one block."""
    skipped = type_checking_only(tree)
    inside = {id(n): n for func in ast.walk(tree)
              if isinstance(func, ast.FunctionDef | ast.AsyncFunctionDef) for n in ast.walk(func)}
    runs: list[list[ast.Import | ast.ImportFrom]] = []
    for node in inside.values():
        for field in ("body", "orelse", "finalbody"):
            block = getattr(node, field, None)
            if not isinstance(block, list):
                continue
            run: list[ast.Import | ast.ImportFrom] = []
            for stmt in [*block, None]:
                if isinstance(stmt, ast.Import | ast.ImportFrom) and id(stmt) not in skipped:
                    run.append(stmt)
                elif run:
                    runs.append(run)
                    run = []
    return runs


def undeferred_imports(path: Path, root: Path = PACKAGE) -> list[str]:
    """``file:line`` of each run of function-level imports without a ``# deferred:`` reason
    (on one of its lines or the line above it)."""
    text = path.read_text(encoding="utf-8")
    lines = text.splitlines()
    bare = []
    for run in function_level_imports(ast.parse(text)):
        first, last = run[0].lineno, run[-1].end_lineno or run[-1].lineno
        if not any("# deferred:" in line for line in lines[max(first - 2, 0):last]):
            bare.append(f"{path.relative_to(root).as_posix()}:{first}")
    return sorted(bare, key=lambda where: int(where.rsplit(":", 1)[1]))


def test_function_level_imports_say_why_they_are_deferred():
    """Imports belong at the top of a module; the ones kept inside a function (a heavy
    dependency, an optional one, an upward hook) carry a `# deferred:` comment saying why."""
    files = sorted(PACKAGE.rglob("*.py"))
    bare = [where for path in files for where in undeferred_imports(path)]
    assert not bare, "function-level imports without a `# deferred:` reason: " + ", ".join(bare)


def test_the_deferred_check_sees_function_level_imports(tmp_path):
    """Not vacuous: a bare import in a function is caught, a commented one is not, and a
    module-level or TYPE_CHECKING import is no concern of this check."""
    module = tmp_path / "m.py"
    module.write_text("import os\nif TYPE_CHECKING:\n    import re\n\n"
                      "def f():\n    import json\n    import csv\n\n"
                      "def g():\n    # deferred: heavy\n    import numpy\n    import PIL\n\n"
                      "def h():\n    try:\n        import pyvips  # deferred: optional\n"
                      "    except ImportError:\n        import math\n\n"
                      "def k():\n    if TYPE_CHECKING:\n        import typing\n", encoding="utf-8")
    runs = function_level_imports(ast.parse(module.read_text(encoding="utf-8")))
    assert sorted(run[0].lineno for run in runs) == [6, 11, 16, 18]
    assert undeferred_imports(module, tmp_path) == ["m.py:6", "m.py:18"]
