"""Researchers' access to the published database: every table, view and column described
(COMMENT ON, from observatory/warehouse/data/dictionary.toml), `observatory tables` and
`observatory describe`, and a storage version DuckDB 1.x reads, as the README says."""

from __future__ import annotations

import re
import struct
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.cli import main
from observatory.warehouse import db, descriptions
from tests.conftest import REPO, write_config


@pytest.fixture(scope="module")
def published(demo_run: dict[str, Any]) -> Path:
    return demo_run["cfg"].warehouse.published


def test_every_table_view_and_column_of_the_demo_has_a_description(published: Path) -> None:
    with duckdb.connect(str(published), read_only=True) as con:
        relations = descriptions.relations(con)
        assert len(relations) > 50
        blank_tables = con.execute(
            "select schema_name || '.' || table_name from duckdb_tables() where "
            "database_name = current_database() and coalesce(trim(comment), '') = '' union all "
            "select schema_name || '.' || view_name from duckdb_views() where "
            "database_name = current_database() and not internal "
            "and coalesce(trim(comment), '') = ''").fetchall()
        blank_columns = con.execute(
            "select schema_name || '.' || table_name || '.' || column_name from duckdb_columns() "
            "where database_name = current_database() and coalesce(trim(comment), '') = ''"
        ).fetchall()
        undescribed = [r.qualified for r in relations
                       if descriptions.table_description(r.qualified) is None]
        rca, = con.execute("select comment from duckdb_columns() where schema_name = 'mart' "
                           "and table_name = 'home_rca_hs6' and column_name = 'year'").fetchone()
    assert blank_tables == [] and blank_columns == []
    # Every table has its own entry in the dictionary (none described as "not yet described").
    assert undescribed == []
    assert rca.startswith("calendar year")


def test_the_table_descriptions_are_the_readme_table_list() -> None:
    """Each table the README's warehouse list names has the same description here."""
    section = (REPO / "README.md").read_text(encoding="utf-8").split("## The warehouse", 1)[1]
    section = section.split("\n## ", 1)[0]
    checked = 0
    for line in section.splitlines():
        if not line.startswith("| `"):
            continue
        first, rest = line[2:].split(" | ", 1)
        text = " ".join(rest.rstrip(" |").replace("`", "").split())
        for name in re.findall(r"`([a-z_]+\.[a-z0-9_]+)`", first):
            assert descriptions.table_description(name) == text, name
            checked += 1
    assert checked > 100


def test_a_column_without_an_entry_is_described_from_its_words() -> None:
    assert descriptions.from_words("home_exports_prev_usd") == \
        "Home country's exports, previous period (US dollars)"
    assert descriptions.column_description("mart.x", "year")[1] == "shared"
    assert descriptions.column_description("raw.baci_flows", "t") == \
        ("year (BACI's t)", "table")


def test_tables_and_describe_read_the_published_database(demo_run, capsys) -> None:
    config = str(demo_run["cfg"].root / "observatory.toml")
    assert main(["--config", config, "tables", "mart.watch_*"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].split() == ["table", "kind", "rows", "description"]
    names = [line.split()[0] for line in out[1:]]
    assert "mart.watch_market_shares" in names and all(n.startswith("mart.watch_")
                                                       for n in names)
    shares = next(line for line in out if line.startswith("mart.watch_market_shares "))
    assert " table " in shares and "each priority market by HS6" in shares
    assert main(["--config", config, "describe", "mart.home_rca_hs6"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("mart.home_rca_hs6 (table): ")
    year = next(line for line in out if line.startswith("year "))
    assert "INTEGER" in year and "calendar year" in year
    # A name that is not there: one line, the closest names, exit code 1.
    assert main(["--config", config, "describe", "mart.home_rca_h6"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.count("\n") == 0 and "did you mean mart.home_rca_hs6" in err


def test_the_published_database_has_the_documented_storage_version(published: Path) -> None:
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert f"STORAGE_VERSION '{db.STORAGE_VERSION}'" in readme
    with duckdb.connect(str(published), read_only=True) as con:
        assert descriptions.storage_version(con) == f"{db.STORAGE_VERSION}+"
    # The file header's version number: 64 is what DuckDB 1.0 to 1.5 read (64 to 68).
    with open(published, "rb") as handle:
        header = handle.read(20)
    assert header[8:12] == b"DUCK" and struct.unpack("<Q", header[12:20])[0] == 64


def test_a_new_working_database_is_created_at_that_version(tmp_path: Path) -> None:
    from observatory.config import load_config

    cfg = load_config(write_config(tmp_path))
    con = db.open_work(cfg.warehouse)
    try:
        con.execute("create table t as select 1 as x")
        assert descriptions.storage_version(con) == f"{db.STORAGE_VERSION}+"
    finally:
        con.close()
    # Opened again (as every run does), it keeps it.
    con = db.open_work(cfg.warehouse)
    try:
        assert descriptions.storage_version(con) == f"{db.STORAGE_VERSION}+"
    finally:
        con.close()
