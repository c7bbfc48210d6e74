"""Render the exportable-offer study report from the study marts of the published database.

`render_study_report` writes `study.html` (French) or `study.en.html` (English), beside the
nightly report's `index.html` / `index.en.html`. Like that report it reads a DuckDB
connection with select statements only, autoescapes every value, draws inline SVG charts
and inlines its stylesheet, so that the page opens from the file system with no network.

It reads `ops.study_parameters` (required: no study refresh, no report), `ops.study_versions`,
`ops.study_vintages`, the run metadata of the nightly report (`observatory.report.render`)
and the study marts listed in `STUDY_MARTS`. A mart that is missing or empty turns its
section into a "no data" sentence naming the table; every table caption names its mart.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from observatory.errors import WarehouseError
from observatory.report.charts import (
    Bubble,
    Point,
    bar_chart_svg,
    bubble_chart_svg,
    scatter_svg,
    waterfall_svg,
)
from observatory.report.i18n import (
    Formatter,
    check_language,
    code_label,
    format_decimal,
    format_percent,
    format_usd,
)
from observatory.report.render import environment, load_run_metadata, page_context, write_atomic

STUDY_REPORT_FILES = {"fr": "study.html", "en": "study.en.html"}
TEMPLATE = "study_report.html.j2"
# The study marts the report reads, in the order of its sections (footer row counts).
STUDY_MARTS = (
    "mart.product_competitiveness",
    "mart.market_indicators",
    "mart.home_concentration",
    "mart.cms_decomposition",
    "mart.complexity_countries",
    "mart.complexity_products",
    "mart.home_product_space",
    "mart.diversification_opportunities",
    "mart.export_potential",
    "mart.afcfta_openings",
    "mart.study_changes",
)
QUADRANTS = ("champion", "losing_ground", "declining_winner", "declining_loser")
CMS_EFFECTS = ("world_growth", "commodity_composition", "market_distribution", "competitiveness")
CHANGE_ORDER = (
    "new_advantage",
    "lost_advantage",
    "new_export",
    "dropped_export",
    "quadrant",
    "rca",
    "untapped",
)
SECTOR_PRODUCTS = 10  # products listed per sector (at most top_n)
QUADRANT_EXAMPLES = 3
EXAMPLE_CHARS = 48  # product descriptions in the quadrant table (full text in a tooltip)
BUBBLE_TAGS = 8  # the largest bubbles are tagged with their HS code
SCATTER_MAX_POINTS = 400  # the densest products: thousands of circles would bloat the page
CHANGES_SHOWN = 100
MARKETS_CHART_WIDTH = 560

Record = dict[str, Any]


@dataclass(frozen=True)
class StudyParameters:
    """The single row of ops.study_parameters (written by every study refresh)."""

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


class StudyTables:
    """Select-only access to the published database that knows which tables it holds, so
    that a missing study mart (or a column a mart does not have yet) empties one section
    instead of failing the report."""

    def __init__(self, con: duckdb.DuckDBPyConnection) -> None:
        self.con = con
        self._columns: dict[str, list[str]] = {}
        for table, column in self._rows(
            "select table_schema || '.' || table_name, column_name "
            "from information_schema.columns where table_catalog = current_database() "
            "order by table_schema, table_name, ordinal_position"
        )[1]:
            self._columns.setdefault(table, []).append(column)

    def _rows(self, sql: str, params: list[Any] | None = None) -> tuple[list[str], list[Any]]:
        try:
            result = self.con.execute(sql, params or [])
            names = [d[0] for d in result.description or []]
            return names, result.fetchall()
        except duckdb.Error as exc:
            text = str(exc).strip()
            first_line = text.splitlines()[0] if text else type(exc).__name__
            raise WarehouseError(
                f"study report: cannot read the published database: {first_line}"
            ) from exc

    def has(self, table: str) -> bool:
        return table in self._columns

    def columns(self, table: str) -> list[str]:
        return list(self._columns.get(table, []))

    def select(self, table: str, columns: list[str]) -> str:
        """A select list of `columns`, `null as <column>` for those `table` lacks."""
        present = set(self._columns.get(table, []))
        return ", ".join(c if c in present else f"null as {c}" for c in columns)

    def records(self, sql: str, params: list[Any] | None = None) -> list[Record]:
        names, rows = self._rows(sql, params)
        return [dict(zip(names, row, strict=True)) for row in rows]

    def value(self, sql: str, params: list[Any] | None = None) -> Any:
        rows = self._rows(sql, params)[1]
        return rows[0][0] if rows else None

    def count(self, table: str) -> int:
        return int(self.value(f"select count(*) from {table}")) if self.has(table) else 0


def load_study_parameters(tables: StudyTables) -> StudyParameters:
    names = [f.name for f in fields(StudyParameters)]
    if not tables.has("ops.study_parameters"):
        raise WarehouseError("study report: ops.study_parameters is missing (no study refresh)")
    missing = sorted(set(names) - set(tables.columns("ops.study_parameters")))
    if missing:
        raise WarehouseError(f"study report: ops.study_parameters lacks {', '.join(missing)}")
    rows = tables.records(f"select {', '.join(names)} from ops.study_parameters limit 1")
    if not rows:
        raise WarehouseError("study report: ops.study_parameters is empty (no study refresh)")
    return StudyParameters(**rows[0])


class StudyReader:
    """Loads each section of the report: lists of records (dicts keyed by column name) and
    the charts drawn from them, in one language."""

    def __init__(
        self,
        tables: StudyTables,
        params: StudyParameters,
        messages: dict[str, str],
        lang: str,
        top_n: int,
    ) -> None:
        self.tables = tables
        self.params = params
        self.messages = messages
        self.lang = lang
        self.top_n = top_n
        self.countries = self._country_names()
        self.sectors = self._sector_names()
        self.year = self._reference_year()

    # --- names -------------------------------------------------------------------------

    def _country_names(self) -> dict[str, str]:
        if not self.tables.has("ref.countries"):
            return {}
        column = "name_fr" if self.lang == "fr" else "name_en"
        rows = self.tables.records(f"select iso3, {column} as name from ref.countries")
        return {r["iso3"]: r["name"] for r in rows if r["name"]}

    def _sector_names(self) -> dict[str, str]:
        names = {"other": self.messages["sector_other"]}
        if self.tables.has("ref.hs_sectors"):
            column = "sector_name_fr" if self.lang == "fr" else "sector_name_en"
            for r in self.tables.records(
                f"select distinct sector, {column} as name from ref.hs_sectors order by sector"
            ):
                if r["name"]:
                    names[r["sector"]] = r["name"]
        if self.tables.has("mart.product_competitiveness"):
            column = "description_fr" if self.lang == "fr" else "description"
            for r in self.tables.records(
                f"select distinct code, {column} as name from mart.product_competitiveness "
                "where level = 'sector' and name is not null order by code"
            ):
                names[r["code"]] = r["name"]
        return names

    def country(self, iso3: str | None) -> str:
        return self.countries.get(iso3 or "", iso3 or "—")

    def sector(self, code: str | None) -> str:
        return self.sectors.get(code or "", code or "—")

    def _description(self) -> str:
        return "description_fr" if self.lang == "fr" else "description"

    # --- years -------------------------------------------------------------------------

    def _reference_year(self) -> int | None:
        """The last study year in which the home country exports anything."""
        if not self.tables.has("mart.product_competitiveness"):
            return None
        year = self.tables.value(
            "select max(year) from mart.product_competitiveness "
            "where level = 'hs6' and home_exports_usd > 0 and year between ? and ?",
            [self.params.first_year, self.params.last_year],
        )
        return None if year is None else int(year)

    # --- summary and product positioning -------------------------------------------------

    def summary(self) -> Record | None:
        if self.year is None:
            return None
        rows = self.tables.records(
            """
            select max(home_total_exports_usd) as total_exports_usd,
                   count(*) filter (where home_exports_usd > 0) as products_exported,
                   count(*) filter (where home_exports_usd > 0 and rca >= ?) as products_rca,
                   sum(home_exports_usd) filter (where home_exports_usd > 0 and rca >= ?)
                       as exports_rca_usd,
                   count(*) filter (where home_exports_usd > 0 and quadrant = 'champion')
                       as champions
            from mart.product_competitiveness
            where level = 'hs6' and year = ?
            """,
            [self.params.rca_threshold, self.params.rca_threshold, self.year],
        )
        row = rows[0]
        total = row["total_exports_usd"]
        row["share_rca"] = (row["exports_rca_usd"] or 0.0) / total if total else None
        return row

    def top_products(self) -> list[Record]:
        if self.year is None:
            return []
        return self.tables.records(
            f"""
            select code, {self._description()} as description, sector, home_exports_usd,
                   home_exports_cagr, world_demand_cagr, world_total_cagr, window_start_year,
                   quadrant, rca
            from mart.product_competitiveness
            where level = 'hs6' and year = ? and home_exports_usd > 0
            order by home_exports_usd desc, code
            limit ?
            """,
            [self.year, self.top_n],
        )

    def positioning_chart(self, products: list[Record], title: str) -> Markup | None:
        t, lang = self.messages, self.lang
        charted = [p for p in products if _has_position(p)]
        if not charted:
            return None
        world = next(
            (p["world_total_cagr"] for p in products if p["world_total_cagr"] is not None), None
        )
        tagged = {p["code"] for p in charted[:BUBBLE_TAGS]}
        percent = partial(format_percent, lang=lang, decimals=1)
        return bubble_chart_svg(
            [
                Bubble(
                    label=f"{p['code']} {p['description'] or ''}".strip(),
                    x=p["world_demand_cagr"],
                    y=p["home_exports_cagr"],
                    size=p["home_exports_usd"],
                    group=p["quadrant"],
                    tag=p["code"] if p["code"] in tagged else None,
                )
                for p in charted
            ],
            title=title,
            x_label=t["axis_world_demand_cagr"],
            y_label=t["axis_home_exports_cagr"],
            groups=[(q, t[f"quadrant_{q}"]) for q in QUADRANTS],
            x_reference=world,
            x_reference_label=(
                t["chart_world_total_cagr"].format(value=percent(world))
                if world is not None
                else None
            ),
            diagonal_label=t["chart_diagonal"],
            x_format=percent,
            y_format=percent,
            size_format=partial(format_usd, lang=lang),
            x_tick_format=partial(format_percent, lang=lang, decimals=1, trim=True),
            y_tick_format=partial(format_percent, lang=lang, decimals=1, trim=True),
            chart_id="chart-positioning",
            css_class="bubble-chart chart-positioning",
        )

    def quadrants(self, total_exports: float | None) -> list[Record]:
        if self.year is None:
            return []
        rows = self.tables.records(
            f"""
            select quadrant, count(*) as products, sum(home_exports_usd) as exports_usd,
                   list({{'code': code, 'description': {self._description()}}}
                        order by home_exports_usd desc, code)[1:{QUADRANT_EXAMPLES}] as examples
            from mart.product_competitiveness
            where level = 'hs6' and year = ? and home_exports_usd > 0 and quadrant is not null
            group by quadrant
            """,
            [self.year],
        )
        for r in rows:
            for example in r["examples"]:
                example["short"] = _shorten(example["description"] or "", EXAMPLE_CHARS)
        found = {r["quadrant"]: r for r in rows}
        table = []
        for quadrant in QUADRANTS:
            row = found.get(quadrant, {"products": 0, "exports_usd": None, "examples": []})
            exports = row["exports_usd"]
            table.append(
                {
                    "quadrant": quadrant,
                    "products": row["products"],
                    "exports_usd": exports,
                    "share": exports / total_exports if exports and total_exports else None,
                    "examples": row["examples"],
                }
            )
        return table

    # --- competitiveness by sector -------------------------------------------------------

    def sector_table(self) -> list[Record]:
        if self.year is None:
            return []
        rows = self.tables.records(
            f"""
            select code, {self._description()} as name, home_exports_usd,
                   home_exports_usd / nullif(home_total_exports_usd, 0) as share_of_exports,
                   world_market_share, world_market_share_change_pts, rca, rsca,
                   trade_balance_index, market_penetration, home_exports_cagr,
                   world_demand_cagr, quadrant
            from mart.product_competitiveness
            where level = 'sector' and year = ?
            order by home_exports_usd desc nulls last, code
            """,
            [self.year],
        )
        for r in rows:
            r["name"] = r["name"] or self.sector(r["code"])
        return rows

    def sector_products(self, sectors: list[Record]) -> list[Record]:
        """For each sector the home country exports, its top products at HS6."""
        if self.year is None:
            return []
        rows = self.tables.records(
            f"""
            select code, {self._description()} as description,
                   coalesce(sector, 'other') as sector, home_exports_usd, world_market_share,
                   world_market_share_change_pts, rca, rsca, trade_balance_index,
                   market_penetration, home_exports_cagr, world_demand_cagr, quadrant
            from mart.product_competitiveness
            where level = 'hs6' and year = ? and home_exports_usd > 0
            qualify row_number() over (
                partition by coalesce(sector, 'other') order by home_exports_usd desc, code
            ) <= ?
            order by sector, home_exports_usd desc, code
            """,
            [self.year, min(self.top_n, SECTOR_PRODUCTS)],
        )
        by_sector: dict[str, list[Record]] = {}
        for r in rows:
            by_sector.setdefault(r["sector"], []).append(r)
        order = [s["code"] for s in sectors if s["code"] in by_sector]
        order += sorted(set(by_sector) - set(order))
        names = {s["code"]: s["name"] for s in sectors}
        return [
            {
                "code": code,
                "name": names.get(code) or self.sector(code),
                "products": by_sector[code],
            }
            for code in order
        ]

    # --- markets -----------------------------------------------------------------------

    def markets(self) -> tuple[int | None, list[Record]]:
        table = "mart.market_indicators"
        if not self.tables.has(table):
            return None, []
        year = self.tables.value(
            f"select max(year) from {table} where year <= ?", [self.params.last_year]
        )
        if year is None:
            return None, []
        name = "market_name_fr" if self.lang == "fr" else "market_name_en"
        columns = [
            "market_iso3",
            name,
            "market_imports_usd",
            "home_exports_usd",
            "home_share",
            "trade_complementarity",
            "trade_intensity",
            "products_exported",
            "export_hhi",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table, columns)} from {table} where year = ? "
            "order by home_exports_usd desc nulls last, market_iso3",
            [year],
        )
        for r in rows:
            r["name"] = r.pop(name) or self.country(r["market_iso3"])
        return int(year), rows

    def markets_chart(self, markets: list[Record], title: str) -> Markup | None:
        shares = sorted(
            ((m["name"], m["home_share"]) for m in markets if m["home_share"] is not None),
            key=lambda item: -item[1],
        )
        if not shares:
            return None
        return bar_chart_svg(
            shares,
            title=title,
            value_format=partial(format_percent, lang=self.lang, decimals=2),
            tick_format=partial(format_percent, lang=self.lang, decimals=2, trim=True),
            width=MARKETS_CHART_WIDTH,
            chart_id="chart-market-shares",
            css_class="bar-chart chart-market-shares",
        )

    def concentration(self) -> list[Record]:
        if not self.tables.has("mart.home_concentration"):
            return []
        return self.tables.records(
            "select year, dimension, n_items, hhi, normalized_hhi, equivalent_number "
            "from mart.home_concentration "
            "order by case dimension when 'product' then 0 when 'market' then 1 else 2 end, "
            "dimension, year"
        )

    # --- constant market shares ----------------------------------------------------------

    def cms(self) -> list[Record]:
        if not self.tables.has("mart.cms_decomposition"):
            return []
        rows = self.tables.records(
            "select base_year, end_year, effect, value_usd, share_of_change "
            "from mart.cms_decomposition where scope = 'all'"
        )
        order = {effect: i for i, effect in enumerate((*CMS_EFFECTS, "total"))}
        return sorted(rows, key=lambda r: (order.get(r["effect"], len(order)), r["effect"]))

    def cms_chart(self, rows: list[Record], title: str) -> Markup | None:
        """A waterfall of the four effects, ending on their sum (the change in exports)."""
        steps = [
            (code_label("effect", r["effect"], self.messages), r["value_usd"])
            for r in rows
            if r["effect"] in CMS_EFFECTS and r["value_usd"] is not None
        ]
        if not steps:
            return None
        return waterfall_svg(
            steps,
            title=title,
            total_label=self.messages["effect_total"],
            value_format=partial(format_usd, lang=self.lang),
            tick_format=partial(format_usd, lang=self.lang),
            chart_id="chart-cms",
            css_class="waterfall-chart chart-cms",
        )

    # --- economic complexity -------------------------------------------------------------

    def complexity_level(self) -> int | None:
        if not self.tables.has("mart.complexity_countries"):
            return None
        levels = {
            int(r["level"])
            for r in self.tables.records(
                "select distinct level from mart.complexity_countries where iso3 = ?",
                [self.params.home_iso3],
            )
        }
        return 6 if 6 in levels else 4 if 4 in levels else None

    def eci(self, level: int | None) -> list[Record]:
        if level is None:
            return []
        return self.tables.records(
            """
            with ranked as (
                select year, iso3, diversity, eci, coi,
                       rank() over (partition by year order by eci desc nulls last) as eci_rank,
                       count(eci) over (partition by year) as countries
                from mart.complexity_countries
                where level = ?
            )
            select year, diversity, eci, case when eci is not null then eci_rank end as eci_rank,
                   countries, coi
            from ranked
            where iso3 = ?
            order by year
            """,
            [level, self.params.home_iso3],
        )

    def product_space(self) -> tuple[int | None, list[Record], int]:
        """Products not exported with advantage at HS6 in the last year: density and PCI
        (the densest SCATTER_MAX_POINTS), the year and how many there are in all."""
        needed = ("mart.home_product_space", "mart.complexity_products")
        if not all(self.tables.has(t) for t in needed):
            return None, [], 0
        year = self.tables.value(
            "select max(year) from mart.home_product_space where level = 6 and year <= ?",
            [self.params.last_year],
        )
        if year is None:
            return None, [], 0
        has_names = self.tables.has("ref.hs_nomenclature")
        description = "d.description" if has_names else "null"
        names_join = (
            "left join ref.hs_nomenclature as d on d.level = 6 and d.hs_code = ps.product_code"
            if has_names
            else ""
        )
        rows = self.tables.records(
            f"""
            select ps.product_code as code, {description} as description, ps.density, cp.pci,
                   count(*) over () as total
            from mart.home_product_space as ps
            join mart.complexity_products as cp
              on cp.level = ps.level and cp.year = ps.year and cp.product_code = ps.product_code
            {names_join}
            where ps.level = 6 and ps.year = ? and ps.m = 0
              and ps.density is not null and cp.pci is not null
            order by ps.density desc, ps.product_code
            limit ?
            """,
            [year, SCATTER_MAX_POINTS],
        )
        return int(year), rows, (rows[0]["total"] if rows else 0)

    def product_space_chart(self, rows: list[Record], title: str) -> Markup | None:
        if not rows:
            return None
        t = self.messages
        return scatter_svg(
            [
                Point(f"{r['code']} {r['description'] or ''}".strip(), r["density"], r["pci"])
                for r in rows
            ],
            title=title,
            x_label=t["axis_density"],
            y_label=t["axis_pci"],
            x_format=partial(format_decimal, lang=self.lang, decimals=3),
            y_format=partial(format_decimal, lang=self.lang, decimals=2),
            x_tick_format=partial(format_decimal, lang=self.lang, decimals=3, trim=True),
            y_tick_format=partial(format_decimal, lang=self.lang, decimals=2, trim=True),
            chart_id="chart-product-space",
            css_class="scatter-chart chart-product-space",
        )

    # --- opportunities -------------------------------------------------------------------

    def diversification(self) -> list[Record]:
        table = "mart.diversification_opportunities"
        if not self.tables.has(table):
            return []
        columns = [
            "opportunity_rank",
            "hs6",
            "description",
            "sector",
            "year",
            "rca",
            "density",
            "distance",
            "pci",
            "cog",
            "world_imports_usd",
            "world_demand_cagr",
            "top_importers",
            "opportunity_score",
        ]
        return self.tables.records(
            f"select {self.tables.select(table, columns)} from {table} "
            "order by opportunity_rank nulls last, hs6 limit ?",
            [self.top_n],
        )

    def potential_markets(self) -> list[Record]:
        table = "mart.export_potential"
        if not self.tables.has(table):
            return []
        rows = self.tables.records(
            f"""
            select market_iso3, count(*) as products, sum(potential_usd) as potential_usd,
                   sum(actual_usd) as actual_usd, sum(untapped_usd) as untapped_usd,
                   count(*) filter (where market_access_term = 'neutral') as neutral_products
            from {table}
            group by market_iso3
            order by untapped_usd desc nulls last, market_iso3
            """
        )
        for r in rows:
            r["name"] = self.country(r["market_iso3"])
            potential = r["potential_usd"]
            r["realised_share"] = r["actual_usd"] / potential if potential else None
        return rows

    def potential_top(self) -> list[Record]:
        table = "mart.export_potential"
        if not self.tables.has(table):
            return []
        columns = [
            "market_iso3",
            "hs6",
            "description",
            "sector",
            "potential_usd",
            "actual_usd",
            "untapped_usd",
            "realised_share",
            "market_access_term",
            "home_tariff_pct",
            "average_tariff_pct",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table, columns)} from {table} "
            "where untapped_usd > 0 order by untapped_usd desc, market_iso3, hs6 limit ?",
            [self.top_n],
        )
        for r in rows:
            r["name"] = self.country(r["market_iso3"])
        return rows

    def afcfta(self) -> list[Record]:
        table = "mart.afcfta_openings"
        if not self.tables.has(table):
            return []
        name = "importer_name_fr" if self.lang == "fr" else "importer_name_en"
        columns = [
            "importer_iso3",
            name,
            "hs6",
            "description",
            "importer_imports_usd",
            "outside_share",
            "top_outside_supplier_iso3",
            "home_exports_usd",
            "home_share",
            "home_rca",
            "mfn_pct",
            "afcfta_pct",
            "tariff_margin_pts",
            "opening_usd",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table, columns)} from {table} "
            "order by opening_usd desc nulls last, importer_iso3, hs6 limit ?",
            [self.top_n],
        )
        for r in rows:
            r["name"] = r.pop(name) or self.country(r["importer_iso3"])
        return rows

    # --- versions ------------------------------------------------------------------------

    def version(self) -> Record | None:
        """The latest study version (ops.study_versions), None before the first."""
        if not self.tables.has("ops.study_versions"):
            return None
        rows = self.tables.records(
            "select study_id, refreshed_at, previous_id from ops.study_versions "
            "order by refreshed_at desc, study_id desc limit 1"
        )
        return rows[0] if rows else None

    def changes(self, version: Record | None) -> Record:
        """{state: 'first' | 'none' | 'changes', previous, current, rows, total}."""
        table = "mart.study_changes"
        previous = version["previous_id"] if version else None
        current = version["study_id"] if version else self.params.study_id
        if not self.tables.has(table):
            return {"state": "first", "previous": None, "current": current, "rows": [], "total": 0}
        total = self.tables.count(table)
        rows = self.tables.records(
            f"""
            select {
                self.tables.select(
                    table,
                    [
                        "hs6",
                        "description",
                        "sector",
                        "previous_study_id",
                        "study_id",
                        "change",
                        "previous_value",
                        "current_value",
                        "detail",
                    ],
                )
            }
            from {table}
            order by list_position(?::varchar[], change) nulls last, change, hs6
            limit ?
            """,
            [list(CHANGE_ORDER), CHANGES_SHOWN],
        )
        if rows:
            previous = rows[0]["previous_study_id"] or previous
            current = rows[0]["study_id"] or current
        for r in rows:
            r["before"], r["after"] = self._change_values(r)
        if total:
            state = "changes"
        else:
            state = "none" if previous else "first"
        return {
            "state": state,
            "previous": previous,
            "current": current,
            "rows": rows,
            "total": total,
        }

    def _change_values(self, row: Record) -> tuple[str, str]:
        change = row["change"]
        if change == "quadrant":
            before, _, after = (row["detail"] or "").partition(" -> ")
            return (
                code_label("quadrant", before if before not in ("", "-") else None, self.messages),
                code_label("quadrant", after if after not in ("", "-") else None, self.messages),
            )
        if change in ("new_export", "dropped_export", "untapped"):
            show = partial(format_usd, lang=self.lang)
        else:
            show = partial(format_decimal, lang=self.lang, decimals=2)
        return show(row["previous_value"]), show(row["current_value"])

    def vintages(self, version: Record | None) -> list[Record]:
        if version is None or not self.tables.has("ops.study_vintages"):
            return []
        return self.tables.records(
            "select source, vintage, detail, n_rows from ops.study_vintages "
            "where study_id = ? order by source, vintage",
            [version["study_id"]],
        )


def render_study_report(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str = "fr",
    top_n: int = 25,
    *,
    generated_at: datetime | None = None,
    workbook_name: str | None = None,
) -> Path:
    """Write the exportable-offer study report (`study.html` in French, `study.en.html` in
    English) into `out_dir`; returns the path of the written page.

    `top_n` rows in every ranked table (and bubbles in the positioning chart);
    `workbook_name`, when given, is the file name of the study workbook written beside the
    page (the summary links to it). Raises ValueError for an unknown language or a bad
    count, WarehouseError when the database has no study parameters or cannot be read.
    """
    check_language(lang)
    if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
        raise ValueError(f"top_n must be a positive integer, got {top_n!r}")
    generated_at = generated_at or datetime.now(UTC)

    tables = StudyTables(con)
    params = load_study_parameters(tables)
    meta = load_run_metadata(
        con,
        lang=lang,
        generated_at=generated_at,
        tables=[table for table in STUDY_MARTS if tables.has(table)],
    )
    context = page_context(lang, meta)
    t: dict[str, str] = context["t"]
    fmt: Formatter = context["fmt"]
    reader = StudyReader(tables, params, t, lang, top_n)
    year = reader.year

    summary = reader.summary()
    products = reader.top_products()
    window_start = next(
        (p["window_start_year"] for p in products if p["window_start_year"] is not None),
        None if year is None else max(params.first_year, year - params.growth_window),
    )
    positioning_title = t["positioning_chart_title"].format(
        n=len(products), start=window_start, year=year
    )
    sectors = reader.sector_table()
    market_year, markets = reader.markets()
    markets_title = t["markets_share_chart_title"].format(year=market_year)
    cms = reader.cms()
    cms_years = (params.cms_base_year, params.cms_end_year)
    if cms:
        cms_years = (cms[0]["base_year"], cms[0]["end_year"])
    cms_title = t["cms_chart_title"].format(base=cms_years[0], end=cms_years[1])
    level = reader.complexity_level()
    eci = reader.eci(level)
    space_year, space, space_total = reader.product_space()
    space_title = t["pci_chart_title"].format(year=space_year)
    potential_markets = reader.potential_markets()
    version = reader.version()
    threshold_text = format_decimal(params.rca_threshold, lang, 2)

    context.update(
        params=params,
        home_name=reader.country(params.home_iso3),
        year=year,
        threshold_text=threshold_text,
        top_n=top_n,
        code_label=partial(code_label, messages=t),
        sector_name=reader.sector,
        workbook_name=workbook_name,
        summary=summary,
        eci_latest=eci[-1] if eci else None,
        products=products,
        products_charted=sum(1 for p in products if _has_position(p)),
        window_start=window_start,
        positioning_title=positioning_title,
        positioning_chart=reader.positioning_chart(products, positioning_title),
        quadrants=reader.quadrants(summary["total_exports_usd"] if summary else None),
        sectors=sectors,
        sector_products=reader.sector_products(sectors),
        market_year=market_year,
        markets=markets,
        markets_title=markets_title,
        markets_chart=reader.markets_chart(markets, markets_title),
        concentration=reader.concentration(),
        cms=cms,
        cms_years=cms_years,
        cms_title=cms_title,
        cms_chart=reader.cms_chart(cms, cms_title),
        cms_total=next((r["value_usd"] for r in cms if r["effect"] == "total"), None),
        complexity_level=level,
        eci=eci,
        space_year=space_year,
        space_shown=len(space),
        space_total=space_total,
        space_title=space_title,
        space_chart=reader.product_space_chart(space, space_title),
        diversification=reader.diversification(),
        potential_markets=potential_markets,
        potential_top=reader.potential_top(),
        neutral_markets=[m for m in potential_markets if m["neutral_products"]],
        afcfta=reader.afcfta(),
        changes=reader.changes(version),
        version=version,
        vintages=reader.vintages(version),
        method=_method_values(params, fmt, cms_years, level, threshold_text),
    )
    html = environment().get_template(TEMPLATE).render(context)
    path = Path(out_dir) / STUDY_REPORT_FILES[lang]
    write_atomic(path, html)
    return path


def _has_position(product: Record) -> bool:
    """True when a product can be placed on the positioning chart."""
    return (
        product["quadrant"] in QUADRANTS
        and product["home_exports_cagr"] is not None
        and product["world_demand_cagr"] is not None
    )


def _shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


def _method_values(
    params: StudyParameters,
    fmt: Formatter,
    cms_years: tuple[int, int],
    level: int | None,
    threshold_text: str,
) -> dict[str, Any]:
    """The parameters the method notes quote, formatted in the report's language."""
    return {
        "threshold": threshold_text,
        "window": params.growth_window,
        "horizon": params.horizon_years,
        "home_growth": fmt.percent(params.home_growth, 1),
        "world_growth": fmt.percent(params.world_growth, 1),
        "cap": fmt.percent(params.demand_growth_cap, 1),
        "elasticity": fmt.decimal(params.tariff_elasticity, 2, trim=True),
        "actual_years": params.actual_years,
        "demand_trend": params.demand_growth == "trend",
        "base": cms_years[0],
        "end": cms_years[1],
        "level": level or 6,
    }
