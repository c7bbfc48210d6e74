"""The report package's layout: no import cycle between its modules, one module reading the
run/study/watch parameters, every page table drawn from the catalogue, the data files
installed with the package."""

from __future__ import annotations

import ast
import importlib
import re
import tomllib
from pathlib import Path

import pytest

import observatory.report

PACKAGE = Path(observatory.report.__file__).parent
REPO = PACKAGE.parents[1]
NAME = "observatory.report"


def module_name(path: Path, package: Path = PACKAGE) -> str:
    parts = path.relative_to(package).with_suffix("").parts
    return ".".join([NAME, *(parts[:-1] if parts[-1] == "__init__" else parts)])


def import_graph(package: Path) -> dict[str, set[str]]:
    """{module: report modules it imports}, from every import statement of every module,
    function-level ones included (a lazy import still makes a cycle). The implicit import
    of the package's `__init__` by each submodule is not an edge."""
    modules = {module_name(p, package): p for p in package.rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                base = node.module or ""
                if node.level:  # relative: from . import x, from .x import y
                    here = name if path.name == "__init__.py" else name.rsplit(".", 1)[0]
                    for _ in range(node.level - 1):
                        here = here.rsplit(".", 1)[0]
                    base = ".".join([here, *([base] if base else [])])
                targets = [f"{base}.{alias.name}" if f"{base}.{alias.name}" in modules
                           else base for alias in node.names]
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """Every cycle a depth-first walk meets, as the list of its modules."""
    found: list[list[str]] = []
    state: dict[str, int] = {}  # 1: on the current path, 2: done
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for target in sorted(graph[node]):
            if state.get(target) == 1:
                found.append([*path[path.index(target):], target])
            elif target not in state:
                visit(target)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)
    return found


def test_no_import_cycle_inside_the_package() -> None:
    graph = import_graph(PACKAGE)
    # The walk sees the imports (a walk that found none would prove nothing).
    assert f"{NAME}.catalogue" in graph[f"{NAME}.index_page"]
    assert f"{NAME}.watch_reader" in graph[f"{NAME}.market_page"]
    assert f"{NAME}.charts.svg" in graph[f"{NAME}.charts.xy"]
    assert sum(len(targets) for targets in graph.values()) > 50
    assert cycles(graph) == []


def test_the_cycle_walk_finds_a_lazy_import_cycle(tmp_path: Path) -> None:
    # The shape of the package before it was split: render imports study_report inside a
    # function, study_report imports render at the top.
    (tmp_path / "__init__.py").write_text("")
    (tmp_path / "render.py").write_text(
        "def link():\n    from observatory.report.study_report import FILES\n")
    (tmp_path / "study_report.py").write_text(
        "from observatory.report.render import link\nFILES = {}\n")
    (tmp_path / "charts.py").write_text("from observatory.report import render\n")
    found = cycles(import_graph(tmp_path))
    assert found == [[f"{NAME}.render", f"{NAME}.study_report", f"{NAME}.render"]]


@pytest.mark.parametrize("name", sorted(module_name(p) for p in PACKAGE.rglob("*.py")))
def test_every_module_imports_on_its_own(name: str) -> None:
    importlib.import_module(name)


PARAMETER_TABLES = re.compile(
    r"ops\.(run_parameters|study_parameters|study_markets|watch_parameters|run_markets)\b"
)


def test_only_the_parameters_module_names_the_parameter_tables() -> None:
    """Their storage is changing: one module reads them, the others ask it."""
    named = {}
    for path in PACKAGE.rglob("*.py"):
        if path.name == "parameters.py":
            continue
        strings = [node.value for node in ast.walk(ast.parse(path.read_text(encoding="utf-8")))
                   if isinstance(node, ast.Constant) and isinstance(node.value, str)]
        hits = sorted({m.group(0) for s in strings for m in PARAMETER_TABLES.finditer(s)})
        if hits:
            named[path.name] = hits
    for path in (PACKAGE / "templates").glob("*.j2"):
        hits = sorted(set(PARAMETER_TABLES.findall(path.read_text(encoding="utf-8"))))
        if hits:
            named[path.name] = hits
    assert named == {}
    assert PARAMETER_TABLES.search((PACKAGE / "parameters.py").read_text(encoding="utf-8"))


def test_page_tables_are_drawn_by_the_catalogue_macro() -> None:
    """No template writes a <table> by hand: every table is `data_table` over a declaration
    of observatory/report/catalogue/."""
    hand_written = [path.name for path in (PACKAGE / "templates").glob("*.j2")
                    if path.name != "_tables.html.j2"
                    and "<table" in path.read_text(encoding="utf-8")]
    assert hand_written == []
    macro = (PACKAGE / "templates" / "_tables.html.j2").read_text(encoding="utf-8")
    assert macro.count("<table") == 1


def test_data_files_are_installed_with_the_package() -> None:
    pyproject = tomllib.loads((REPO / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["observatory"]
    for folder in ("report/templates", "report/static", "report/messages"):
        assert f"{folder}/*" in patterns, folder
        assert any((REPO / "observatory" / folder).iterdir()), folder
