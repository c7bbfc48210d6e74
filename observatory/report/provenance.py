"""Where the rows a page shows come from: `Origin`s (source, release, how recent, input) read
from the rows themselves, and the source line each table and chart states under it.

A mart that carries `source` (and `vintage`, `data_through`, `input`) gives its rows' own
origins (`rows`). A mart computed from others says where its inputs come from: the inputs
`mart.input_coverage` records as feeding the indicators (`coverage`), the tariffs of
`core.tariffs` (`tariffs`) or the latest published batch of a source (`ledger`: ePing,
RASFF, the feeds). A database published before these columns existed gives no origin, and
the page then states no source line rather than a wrong one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import date, datetime
from itertools import chain
from typing import Any

from observatory.report.formatting import Formatter
from observatory.report.published import PublishedTables
from observatory.report.sources import Origin, recency_line, source_line

COVERAGE = "mart.input_coverage"
LEDGER = "ops.load_ledger"
TARIFFS = "core.tariffs"


class Provenance:
    """Reads origins from the published database and writes them as a page's lines."""

    def __init__(self, tables: PublishedTables, messages: Mapping[str, str], lang: str) -> None:
        self.tables = tables
        self.t = messages
        self.fmt = Formatter(lang)
        self.loaded = self._loaded()

    def _loaded(self) -> dict[tuple[str, str], date | datetime]:
        """When each published (source, release) was loaded: the date a release that is only
        a file's fingerprint is shown by."""
        if not self.tables.has(LEDGER):
            return {}
        rows = self.tables.rows(
            f"select source, release, max(coalesce(ended_at, started_at)) from {LEDGER} "
            "where status = 'published' and release is not null group by all"
        )
        return {(source, release): when for source, release, when in rows if when is not None}

    # --- origins -----------------------------------------------------------------------

    def rows(
        self, table: str, where: str = "true", params: list[Any] | None = None
    ) -> list[Origin]:
        """The distinct origins of `table`'s rows matching `where` (SQL written in code, its
        values in `params`); none when the table does not say where its rows come from."""
        columns = set(self.tables.columns(table))
        if "source" not in columns:
            return []
        fields = [
            name if name in columns else f"null as {name}"
            for name in ("vintage", "data_through", "input")
        ]
        found = self.tables.rows(
            f"select distinct source, {', '.join(fields)} from {table} "
            f"where ({where}) and source is not null",
            params or [],
        )
        return [_origin(*row) for row in found]

    def coverage(
        self,
        side: str,
        *,
        years: Iterable[int] | None = None,
        levels: Iterable[int] | None = None,
        markets: Iterable[str] | None = None,
        inputs: Iterable[str] | None = None,
        used: bool = True,
    ) -> list[Origin]:
        """The inputs of `side` ('exporter' or 'market') mart.input_coverage records for
        those years, HS levels, markets and inputs (only those it used, with `used`)."""
        if not self.tables.has(COVERAGE):
            return []
        where, params = ["side = ?"], [side]
        if used:
            where.append("used")
        for column, values, kind in (
            ("year", years, "integer"),
            ("hs_level", levels, "integer"),
            ("market_iso3", markets, "varchar"),
            ("input", inputs, "varchar"),
        ):
            if values is not None:
                where.append(f"{column} in (select unnest(?::{kind}[]))")
                params.append(sorted(set(values)))
        found = self.tables.rows(
            f"select distinct source, release, input from {COVERAGE} "
            f"where {' and '.join(where)} and source is not null",
            params,
        )
        return [Origin(source, release, None, input_code) for source, release, input_code in found]

    def ledger(self, *sources: str) -> list[Origin]:
        """The latest published release of each of `sources` (regulatory sources, whose
        marts do not carry a source)."""
        if not self.tables.has(LEDGER) or not sources:
            return []
        found = self.tables.rows(
            f"""
            select source, release from {LEDGER}
            where status = 'published' and source in (select unnest(?::varchar[]))
            qualify row_number() over (
                partition by source order by ended_at desc nulls last, batch_id desc) = 1
            """,
            [list(sources)],
        )
        return [Origin(source, release) for source, release in found]

    def tariffs(self, markets: Iterable[str] | None = None) -> list[Origin]:
        """The tariff sources loaded for `markets` (all importers when None), with their
        latest tariff year."""
        if not self.tables.has(TARIFFS):
            return []
        where, params = "true", []
        if markets is not None:
            where, params = "importer_iso3 in (select unnest(?::varchar[]))", [sorted(set(markets))]
        found = self.tables.rows(
            f"select source, release, max(year) from {TARIFFS} where {where} group by all",
            params,
        )
        return [Origin(source, release, str(year)) for source, release, year in found]

    # --- the marts computed from others -------------------------------------------------

    def exporter_side(self, years: Iterable[int], levels: Iterable[int] = (6,)) -> list[Origin]:
        """The exporters' world exports the indicators used for those years and levels
        (complexity, diversification, product space)."""
        return self.coverage("exporter", years=years, levels=levels)

    def reconciled(self, years: Iterable[int], levels: Iterable[int] = (6,)) -> list[Origin]:
        """The reconciled bilateral flows of those years (what reads only them: the
        constant-market-share decomposition, the AfCFTA openings, the home country's
        markets)."""
        return self.coverage(
            "exporter", years=years, levels=levels, inputs=["reconciled"], used=False
        )

    def market_side(self, years: Iterable[int], markets: Iterable[str] | None = None,
                    levels: Iterable[int] = (6,)) -> list[Origin]:
        """The markets' imports the market shares used for those years (and markets)."""
        return self.coverage("market", years=years, levels=levels, markets=markets)

    def _window(self, table: str, where: str = "true", params: list[Any] | None = None
                ) -> list[int]:
        """The years a mart's averages run over (reference_year, years_averaged)."""
        if not self.tables.has(table):
            return []
        row = self.tables.rows(
            f"select max(reference_year), max(years_averaged) from {table} where {where}",
            params or [],
        )[0]
        if row[0] is None:
            return []
        last, count = int(row[0]), int(row[1] or 1)
        return list(range(last - max(count, 1) + 1, last + 1))

    def export_potential(self, markets: Iterable[str] | None = None) -> list[Origin]:
        """Supply from the exporters' side, demand from the markets' side, over the years
        averaged, and the tariffs of the markets whose access term uses them."""
        table = "mart.export_potential"
        where, params = "true", []
        if markets is not None:
            where, params = "market_iso3 in (select unnest(?::varchar[]))", [sorted(set(markets))]
        years = self._window(table, where, params)
        if not years:
            return []
        taxed = [
            r[0]
            for r in self.tables.rows(
                f"select distinct market_iso3 from {table} "
                f"where {where} and market_access_term = 'tariffs'",
                params,
            )
        ]
        return [
            *self.exporter_side(years),
            *self.market_side(years, markets),
            *(self.tariffs(taxed) if taxed else []),
        ]

    def afcfta_openings(self) -> list[Origin]:
        """The reconciled flows of the years averaged, and the tariffs loaded for the
        importers whose rows use them."""
        table = "mart.afcfta_openings"
        years = self._window(table)
        if not years:
            return []
        taxed = [
            r[0]
            for r in self.tables.rows(
                f"select distinct importer_iso3 from {table} where tariff_data = 'loaded'"
            )
        ]
        return [*self.reconciled(years), *(self.tariffs(taxed) if taxed else [])]

    # --- lines ---------------------------------------------------------------------------

    def line(self, *origins: Iterable[Origin]) -> str:
        """The source line of rows from these origins ('' when none is known)."""
        return source_line(chain(*origins), self.t, self.fmt, self.loaded)

    def recency(self, *origins: Iterable[Origin]) -> str:
        """« Données jusqu'à … (source) » per source ('' when no origin says)."""
        return recency_line(chain(*origins), self.t, self.fmt)


def _origin(source: str, vintage: Any, through: Any, input_code: Any) -> Origin:
    return Origin(
        str(source),
        None if vintage is None else str(vintage),
        None if through is None else str(through),
        None if input_code is None else str(input_code),
    )
