"""The one place the reports read the parameters of the run, the study and the watch.

They are the run's (`ops.run_parameters`, one row whose columns carry the configuration's
key names, and `ops.run_markets`), written by every run's prepare step
(`observatory/parameters.py`). No other module of the report package names these tables (a
test checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from observatory.errors import WarehouseError
from observatory.parameters import STUDY_PARAMETERS
from observatory.report.published import PublishedTables, Record


@dataclass(frozen=True)
class RunParameters:
    """The latest published run's parameters (every page's footer)."""

    run_id: str
    home_iso3: str
    first_year: int
    last_year: int
    hs_revision: str
    rca_threshold: float
    started_at: datetime | None


@dataclass(frozen=True)
class StudyParameters:
    """The parameters of the latest study refresh (the study report needs every one)."""

    study_id: str
    home_iso3: str
    first_year: int
    last_year: int
    rca_threshold: float
    growth_window: int
    cms_base_year: int
    cms_end_year: int
    horizon_years: int
    home_growth: float
    world_growth: float
    demand_growth: str
    demand_growth_cap: float
    tariff_elasticity: float
    actual_years: int
    # The precedence of the indicators' inputs ([inputs]); null in a database published
    # before they were recorded.
    exporter_inputs: str | None = None
    market_inputs: str | None = None
    min_world_reporters: int | None = None


def run_parameters(tables: PublishedTables) -> RunParameters:
    """The latest run's parameters; WarehouseError when no run was published."""
    rows = tables.rows(
        "select run_id, home_iso3, first_year, last_year, hs_revision, rca_threshold, "
        "started_at from ops.run_parameters order by started_at desc limit 1",
    )
    if not rows:
        raise WarehouseError(f"{tables.reader}: ops.run_parameters is empty (no published run)")
    return RunParameters(*rows[0])


STUDY_COLUMNS = STUDY_PARAMETERS
WATCH_COLUMNS = (
    "run_id",
    "as_of",
    "min_value_usd",
    "share_drop_pts",
    "competitor_gain_pts",
    "demand_contraction_pct",
    "watch_top_products as top_products",
    "deadline_days",
    "rasff_spike_ratio",
    "rasff_spike_min",
)
# The study version the published study is (its latest), named as the study report shows it.
_STUDY_ID = (
    "coalesce((select study_id from ops.study_versions order by refreshed_at desc "
    "limit 1), run_id) as study_id"
)


def study_parameters(tables: PublishedTables) -> Record | None:
    """Every parameter of the published study, in the order they are stored (the workbook
    lists them all); None before the first study refresh."""
    if not has_study(tables):
        return None
    rows = tables.records(
        f"select {_STUDY_ID}, {', '.join(STUDY_COLUMNS)} from ops.run_parameters limit 1"
    )
    return rows[0] if rows else None


def required_study_parameters(tables: PublishedTables) -> StudyParameters:
    """The study report's parameters; WarehouseError when there is no study refresh or a
    parameter is not stored."""
    if not has_study(tables):
        raise WarehouseError(f"{tables.reader}: no study refresh (ops.study_versions is empty)")
    missing = sorted(set(STUDY_COLUMNS) - set(tables.columns("ops.run_parameters")))
    if missing:
        raise WarehouseError(f"{tables.reader}: ops.run_parameters lacks {', '.join(missing)}")
    rows = tables.records(
        f"select {_STUDY_ID}, {', '.join(STUDY_COLUMNS)} from ops.run_parameters limit 1"
    )
    if not rows:
        raise WarehouseError(f"{tables.reader}: ops.run_parameters is empty (no run)")
    return StudyParameters(**rows[0])


def has_study(tables: PublishedTables) -> bool:
    """Whether the database holds a study refresh (a study version)."""
    return tables.has_rows("ops.study_versions")


def study_markets(tables: PublishedTables) -> list[tuple[str, str]] | None:
    """(iso3, role) of the study's markets, by role then code; None when none are stored."""
    if not tables.has("ops.run_markets"):
        return None
    return [
        (r["iso3"], r["role"])
        for r in tables.records("select iso3, role from ops.run_markets order by role desc, iso3")
    ]


def priority_markets(tables: PublishedTables) -> list[str]:
    """The study's priority markets (the watch's pages), by code."""
    if not tables.has("ops.run_markets"):
        return []
    return [
        r["iso3"]
        for r in tables.records(
            "select distinct iso3 from ops.run_markets where role = 'priority' order by iso3"
        )
    ]


def watch_parameters(tables: PublishedTables) -> Record:
    """The watch's thresholds and date ({} before the first watch refresh)."""
    if not has_watch(tables):
        return {}
    return tables.records(f"select {', '.join(WATCH_COLUMNS)} from ops.run_parameters limit 1")[0]


def has_watch(tables: PublishedTables) -> bool:
    """Whether the database holds a watch refresh (its digest)."""
    return tables.has("mart.watch_digest")


def afcfta_parameters(tables: PublishedTables) -> tuple[bool, int | None, int | None]:
    """(whether the home country is an AfCFTA State Party, the run's year, the potential's
    horizon in years): what the AfCFTA pages date their rates by."""
    home_is_party = bool(tables.value(
        "select coalesce(bool_or(c.afcfta_state_party), false) from ref.countries as c "
        "join ops.run_parameters as p on c.iso3 = p.home_iso3"))
    this_year = tables.value("select year(as_of) from ops.run_parameters")
    horizon = tables.value("select horizon_years from ops.run_parameters")
    return home_is_party, this_year, horizon
