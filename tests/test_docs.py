"""Docs that tests check: every command, configuration key and warehouse table is in the
README, and the quickstart is what CI runs."""

from __future__ import annotations

import argparse
import tomllib
from typing import Any

import duckdb

from observatory.cli import build_parser
from tests.conftest import REPO

README = (REPO / "README.md").read_text(encoding="utf-8")


def test_every_command_is_documented() -> None:
    parser = build_parser()
    sub = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    for name in sub.choices:
        assert f"`observatory {name}" in README, name


def test_every_configuration_key_is_documented() -> None:
    raw = tomllib.loads((REPO / "observatory.toml").read_text(encoding="utf-8"))

    def keys(prefix: str, body: dict[str, Any]) -> list[str]:
        out = []
        for key, value in body.items():
            name = f"{prefix}.{key}" if prefix else key
            out += keys(name, value) if isinstance(value, dict) else [name]
        return out

    for key in keys("", raw):
        if key.startswith(("profiles.", "feeds.")):
            continue  # examples: profile keys are checked below, feed keys in "Feeds"
        assert f"`{key}`" in README, key


def test_every_profile_key_is_documented() -> None:
    from observatory.sources.files.settings import PROFILE_KEYS, Profile

    fields = set(Profile.__dataclass_fields__) - {"name", "extra"}
    assert fields == set(PROFILE_KEYS)
    for key in PROFILE_KEYS:
        assert f"| `{key}` |" in README, key


def test_every_warehouse_table_is_documented(demo_run: dict[str, Any]) -> None:
    with duckdb.connect(str(demo_run["cfg"].warehouse.published), read_only=True) as con:
        tables = con.execute(
            "select table_schema || '.' || table_name from information_schema.tables "
            "where table_schema in ('ref', 'raw', 'staging', 'core', 'mart', 'ops')"
        ).fetchall()
    assert len(tables) > 10
    for (table,) in tables:
        assert f"`{table}`" in README, table


def test_quickstart_is_two_commands_and_ci_runs_the_test_one() -> None:
    quickstart = README.split("## Quickstart", 1)[1].split("```sh", 1)[1].split("```", 1)[0]
    commands = [line.split("#")[0].strip() for line in quickstart.strip().splitlines()]
    assert commands == ["make demo", "make test"]
    assert "make test" in (REPO / ".ci" / "run").read_text(encoding="utf-8")
