"""Render the offline HTML report of the nightly job from the published database.

The report reads only from a DuckDB connection to the published database (select statements
only), fills Jinja2 templates with autoescaping always on, draws its charts as inline SVG and
inlines its stylesheet: the page opens from the file system with no network access.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import cache, partial
from pathlib import Path
from typing import Any

import duckdb
import jinja2
from markupsafe import Markup

from observatory.errors import WarehouseError
from observatory.report.charts import bar_chart_svg
from observatory.report.i18n import (
    Formatter,
    check_language,
    format_decimal,
    format_percent,
    source_label,
    status_label,
    translations,
)

PACKAGE_DIR = Path(__file__).parent
TEMPLATES_DIR = PACKAGE_DIR / "templates"
STYLESHEET = PACKAGE_DIR / "static" / "report.css"
REPORT_FILES = {"fr": "index.html", "en": "index.en.html"}
CHART_PRODUCTS = 15
MARKETS_CHART_WIDTH = 480  # drawn beside the markets table on wide screens
SAMPLE_MAX_CHARS = 200
FAILURES_SHOWN = 50


@dataclass(frozen=True)
class RunParameters:
    run_id: str
    home_iso3: str
    first_year: int
    last_year: int
    hs_revision: str
    rca_threshold: float
    started_at: datetime | None


@dataclass(frozen=True)
class SourceFile:
    source: str
    release: str | None
    file_name: str
    file_sha256: str | None
    rows_read: int | None
    rows_loaded: int | None
    rows_rejected: int | None
    status: str
    is_synthetic: bool
    message: str | None


@dataclass(frozen=True)
class SuiteOutcome:
    suite: str
    passed: int
    failed: int


@dataclass(frozen=True)
class FailedExpectation:
    suite: str
    batch_id: str
    expectation: str
    column_name: str | None
    element_count: int | None
    unexpected_count: int | None
    sample: str | None


@dataclass(frozen=True)
class RunMetadata:
    """What every report shows in its footer, and whether its banner says 'synthetic'."""

    parameters: RunParameters
    home_name: str
    generated_at: datetime
    sources: list[SourceFile]
    suites: list[SuiteOutcome]
    failures: list[FailedExpectation]
    failures_total: int
    table_rows: list[tuple[str, int]]
    is_synthetic: bool

    @property
    def published_sources(self) -> list[tuple[str, list[str]]]:
        """(display name, releases) of the sources whose files are published."""
        releases: dict[str, list[str]] = {}
        for file in self.sources:
            if file.status == "published":
                names = releases.setdefault(source_label(file.source), [])
                if file.release and file.release not in names:
                    names.append(file.release)
        return list(releases.items())


@dataclass(frozen=True)
class ProductRow:
    rank: int
    hs6: str
    description: str | None
    sector: str | None
    exports_usd: float
    rca: float
    world_market_share: float | None


@dataclass(frozen=True)
class MarketRow:
    rank: int
    iso3: str
    name: str
    exports_usd: float
    share: float | None


@dataclass(frozen=True)
class KeyFigures:
    total_exports_usd: float | None
    products_exported: int
    products_with_rca: int
    share_with_rca: float | None


def _fetch(con: duckdb.DuckDBPyConnection, sql: str, params: list[Any] | None = None) -> list[Any]:
    try:
        return con.execute(sql, params or []).fetchall()
    except duckdb.Error as exc:
        first_line = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise WarehouseError(f"report: cannot read the published database: {first_line}") from exc


def load_run_parameters(con: duckdb.DuckDBPyConnection) -> RunParameters:
    rows = _fetch(
        con,
        "select run_id, home_iso3, first_year, last_year, hs_revision, rca_threshold, "
        "started_at from ops.run_parameters order by started_at desc limit 1",
    )
    if not rows:
        raise WarehouseError("report: ops.run_parameters is empty (no published run)")
    return RunParameters(*rows[0])


def load_country_name(con: duckdb.DuckDBPyConnection, iso3: str, lang: str) -> str:
    """The country's name in `lang` from ref.countries, or its ISO3 code if unknown."""
    rows = _fetch(
        con,
        "select case when ? = 'fr' then name_fr else name_en end from ref.countries where iso3 = ?",
        [lang, iso3],
    )
    return rows[0][0] if rows and rows[0][0] else iso3


def has_synthetic_data(con: duckdb.DuckDBPyConnection) -> bool:
    """True when any published batch of the ledger is synthetic (demo) data."""
    rows = _fetch(
        con,
        "select count(*) from ops.load_ledger where status = 'published' and is_synthetic",
    )
    return bool(rows[0][0])


def load_sources(con: duckdb.DuckDBPyConnection) -> list[SourceFile]:
    """One row per (source, release, file): its latest ledger entry."""
    rows = _fetch(
        con,
        """
        select source, release, file_name, file_sha256, rows_read, rows_loaded,
               rows_rejected, status, coalesce(is_synthetic, false), message
        from ops.load_ledger
        qualify row_number() over (
            partition by source, release, file_name
            order by started_at desc nulls last, ended_at desc nulls last, batch_id desc
        ) = 1
        order by source, release, file_name
        """,
    )
    return [SourceFile(*row) for row in rows]


def load_validation(
    con: duckdb.DuckDBPyConnection,
) -> tuple[list[SuiteOutcome], list[FailedExpectation], int]:
    """Per suite, the expectations passed and failed (latest check of each), and the failures."""
    latest = """
        with latest as (
            select *
            from ops.validation_results
            qualify row_number() over (
                partition by batch_id, suite, expectation, column_name
                order by checked_at desc
            ) = 1
        )
    """
    suites = _fetch(
        con,
        latest + "select suite, count(*) filter (where success), "
        "count(*) filter (where not success) from latest group by suite order by suite",
    )
    failures = _fetch(
        con,
        latest + "select suite, batch_id, expectation, column_name, element_count, "
        "unexpected_count, sample from latest where not success "
        "order by suite, batch_id, expectation, column_name limit ?",
        [FAILURES_SHOWN],
    )
    total = sum(failed for _, _, failed in suites)
    return (
        [SuiteOutcome(*row) for row in suites],
        [
            FailedExpectation(
                suite,
                batch_id,
                expectation,
                column_name,
                checked,
                unexpected,
                _shorten(sample, SAMPLE_MAX_CHARS) if sample is not None else None,
            )
            for suite, batch_id, expectation, column_name, checked, unexpected, sample in failures
        ],
        total,
    )


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1] + "…"


def count_rows(con: duckdb.DuckDBPyConnection, tables: list[str]) -> list[tuple[str, int]]:
    """Row counts of the named tables (names come from code, never from input)."""
    return [(table, _fetch(con, f"select count(*) from {table}")[0][0]) for table in tables]


def load_run_metadata(
    con: duckdb.DuckDBPyConnection,
    *,
    lang: str,
    generated_at: datetime,
    tables: list[str],
) -> RunMetadata:
    parameters = load_run_parameters(con)
    suites, failures, failures_total = load_validation(con)
    return RunMetadata(
        parameters=parameters,
        home_name=load_country_name(con, parameters.home_iso3, lang),
        generated_at=generated_at,
        sources=load_sources(con),
        suites=suites,
        failures=failures,
        failures_total=failures_total,
        table_rows=count_rows(con, tables),
        is_synthetic=has_synthetic_data(con),
    )


def load_reference_year(con: duckdb.DuckDBPyConnection, parameters: RunParameters) -> int | None:
    """The last study year in which the home country exports anything (None if none)."""
    rows = _fetch(
        con,
        "select max(year) from mart.home_rca_hs6 "
        "where home_exports_usd > 0 and year between ? and ?",
        [parameters.first_year, parameters.last_year],
    )
    year = rows[0][0]
    return None if year is None else int(year)


def load_top_products(
    con: duckdb.DuckDBPyConnection, year: int, lang: str, top_n: int
) -> list[ProductRow]:
    """The `top_n` products the home country exports in `year`, by decreasing RCA."""
    rows = _fetch(
        con,
        """
        select hs6, description,
               case when ? = 'fr' then sector_name_fr else sector_name_en end,
               home_exports_usd, rca, world_market_share
        from mart.home_rca_hs6
        where year = ? and home_exports_usd > 0 and rca is not null
        order by rca desc, hs6
        limit ?
        """,
        [lang, year, top_n],
    )
    return [ProductRow(rank, *row) for rank, row in enumerate(rows, start=1)]


def load_key_figures(con: duckdb.DuckDBPyConnection, year: int, threshold: float) -> KeyFigures:
    rows = _fetch(
        con,
        """
        select max(home_total_exports_usd),
               count(*) filter (where home_exports_usd > 0),
               count(*) filter (where home_exports_usd > 0 and rca >= ?),
               sum(home_exports_usd) filter (where home_exports_usd > 0 and rca >= ?)
        from mart.home_rca_hs6
        where year = ?
        """,
        [threshold, threshold, year],
    )
    total, exported, with_rca, exports_with_rca = rows[0]
    share = (exports_with_rca or 0.0) / total if total else None
    return KeyFigures(total, exported, with_rca, share)


def load_top_markets(
    con: duckdb.DuckDBPyConnection, year: int, lang: str, top_n: int
) -> list[MarketRow]:
    rows = _fetch(
        con,
        """
        select m.rank, m.importer_iso3,
               coalesce(case when ? = 'fr' then c.name_fr else c.name_en end, m.importer_iso3),
               m.exports_usd, m.share_of_home_exports
        from mart.home_top_markets as m
        left join ref.countries as c on c.iso3 = m.importer_iso3
        where m.year = ?
        order by m.rank, m.importer_iso3
        limit ?
        """,
        [lang, year, top_n],
    )
    return [MarketRow(*row) for row in rows]


@cache
def environment() -> jinja2.Environment:
    """The Jinja2 environment of every report: autoescaping always on, strict variables."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(TEMPLATES_DIR),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


@cache
def stylesheet() -> Markup:
    """The report stylesheet, trusted package content inlined in a <style> element."""
    css = STYLESHEET.read_text(encoding="utf-8")
    if "</" in css:
        raise ValueError(f"{STYLESHEET}: a stylesheet must not contain '</'")
    return Markup(css)


def page_context(lang: str, meta: RunMetadata) -> dict[str, Any]:
    """The context the base template needs: texts, formatter, stylesheet, metadata."""
    messages = translations(lang)
    return {
        "lang": lang,
        "t": messages,
        "fmt": Formatter(lang),
        "css": stylesheet(),
        "meta": meta,
        "status_label": partial(status_label, messages=messages),
        "source_label": source_label,
    }


def write_atomic(path: Path, text: str) -> None:
    """Write `text` to `path` through a temporary file in the same folder and os.replace."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8", newline="\n") as tmp:
            tmp.write(text)
            tmp.flush()
            os.fsync(tmp.fileno())
        os.chmod(tmp_name, 0o644)
        os.replace(tmp_name, path)
    except BaseException:
        Path(tmp_name).unlink(missing_ok=True)
        raise


def render_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    *,
    lang: str = "fr",
    top_n: int = 25,
    top_markets: int = 10,
    generated_at: datetime | None = None,
) -> Path:
    """Write the exportable-supply report (`index.html` in French, `index.en.html` in English).

    Reads the run parameters, ledger, validation results and the marts `home_rca_hs6` and
    `home_top_markets` of the published database; returns the path of the written page.
    Raises ValueError for an unknown language or a bad count, WarehouseError when the
    database lacks what the report reads.
    """
    check_language(lang)
    for name, count in (("top_n", top_n), ("top_markets", top_markets)):
        if isinstance(count, bool) or not isinstance(count, int) or count < 1:
            raise ValueError(f"{name} must be a positive integer, got {count!r}")
    generated_at = generated_at or datetime.now(UTC)

    meta = load_run_metadata(
        con,
        lang=lang,
        generated_at=generated_at,
        tables=["mart.home_rca_hs6", "mart.home_top_markets"],
    )
    params = meta.parameters
    year = load_reference_year(con, params)
    products: list[ProductRow] = []
    markets: list[MarketRow] = []
    figures: KeyFigures | None = None
    if year is not None:
        products = load_top_products(con, year, lang, top_n)
        markets = load_top_markets(con, year, lang, top_markets)
        figures = load_key_figures(con, year, params.rca_threshold)

    context = page_context(lang, meta)
    messages = context["t"]
    threshold_text = format_decimal(params.rca_threshold, lang, 2)
    charted = products[:CHART_PRODUCTS]
    rca_chart_title = messages["chart_rca_title"].format(n=len(charted), year=year)
    markets_chart_title = messages["chart_markets_title"].format(n=len(markets), year=year)
    rca_chart = (
        bar_chart_svg(
            [(f"{p.hs6} {p.description or ''}".strip(), p.rca) for p in charted],
            title=rca_chart_title,
            reference_line=params.rca_threshold,
            reference_label=messages["chart_threshold"].format(threshold=threshold_text),
            value_format=partial(format_decimal, lang=lang, decimals=2),
            tick_format=partial(format_decimal, lang=lang, decimals=2, trim=True),
            chart_id="chart-rca",
            css_class="bar-chart chart-rca",
        )
        if charted
        else None
    )
    markets_chart = (
        bar_chart_svg(
            [(m.name, m.share) for m in markets if m.share is not None],
            title=markets_chart_title,
            value_format=partial(format_percent, lang=lang, decimals=1),
            tick_format=partial(format_percent, lang=lang, decimals=2, trim=True),
            width=MARKETS_CHART_WIDTH,
            chart_id="chart-markets",
            css_class="bar-chart chart-markets",
        )
        if markets and all(m.share is not None for m in markets)
        else None
    )
    context.update(
        year=year,
        threshold_text=threshold_text,
        products=products,
        markets=markets,
        figures=figures,
        rca_chart=rca_chart,
        rca_chart_title=rca_chart_title,
        markets_chart=markets_chart,
        markets_chart_title=markets_chart_title,
        top_n=top_n,
        study_link=_study_link(con, lang),
        watch_link=_watch_link(con, lang),
    )
    html = environment().get_template("rca_report.html.j2").render(context)
    path = Path(out_dir) / REPORT_FILES[lang]
    write_atomic(path, html)
    return path


def _study_link(con: duckdb.DuckDBPyConnection, lang: str) -> str | None:
    """The study report's file name when the database holds a study refresh."""
    from observatory.report.study_report import STUDY_REPORT_FILES

    rows = _fetch(con, "select count(*) from information_schema.tables "
                       "where table_schema = 'ops' and table_name = 'study_parameters'")
    if not rows or not rows[0][0]:
        return None
    rows = _fetch(con, "select count(*) from ops.study_parameters")
    return STUDY_REPORT_FILES[lang] if rows and rows[0][0] else None


def _watch_link(con: duckdb.DuckDBPyConnection, lang: str) -> str | None:
    """The watch index's file name when the database holds a watch refresh."""
    from observatory.report.watch_report import WATCH_REPORT_FILES

    rows = _fetch(con, "select count(*) from information_schema.tables "
                       "where table_schema = 'ops' and table_name = 'watch_parameters'")
    if not rows or not rows[0][0]:
        return None
    rows = _fetch(con, "select count(*) from ops.watch_parameters")
    return WATCH_REPORT_FILES[lang] if rows and rows[0][0] else None
