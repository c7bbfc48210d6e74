"""The plan and the source registry: every table has one declared writer, every source is
one folder declared once, the layers follow the schemas, and the package has no import
cycle and no source importing another."""

from __future__ import annotations

import ast
import importlib
import re
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from observatory import plan
from observatory.sources import registry
from observatory.sources.base import GROUPS, Source
from tests.conftest import REPO

PACKAGE = REPO / "observatory"


def test_every_table_of_the_warehouse_has_a_declared_writer(demo_run: dict[str, Any]) -> None:
    writers = plan.table_writers()
    with duckdb.connect(str(demo_run["cfg"].warehouse.published), read_only=True) as con:
        tables = [r[0] for r in con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('raw', 'staging', 'core', 'mart', 'ops', 'ref')"
        ).fetchall()]
    assert len(tables) > 60
    missing = [t for t in tables if t not in writers and not
               (t.startswith("ref.") and "ref.*" in writers)]
    assert not missing, missing
    for table, writer in writers.items():
        if writer.startswith("sql/"):
            assert (REPO / writer).is_file(), (table, writer)
        elif writer.startswith("observatory."):
            module, _, name = writer.rpartition(".")
            try:
                target = importlib.import_module(writer)
            except ModuleNotFoundError:
                target = getattr(importlib.import_module(module), name)
            assert target is not None


def test_sql_folders_are_named_after_the_schemas_they_write() -> None:
    for layer in plan.SQL_LAYERS:
        schema = layer.folder.split("/")[0]
        for path in plan.layer_files(layer.name):
            text = path.read_text(encoding="utf-8")
            for _kind, name in re.findall(
                    r"create\s+(?:or\s+replace\s+)?(table|view)\s+(?:if\s+not\s+exists\s+)?"
                    r"([a-z_]+)\.", text, re.IGNORECASE):
                assert schema in ("schemas", name.lower()), (path, name)


def test_marts_read_staging_views_never_raw() -> None:
    for path in (REPO / "sql" / "mart").rglob("*.sql"):
        code = "\n".join(line.split("--")[0] for line in path.read_text().splitlines())
        assert not re.search(r"\braw\.", code), path


def test_every_source_is_one_folder_declared_once() -> None:
    sources = registry.sources()
    folders = sorted(p.parent.name for p in (PACKAGE / "sources").glob("*/source.py"))
    assert sorted(s.name for s in sources) == sorted(
        {"baci", "comtrade", "comext", "eping", "rasff", "wits", "feeds", "files",
         "national", "exporters", "afcfta"})
    assert len(folders) == len(sources)
    for source in sources:
        assert isinstance(source, Source) and source.group in GROUPS
        assert source.label and source.order > 0
        assert source.resources, source.name  # the core tables its merge fills
        for resource in source.resources:
            assert resource.table.startswith("core."), resource
            assert resource.load_mode in ("replace_partition", "merge_history",
                                          "replace_by_key")
    assert [s.order for s in sources] == sorted(s.order for s in sources)


def test_source_groups_turn_the_other_group_off(tmp_path: Path) -> None:
    from observatory.config import load_config
    from tests.conftest import write_config

    cfg = load_config(write_config(tmp_path, demo_feed=True))
    trade = registry.select_group(cfg, "trade")
    assert trade.baci.enabled and not trade.eping.files and not trade.rasff.paths
    assert not trade.tariffs.paths and not trade.feeds
    regulatory = registry.select_group(cfg, "regulatory")
    assert not regulatory.baci.enabled and not regulatory.comtrade.enabled
    assert regulatory.rasff.paths and regulatory.feeds
    assert registry.group_label("regulatory") == (
        "WTO ePing, EU RASFF, WITS tariffs, trade-agreement schedules (AfCFTA) and "
        "RSS/Atom feeds")
    assert registry.group_label("trade") == ("CEPII BACI, UN Comtrade, Eurostat Comext, "
                                            "national statistics and exporter-level files")
    assert trade.national.paths and not regulatory.national.paths


def test_ingest_file_profiles_go_to_their_source(tmp_path: Path) -> None:
    import pytest

    from observatory.config import load_config
    from observatory.errors import ConfigError
    from tests.conftest import write_config

    cfg = load_config(write_config(tmp_path))
    assert registry.for_profile(cfg, "rasff").name == "rasff"
    assert registry.for_profile(cfg, "wits_tariffs").name == "wits"
    assert registry.for_profile(cfg, "national").name == "national"
    assert registry.for_profile(cfg, "comtrade").name == "files"
    assert registry.for_profile(cfg, "exports_by_country_fr").name == "files"
    with pytest.raises(ConfigError, match="unknown profile 'nope'"):
        registry.for_profile(cfg, "nope")


def _imports() -> dict[str, set[str]]:
    """Every module of the package and the package modules it imports (at any depth of the
    file: lazy imports count)."""
    modules = {".".join(p.relative_to(REPO).with_suffix("").parts).removesuffix(".__init__"): p
               for p in PACKAGE.rglob("*.py")}
    graph: dict[str, set[str]] = defaultdict(set)
    for module, path in modules.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([f"{node.module}.{a.name}" for a in node.names] + [node.module or ""]
                     if isinstance(node, ast.ImportFrom) and node.level == 0
                     else [a.name for a in node.names] if isinstance(node, ast.Import) else [])
            for name in names:
                while name and name not in modules:
                    name = name.rpartition(".")[0]
                if name and name != module and name.startswith("observatory"):
                    graph[module].add(name)
                    break
    return graph


def test_the_package_has_no_import_cycle() -> None:
    graph = _imports()
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(node: str) -> None:  # Tarjan's strongly connected components
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for target in graph[node]:
            if target not in index:
                visit(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in list(graph):
        if module not in index:
            visit(module)
    assert not cycles, cycles


def test_no_source_imports_another() -> None:
    for module, targets in _imports().items():
        parts = module.split(".")
        if len(parts) < 3 or parts[1] != "sources" or parts[2] in ("base", "batches",
                                                                  "registry", "http",
                                                                  "formats"):
            continue
        for target in targets:
            other = target.split(".")
            if len(other) > 2 and other[1] == "sources" and other[2] not in (
                    parts[2], "base", "batches", "registry", "http", "formats"):
                raise AssertionError(f"{module} imports {target}")
