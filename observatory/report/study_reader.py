"""The sections of the study report, read from the study marts: lists of records (dicts
keyed by column name) in one language, selected and sorted after their declaration in the
catalogue. A mart that is missing or empty gives an empty section (the page then says so).
"""

from __future__ import annotations

from functools import partial
from typing import Any

from observatory.report import catalogue
from observatory.report.formatting import Formatter, format_decimal, format_usd
from observatory.report.parameters import StudyParameters
from observatory.report.provenance import Provenance
from observatory.report.published import PublishedTables, Record
from observatory.report.sources import (
    Origin,
    feeds_text,
    level_text,
    origin_clauses,
    reason_text,
    study_vintage_texts,
    years_text,
)
from observatory.report.texts import code_label

SECTOR_PRODUCTS = 10  # products listed per sector (at most top_n)
QUADRANT_EXAMPLES = 3
EXAMPLE_CHARS = 48  # product descriptions in the quadrant table (full text in a tooltip)
SCATTER_MAX_POINTS = 400  # the densest products: thousands of circles would bloat the page
CHANGES_SHOWN = 100
COVERAGE_SHOWN = 100  # groups of mart.input_coverage (the workbook has every row)
COVERAGE_MARKETS_LISTED = 8  # beyond, a group says how many markets it covers


def shorten(text: str, max_chars: int) -> str:
    return text if len(text) <= max_chars else text[: max_chars - 1].rstrip() + "…"


class StudyReader:
    """Loads each section of the study report in one language."""

    def __init__(
        self,
        tables: PublishedTables,
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
        self.fmt = Formatter(lang)
        self.provenance = Provenance(tables, messages, lang)
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
        """The home country's largest exports (the positioning chart's bubbles)."""
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

    def quadrants(self, total_exports: float | None) -> list[Record]:
        if self.year is None:
            return []
        rows = self.tables.records(
            f"""
            select quadrant, count(*) as products, sum(home_exports_usd) as exports_usd,
                   list({{'code': code, 'description': {self._description()}}}
                        order by home_exports_usd desc, code)[1:{QUADRANT_EXAMPLES}] as examples
            from {catalogue.QUADRANT_SUMMARY.source}
            where level = 'hs6' and year = ? and home_exports_usd > 0 and quadrant is not null
            group by quadrant
            """,
            [self.year],
        )
        for r in rows:
            for example in r["examples"]:
                example["short"] = shorten(example["description"] or "", EXAMPLE_CHARS)
        found = {r["quadrant"]: r for r in rows}
        table = []
        for quadrant in catalogue.QUADRANTS:
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
        table = catalogue.SECTORS
        rows = self.tables.records(
            f"""
            select code, {self._description()} as name, home_exports_usd,
                   home_exports_usd / nullif(home_total_exports_usd, 0) as share_of_exports,
                   world_market_share, world_market_share_change_pts, rca, rsca,
                   trade_balance_index, market_penetration, home_exports_cagr,
                   world_demand_cagr, quadrant
            from {table.source}
            where level = 'sector' and year = ?
            {table.order_by()}
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
        table = catalogue.SECTOR_PRODUCTS
        rows = self.tables.records(
            f"""
            select code, {self._description()} as description,
                   coalesce(sector, 'other') as sector, home_exports_usd, world_market_share,
                   world_market_share_change_pts, rca, rsca, trade_balance_index,
                   market_penetration, home_exports_cagr, world_demand_cagr, quadrant
            from {table.source}
            where level = 'hs6' and year = ? and home_exports_usd > 0
            qualify row_number() over (
                partition by coalesce(sector, 'other') order by home_exports_usd desc, code
            ) <= ?
            {table.order_by()}
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

    # --- the exporter fabric (mart.fabric_*, published after disclosure control) ----------

    def has_fabric_products(self) -> bool:
        return self.tables.has("mart.fabric_products") and self.tables.has_rows(
            "mart.fabric_products"
        )

    def fabric_products(self, groups: list[Record]) -> bool:
        """Give the listed products of `groups` (sector_products) their number of exporters
        and fragility in the reference year (`fabric_status`, `fabric_exporters`,
        `fabric_fragile`; status None when the fabric has no cell for the product). False,
        and the rows untouched, when the published database has no fabric products."""
        if self.year is None or not self.has_fabric_products():
            return False
        cells = {
            r["hs6"]: r
            for r in self.tables.records(
                "select hs6, status, n_exporters, fragile from mart.fabric_products where year = ?",
                [self.year],
            )
        }
        for group in groups:
            for product in group["products"]:
                cell = cells.get(product["code"], {})
                product["fabric_status"] = cell.get("status")
                product["fabric_exporters"] = cell.get("n_exporters")
                product["fabric_fragile"] = cell.get("fragile")
        return True

    def fabric_rules(self) -> Record | None:
        """The disclosure rules the fabric's cells were published under."""
        if not self.tables.has("mart.fabric_disclosure"):
            return None
        rows = self.tables.records(
            "select min_exporters, dominance_share from mart.fabric_disclosure limit 1"
        )
        return rows[0] if rows else None

    def fabric_totals(self) -> Record | None:
        """The fabric's headline figures (all exporters) of its last year within the study."""
        if not self.tables.has("mart.fabric_indicators"):
            return None
        rows = self.tables.records(
            "select year, status, n_exporters, entry_rate, exit_rate, top5_share "
            "from mart.fabric_indicators where dimension = 'total' and year <= ? "
            "order by year desc limit 1",
            [self.params.last_year],
        )
        return rows[0] if rows else None

    # --- markets and concentration -------------------------------------------------------

    def markets(self) -> tuple[int | None, list[Record]]:
        table = catalogue.MARKET_INDICATORS
        if not self.tables.has(table.source):
            return None, []
        year = self.tables.value(
            f"select max(year) from {table.source} where year <= ?", [self.params.last_year]
        )
        if year is None:
            return None, []
        name = "market_name_fr" if self.lang == "fr" else "market_name_en"
        columns = [name if f == "name" else f for f in table.fields]
        rows = self.tables.records(
            f"select {self.tables.select(table.source, columns)} from {table.source} "
            f"where year = ?{table.order_by()}",
            [year],
        )
        for r in rows:
            r["name"] = r.pop(name) or self.country(r["market_iso3"])
        return int(year), rows

    def concentration(self) -> list[Record]:
        table = catalogue.CONCENTRATION
        if not self.tables.has(table.source):
            return []
        return self.tables.records(
            f"select {', '.join(table.fields)} from {table.source}{table.order_by()}"
        )

    def cms(self) -> list[Record]:
        table = catalogue.CMS
        if not self.tables.has(table.source):
            return []
        return self.tables.records(
            f"select base_year, end_year, {', '.join(table.fields)} from {table.source} "
            f"where scope = 'all'{table.order_by()}"
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
            f"""
            with ranked as (
                select year, iso3, diversity, eci, coi,
                       rank() over (partition by year order by eci desc nulls last) as eci_rank,
                       count(eci) over (partition by year) as countries
                from {catalogue.ECI.source}
                where level = ?
            )
            select year, diversity, eci, case when eci is not null then eci_rank end as eci_rank,
                   countries, coi
            from ranked
            where iso3 = ?
            {catalogue.ECI.order_by()}
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

    # --- opportunities -------------------------------------------------------------------

    def diversification(self) -> list[Record]:
        table = catalogue.DIVERSIFICATION
        if not self.tables.has(table.source):
            return []
        columns = [c.field for c in table.columns if not c.derived] + ["sector", "year"]
        rows = self.tables.records(
            f"select {self.tables.select(table.source, columns)} from {table.source}"
            f"{table.order_by()} limit ?",
            [self.top_n],
        )
        for r in rows:
            r["sector_name"] = self.sector(r["sector"])
        return rows

    def potential_markets(self) -> list[Record]:
        table = catalogue.POTENTIAL_MARKETS
        if not self.tables.has(table.source):
            return []
        rows = self.tables.records(
            f"""
            select market_iso3, count(*) as products, sum(potential_usd) as potential_usd,
                   sum(actual_usd) as actual_usd, sum(untapped_usd) as untapped_usd,
                   count(*) filter (where market_access_term = 'neutral') as neutral_products
            from {table.source}
            group by market_iso3
            {table.order_by()}
            """
        )
        for r in rows:
            r["name"] = self.country(r["market_iso3"])
            potential = r["potential_usd"]
            r["realised_share"] = r["actual_usd"] / potential if potential else None
            r["tariff_products"] = r["products"] - r["neutral_products"]
        return rows

    def potential_top(self) -> list[Record]:
        table = catalogue.POTENTIAL_TOP
        if not self.tables.has(table.source):
            return []
        columns = ["market_iso3", *(c.field for c in table.columns if not c.derived), "sector"]
        rows = self.tables.records(
            f"select {self.tables.select(table.source, columns)} from {table.source} "
            f"where untapped_usd > 0{table.order_by()} limit ?",
            [self.top_n],
        )
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
            r["name"] = self.country(r["market_iso3"])
        return rows

    # The AfCFTA table's columns read from other marts than its source, joined on the
    # market and the HS6: (mart, its market column, the columns taken from it).
    AFCFTA_JOINS = (
        ("mart.export_potential", "market_iso3", ("untapped_usd",)),
        ("mart.afcfta_margins", "importer_iso3", ("margin_opens_year",)),
    )

    def afcfta(self) -> list[Record]:
        """The AfCFTA openings ranked by untapped export potential (mart.export_potential,
        same market and HS6), with the year the AfCFTA margin opens (mart.afcfta_margins).
        An opening without a potential or margins keeps NULL there and sorts last;
        `margins_loaded` tells a margin that never opens from a schedule not loaded."""
        table = catalogue.AFCFTA
        if not self.tables.has(table.source):
            return []
        name = "importer_name_fr" if self.lang == "fr" else "importer_name_en"
        joined = {f for _, _, fields in self.AFCFTA_JOINS for f in fields}
        own = [
            "importer_iso3",
            name,
            *(c.field for c in table.columns if not c.derived and c.field not in joined),
        ]
        items = [
            f"o.{c}" if c in self.tables.columns(table.source) else f"null as {c}" for c in own
        ]
        joins = []
        for i, (mart, market, fields) in enumerate(self.AFCFTA_JOINS):
            alias = f"j{i}"
            present = set(self.tables.columns(mart))
            if {market, "hs6"} <= present:
                items += [f"{alias}.{f}" if f in present else f"null as {f}" for f in fields]
                # One row per market and HS6, whatever the mart holds.
                taken = [f"any_value({f}) as {f}" for f in fields if f in present]
                joins.append(
                    f" left join (select {', '.join([f'{market} as market', 'hs6', *taken])}"
                    f" from {mart} group by {market}, hs6) as {alias}"
                    f" on {alias}.market = o.importer_iso3 and {alias}.hs6 = o.hs6"
                )
                if mart == "mart.afcfta_margins":
                    items.append(f"{alias}.market is not null as margins_loaded")
            else:
                items += [f"null as {f}" for f in fields]
                if mart == "mart.afcfta_margins":
                    items.append("false as margins_loaded")
        rows = self.tables.records(
            f"select * from (select {', '.join(items)} from {table.source} as o"
            f"{''.join(joins)}){table.order_by()} limit ?",
            [self.top_n],
        )
        for rank, r in enumerate(rows, start=1):
            r["rank"] = rank
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
        table = catalogue.CHANGES
        previous = version["previous_id"] if version else None
        current = version["study_id"] if version else self.params.study_id
        if not self.tables.has(table.source):
            return {"state": "first", "previous": None, "current": current, "rows": [], "total": 0}
        total = self.tables.count(table.source)
        columns = [
            *(c.field for c in table.columns if not c.derived),
            "sector",
            "previous_study_id",
            "study_id",
            "previous_value",
            "current_value",
            "detail",
        ]
        rows = self.tables.records(
            f"select {self.tables.select(table.source, columns)} from {table.source}"
            f"{table.order_by()} limit ?",
            [CHANGES_SHOWN],
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
        show: Any
        if change in ("new_export", "dropped_export", "untapped"):
            show = partial(format_usd, lang=self.lang)
        else:
            show = partial(format_decimal, lang=self.lang, decimals=2)
        return show(row["previous_value"]), show(row["current_value"])

    def vintages(self, version: Record | None) -> list[Record]:
        """The input vintages of the version, named in the page's language."""
        table = catalogue.VINTAGES
        if version is None or not self.tables.has(table.source):
            return []
        rows = self.tables.records(
            f"select {', '.join(table.fields)} from {table.source} "
            f"where study_id = ?{table.order_by()}",
            [version["study_id"]],
        )
        for r in rows:
            r["source"], r["vintage"], r["detail"] = study_vintage_texts(
                r["source"], r["vintage"], r["detail"], self.messages, self.fmt,
                self.provenance.loaded,
            )
        return rows

    # --- sources of the indicators -------------------------------------------------------

    def coverage(self) -> tuple[list[Record], int]:
        """mart.input_coverage by side, input, source, use and reason: the years, levels and
        markets of each group, in the page's language; and how many groups there are."""
        table = catalogue.COVERAGE
        if not self.tables.has(table.source):
            return [], 0
        rows = self.tables.records(
            f"""
            with coverage as (
                -- Rows and value are counted at the group's finest level: the coarser
                -- levels are the same trade summed up.
                select *, max(hs_level) over (partition by side, input, source, used, reason)
                    as finest
                from {table.source}
            )
            select side, input, source, list(distinct release order by release) as releases,
                   list(distinct year order by year) as year_list,
                   list(distinct hs_level order by hs_level desc) as level_list,
                   list(distinct market_iso3 order by market_iso3)
                       filter (where market_iso3 is not null) as market_list,
                   sum(n_rows) filter (where hs_level = finest) as n_rows,
                   sum(value_usd) filter (where hs_level = finest) as value_usd, used,
                   reason, max(feeds) as feeds, count(*) over () as total
            from coverage
            group by side, input, source, used, reason
            {table.order_by()}
            limit ?
            """,
            [COVERAGE_SHOWN],
        )
        loaded = self.provenance.loaded
        for r in rows:
            origins = [Origin(r["source"], release) for release in r["releases"] or []]
            clauses = origin_clauses(origins or [Origin(r["source"])], self.messages, self.fmt,
                                     loaded)
            r["source_text"] = "; ".join(clauses) if clauses else "—"
            r["years"] = years_text(r["year_list"] or [])
            r["levels"] = ", ".join(level_text(v, self.messages) for v in r["level_list"] or [])
            markets = r["market_list"] or []
            r["markets"] = (
                self.messages["coverage_markets_count"].format(n=self.fmt.integer(len(markets)))
                if len(markets) > COVERAGE_MARKETS_LISTED
                else ", ".join(markets) or "—"
            )
            r["use"] = (
                feeds_text(r["feeds"], self.messages) if r["used"]
                else reason_text(r["reason"], self.messages)
            )
        return rows, (rows[0]["total"] if rows else 0)
