"""The sub-packages of rl_gait import each other without a cycle.

The graph is read from the source (``ast``), so it counts what a run can import, not only what the test
process happened to import: module-level and function-level ``import`` / ``from … import`` statements, and
strings that name a module (``"rl_gait.curriculum.env:make_multitask"`` entry points, ``importlib`` names).
A node is a sub-package (``rl_gait/envs``) or a top-level module (``rl_gait/tasks.py``); the package root
``rl_gait/__init__.py`` (which registers the envs) is not a node.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "rl_gait"
MODULE_STRING = re.compile(r"rl_gait(\.\w+)+(:\w+)?")


def node_of(module: str) -> str | None:
    """``rl_gait.envs.walk`` → ``envs``; ``rl_gait.tasks`` → ``tasks``; ``rl_gait`` → ``None`` (the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 and parts[0] == "rl_gait" else None


def imported_modules(source: str, package: str) -> set[str]:
    """Every ``rl_gait…`` module the module ``source`` (of the package ``package``, for relative imports)
    imports anywhere (functions too) or names in a string."""
    parts = package.split(".")
    out: set[str] = set()
    for n in ast.walk(ast.parse(source)):
        if isinstance(n, ast.Import):
            out |= {a.name for a in n.names}
        elif isinstance(n, ast.ImportFrom):
            if n.level:  # relative: resolve against this module's package
                base = parts[: len(parts) - (n.level - 1)]
                module = ".".join(base + ([n.module] if n.module else []))
            else:
                module = n.module or ""
            out.add(module)
            out |= {f"{module}.{a.name}" for a in n.names}  # `from rl_gait import envs` names a sub-package
        elif isinstance(n, ast.Constant) and isinstance(n.value, str) and MODULE_STRING.fullmatch(n.value):
            out.add(n.value.split(":")[0])
    return {m for m in out if m == "rl_gait" or m.startswith("rl_gait.")}


def package_graph() -> dict[str, dict[str, list[str]]]:
    """node → imported node → the files (relative to the repository) that make the edge."""
    nodes = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").is_file()} | {
        p.stem for p in PACKAGE.glob("*.py") if p.stem != "__init__"}
    graph: dict[str, dict[str, list[str]]] = {n: {} for n in nodes}
    for path in sorted(PACKAGE.rglob("*.py")):
        src = node_of(".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts))
        if src is None or src == "__init__":
            continue
        for module in imported_modules(path.read_text(), ".".join(path.relative_to(PACKAGE.parent).parts[:-1])):
            dst = node_of(module)
            if dst in nodes and dst != src:
                files = graph[src].setdefault(dst, [])
                if (f := str(path.relative_to(PACKAGE.parent))) not in files:
                    files.append(f)
    return graph


def find_cycle(graph: dict[str, dict[str, list[str]]]) -> list[str] | None:
    """One cycle as ``[a, b, …, a]``, or ``None`` (depth-first search, nodes in sorted order)."""
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(n: str) -> list[str] | None:
        state[n] = 1
        path.append(n)
        for m in sorted(graph[n]):
            if state.get(m) == 1:
                return path[path.index(m):] + [m]
            if m not in state and (cycle := visit(m)):
                return cycle
        path.pop()
        state[n] = 2
        return None

    for n in sorted(graph):
        if n not in state and (cycle := visit(n)):
            return cycle
    return None


def test_the_graph_reads_function_level_imports_and_entry_point_strings():
    src = ('def f():\n    from rl_gait.learner import train\n    import rl_gait.envs.walk\n    from ..atlas import gps\n'
           'ENTRY = "rl_gait.curriculum.env:make_multitask"\n"""docs name rl_gait.report, not an import."""\n')
    got = imported_modules(src, "rl_gait.ingest")
    assert got >= {"rl_gait.learner", "rl_gait.envs.walk", "rl_gait.curriculum.env", "rl_gait.atlas"}
    assert "rl_gait.report" not in got
    assert find_cycle({"a": {"b": []}, "b": {"c": []}, "c": {"a": []}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b": []}, "b": {}, "c": {"a": [], "b": []}}) is None


def test_no_import_cycle_between_sub_packages():
    graph = package_graph()
    assert {"envs", "learner", "curriculum", "ingest", "atlas", "tasks"} <= set(graph)
    cycle = find_cycle(graph)
    if cycle:
        edges = [f"{a} → {b} ({', '.join(graph[a][b])})" for a, b in zip(cycle, cycle[1:], strict=False)]
        raise AssertionError("import cycle between sub-packages: " + "; ".join(edges))
