"""What every page shows about the run it comes from: its parameters, the source files and
their releases, row counts of the tables the page reads and the validation outcome (the
footer), and whether the published data are synthetic (the demo banner)."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from observatory.report import parameters
from observatory.report.formatting import Formatter
from observatory.report.navigation import site_sections
from observatory.report.parameters import RunParameters
from observatory.report.published import PublishedTables
from observatory.report.sources import Origin, origin_clauses
from observatory.report.texts import source_label, translations

SAMPLE_MAX_CHARS = 200
FAILURES_SHOWN = 50


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
    ended_at: datetime | None = None


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
    # The published sources as the page's language names them, with their releases:
    # "CEPII BACI, version 202601", "OMC ePing, chargé le 5 décembre 2026".
    source_texts: list[str] = field(default_factory=list)
    # The site's sections the database gives pages to (navigation.site_sections).
    sections: frozenset[str] = frozenset({"home"})

    @property
    def published_sources(self) -> list[tuple[str, list[str]]]:
        """(display name, releases) of the sources whose files are published (display names
        of `texts.SOURCE_LABELS`; pages show `source_texts`)."""
        releases: dict[str, list[str]] = {}
        for file in self.sources:
            if file.status == "published":
                names = releases.setdefault(source_label(file.source), [])
                if file.release and file.release not in names:
                    names.append(file.release)
        return list(releases.items())

    @property
    def row_counts(self) -> list[dict[str, Any]]:
        """The rows of the footer's row counts: rows loaded and rejected (the ledger), then
        each table the page reads (`label`: the message naming a ledger count)."""
        loaded = sum(f.rows_loaded for f in self.sources if f.rows_loaded is not None)
        rejected = sum(f.rows_rejected for f in self.sources if f.rows_rejected is not None)
        return [
            {"label": "col_rows_loaded", "table": "ops.load_ledger", "rows": loaded},
            {"label": "col_rows_rejected", "table": "ops.load_ledger", "rows": rejected},
            *({"label": None, "table": table, "rows": rows} for table, rows in self.table_rows),
        ]


def load_country_name(tables: PublishedTables, iso3: str, lang: str) -> str:
    """The country's name in `lang` from ref.countries, or its ISO3 code if unknown."""
    rows = tables.rows(
        "select case when ? = 'fr' then name_fr else name_en end from ref.countries where iso3 = ?",
        [lang, iso3],
    )
    return rows[0][0] if rows and rows[0][0] else iso3


def has_synthetic_data(tables: PublishedTables) -> bool:
    """True when any published batch of the ledger is synthetic (demo) data."""
    rows = tables.rows(
        "select count(*) from ops.load_ledger where status = 'published' and is_synthetic",
    )
    return bool(rows[0][0])


def load_sources(tables: PublishedTables) -> list[SourceFile]:
    """One row per (source, release, file): its latest ledger entry."""
    rows = tables.rows(
        """
        select source, release, file_name, file_sha256, rows_read, rows_loaded,
               rows_rejected, status, coalesce(is_synthetic, false), message, ended_at
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
    tables: PublishedTables,
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
    suites = tables.rows(
        latest + "select suite, count(*) filter (where success), "
        "count(*) filter (where not success) from latest group by suite order by suite",
    )
    failures = tables.rows(
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


def count_rows(tables: PublishedTables, names: list[str]) -> list[tuple[str, int]]:
    """Row counts of the named tables (names come from code, never from input)."""
    return [(name, tables.rows(f"select count(*) from {name}")[0][0]) for name in names]


def published_source_texts(sources: list[SourceFile], lang: str) -> list[str]:
    """The published sources and their releases, named in `lang` (a release that is only a
    file's fingerprint is shown by the date its file was loaded)."""
    published = [f for f in sources if f.status == "published"]
    loaded = {
        (f.source, f.release): f.ended_at for f in published if f.release and f.ended_at
    }
    return origin_clauses(
        [Origin(f.source, f.release) for f in published],
        translations(lang),
        Formatter(lang),
        loaded,
    )


def load_run_metadata(
    tables: PublishedTables,
    *,
    lang: str,
    generated_at: datetime,
    counted: list[str],
) -> RunMetadata:
    """The footer of a page in `lang`, with the row counts of the tables `counted`."""
    run = parameters.run_parameters(tables)
    suites, failures, failures_total = load_validation(tables)
    sources = load_sources(tables)
    return RunMetadata(
        parameters=run,
        home_name=load_country_name(tables, run.home_iso3, lang),
        generated_at=generated_at,
        sources=sources,
        suites=suites,
        failures=failures,
        failures_total=failures_total,
        table_rows=count_rows(tables, counted),
        is_synthetic=has_synthetic_data(tables),
        source_texts=published_source_texts(sources, lang),
        sections=site_sections(tables),
    )
