"""Product fiches: one page per HS6 and HS4 product the home country exports or could export
(`product-<code>.html`, `product-<code>.en.html`, beside the other pages), as an adviser
forwards it: exports and their series, world demand, RCA and positioning, its markets
(share, rank, growth of their imports, tariff faced and margin, leading supplier, export
potential and untapped potential), leading competitors, regulatory notifications and RASFF
incidents, AfCFTA openings, and the sources of every table.

Which products: every HS6 with home exports in the study's last five years, every HS6 of
`mart.diversification_opportunities` or `mart.export_potential` (what it could export), and
every HS4 heading of those that `mart.product_competitiveness` holds.

Speed: thousands of fiches are rendered per language, so each mart is read once for all
products (`load_fiches`: one query per mart) and grouped in Python; a fiche then only
formats its own rows. `render_product_fiches` returns the paths written; the time per
fiche is measured by `tests/test_product_fiche.py` and printed by the benchmark.
"""

from __future__ import annotations

from collections import defaultdict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

import duckdb
from markupsafe import Markup

from observatory.report import parameters
from observatory.report.atomic import write_atomic
from observatory.report.catalogue import product as tables_of
from observatory.report.charts import Bubble, bar_chart_svg, bubble_chart_svg, column_chart_svg
from observatory.report.evidence import safe_link
from observatory.report.filenames import market_file, product_file
from observatory.report.formatting import Formatter, check_language
from observatory.report.metadata import load_run_metadata
from observatory.report.page import environment, page_context, render_html
from observatory.report.provenance import Provenance
from observatory.report.published import PublishedTables, Record
from observatory.report.texts import code_label

TEMPLATE = "product.html.j2"
FOOTER = "_run_metadata.html.j2"
SERIES_YEARS = 5
COMPETITORS_SHOWN = 3  # leading suppliers per market
WRITERS = 4  # threads writing the rendered fiches
PROSPECTS_TAGGED = 8  # the largest markets named on the prospects chart
UNTAPPED_CHARTED = 10  # markets on the untapped-potential chart
FICHE_TABLES = (
    "mart.product_competitiveness",
    "mart.market_product_shares",
    "mart.export_potential",
    "mart.diversification_opportunities",
    "mart.afcfta_openings",
    "mart.watch_competitors",
    "mart.watch_tariff_margins",
    "mart.regulatory_exposure",
    "core.rasff_notifications",
)
LEVELS = ("hs6", "hs4")


@dataclass
class Fiche:
    """Everything one product's page shows, in no language yet."""

    code: str
    level: str
    description: str | None = None
    sector: str | None = None
    series: list[Record] = field(default_factory=list)  # by year
    markets: dict[str, Record] = field(default_factory=dict)  # by market ISO3
    competitors: list[Record] = field(default_factory=list)
    opportunity: Record | None = None
    afcfta: list[Record] = field(default_factory=list)
    notifications: list[Record] = field(default_factory=list)
    rasff: list[Record] = field(default_factory=list)
    lines: list[Record] = field(default_factory=list)  # an HS4's HS6 lines

    @property
    def latest(self) -> Record | None:
        return self.series[-1] if self.series else None

    @property
    def heading(self) -> str | None:
        """The HS4 heading of an HS6 line."""
        return self.code[:4] if self.level == "hs6" else None


@dataclass
class FicheSet:
    """The fiches of every product, and what their pages share."""

    fiches: dict[str, Fiche]
    last_year: int | None
    countries: dict[str, tuple[str, str]]  # ISO3 -> (name_fr, name_en)
    sectors: dict[str, tuple[str, str]]  # code -> (name_fr, name_en)
    market_pages: set[str]  # ISO3 of the markets with a watch page
    eu: frozenset[str] = frozenset()  # EU members (RASFF concerns what they import)

    def country(self, iso3: str | None, lang: str) -> str:
        if not iso3:
            return ""
        names = self.countries.get(iso3)
        return (names[0] if lang == "fr" else names[1]) or iso3 if names else iso3

    def sector_name(self, code: str | None, lang: str) -> str | None:
        names = self.sectors.get(code or "")
        return (names[0] if lang == "fr" else names[1]) if names else None


def _cagr(first: float | None, last: float | None, years: int) -> float | None:
    """Compound annual growth rate from `first` to `last` over `years` years (None when it
    is not defined: no span, or a missing or non-positive end)."""
    if years <= 0 or not first or not last or first <= 0 or last <= 0:
        return None
    return float((last / first) ** (1 / years) - 1)


def load_fiches(tables: PublishedTables, home_iso3: str) -> FicheSet:
    """Every product fiche's rows, one query per mart (see the module's docstring)."""
    country_rows = (
        tables.records("select iso3, name_fr, name_en, eu_member from ref.countries")
        if tables.has("ref.countries")
        else []
    )
    countries = {r["iso3"]: (r["name_fr"], r["name_en"]) for r in country_rows}
    eu = frozenset(r["iso3"] for r in country_rows if r["eu_member"])
    sectors: dict[str, tuple[str, str]] = {}
    if tables.has("ref.hs_sectors"):
        sectors = {
            r["sector"]: (r["fr"], r["en"])
            for r in tables.records(
                "select sector, any_value(sector_name_fr) as fr, any_value(sector_name_en) as en "
                "from ref.hs_sectors group by sector"
            )
        }
    pc = "mart.product_competitiveness"
    fiches: dict[str, Fiche] = {}
    last_year: int | None = None
    if tables.has(pc):
        last_year = tables.value(f"select max(year) from {pc} where level = 'hs6'")
    if last_year is None:
        return FicheSet({}, None, countries, sectors, set())
    first_year = int(last_year) - SERIES_YEARS + 1
    rows = tables.records(
        f"""
        select year, level, code, description, sector, home_exports_usd, world_exports_usd,
               world_market_share, rca, quadrant, home_exports_cagr, world_demand_cagr,
               markets_served, markets_importing
        from {pc}
        where level in ('hs6', 'hs4') and year between ? and ?
        order by level, code, year
        """,
        [first_year, last_year],
    )
    series: dict[tuple[str, str], list[Record]] = defaultdict(list)
    for r in rows:
        series[(r["level"], r["code"])].append(r)

    # The products: exported in the window, or an opportunity, or with an export potential.
    wanted: set[str] = {
        code
        for (level, code), rs in series.items()
        if level == "hs6" and any((r["home_exports_usd"] or 0) > 0 for r in rs)
    }
    opportunities: dict[str, Record] = {}
    if tables.has("mart.diversification_opportunities"):
        for r in tables.records(
            "select hs6, description, sector, rca, density, distance, pci, feasibility_pct, "
            "desirability_pct, opportunity_score, opportunity_rank, world_imports_usd, "
            "world_demand_cagr from mart.diversification_opportunities"
        ):
            opportunities[r["hs6"]] = r
    potential: list[Record] = []
    if tables.has("mart.export_potential"):
        potential = tables.records(
            "select market_iso3, hs6, description, sector, market_imports_usd, "
            "home_tariff_pct, average_tariff_pct, potential_usd, actual_usd, untapped_usd, "
            "realised_share, demand_growth_rate from mart.export_potential"
        )
    wanted |= set(opportunities) | {r["hs6"] for r in potential}
    wanted = {code for code in wanted if code and code.isdigit() and len(code) == 6}
    headings = {code[:4] for code in wanted if ("hs4", code[:4]) in series}

    for code in sorted(wanted):
        rs = series.get(("hs6", code), [])
        opp = opportunities.get(code)
        fiche = Fiche(code, "hs6", series=rs, opportunity=opp)
        fiche.description = next(
            (r["description"] for r in reversed(rs) if r["description"]),
            opp["description"] if opp else None,
        )
        fiche.sector = next(
            (r["sector"] for r in reversed(rs) if r["sector"]), opp["sector"] if opp else None
        )
        fiches[code] = fiche
    for code in sorted(headings):
        rs = series[("hs4", code)]
        fiche = Fiche(code, "hs4", series=rs)
        fiche.description = next((r["description"] for r in reversed(rs) if r["description"]), None)
        fiches[code] = fiche
    for code, fiche in fiches.items():
        if fiche.level == "hs6" and code[:4] in fiches:
            heading = fiches[code[:4]]
            heading.lines.append(
                {**(fiche.latest or {}), "code": code, "description": fiche.description}
            )
            heading.sector = heading.sector or fiche.sector

    _add_markets(tables, fiches, int(last_year), first_year, potential)
    _add_competitors(tables, fiches)
    _add_afcfta(tables, fiches)
    _add_notifications(tables, fiches)
    _add_rasff(tables, fiches, home_iso3)
    market_pages = (
        set(parameters.priority_markets(tables)) if parameters.has_watch(tables) else set()
    )
    return FicheSet(fiches, int(last_year), countries, sectors, market_pages, eu)


def _add_markets(
    tables: PublishedTables,
    fiches: dict[str, Fiche],
    last_year: int,
    first_year: int,
    potential: list[Record],
) -> None:
    """Each fiche's markets: the product's imports there (last year and their growth since
    the first year of the series), the home country's share and rank, the leading supplier,
    the tariff faced and the margin, the export potential and what is left untapped."""
    mps = "mart.market_product_shares"
    if tables.has(mps):
        rows = tables.records(
            f"""
            select year, market_iso3, level, code, market_imports_usd, home_exports_usd,
                   home_share, home_rank, suppliers, top_supplier_iso3, top_supplier_share
            from {mps}
            where level in ('hs6', 'hs4') and year between ? and ?
            order by level, code, market_iso3, year
            """,
            [first_year, last_year],
        )
        first: dict[tuple[str, str], Record] = {}
        for r in rows:
            fiche = fiches.get(r["code"])
            if fiche is None or fiche.level != r["level"]:
                continue
            key = (r["code"], r["market_iso3"])
            first.setdefault(key, r)
            if r["year"] != last_year:
                continue
            start = first[key]
            fiche.markets[r["market_iso3"]] = {
                "market_iso3": r["market_iso3"],
                "market_imports_usd": r["market_imports_usd"],
                "imports_cagr": _cagr(
                    start["market_imports_usd"], r["market_imports_usd"], last_year - start["year"]
                ),
                "home_exports_usd": r["home_exports_usd"],
                "home_share": r["home_share"],
                "home_rank": r["home_rank"],
                "leader_iso3": r["top_supplier_iso3"],
                "leader_share": r["top_supplier_share"],
                "home_tariff_pct": None,
                "margin_pts": None,
                "potential_usd": None,
                "untapped_usd": None,
            }
    # Export potential: HS6 rows, summed over the lines of an HS4 heading.
    for r in potential:
        for code in (r["hs6"], r["hs6"][:4]):
            fiche = fiches.get(code)
            if fiche is None:
                continue
            row = fiche.markets.setdefault(
                r["market_iso3"],
                {
                    "market_iso3": r["market_iso3"],
                    "market_imports_usd": None,
                    "imports_cagr": None,
                    "home_exports_usd": None,
                    "home_share": None,
                    "home_rank": None,
                    "leader_iso3": None,
                    "leader_share": None,
                    "home_tariff_pct": None,
                    "margin_pts": None,
                    "potential_usd": None,
                    "untapped_usd": None,
                },
            )
            if fiche.level == "hs6":
                row["demand_growth_rate"] = r["demand_growth_rate"]
                row["market_imports_usd"] = row["market_imports_usd"] or r["market_imports_usd"]
                row["home_tariff_pct"] = r["home_tariff_pct"]
                if r["home_tariff_pct"] is not None and r["average_tariff_pct"] is not None:
                    row["margin_pts"] = r["average_tariff_pct"] - r["home_tariff_pct"]
            for name in ("potential_usd", "untapped_usd"):
                if r[name] is not None:
                    row[name] = (row[name] or 0.0) + r[name]
    # Tariffs of the watch where the potential gave none: the margin against competitors.
    if tables.has("mart.watch_tariff_margins"):
        margins: dict[tuple[str, str], list[float]] = defaultdict(list)
        tariffs: dict[tuple[str, str], float] = {}
        for r in tables.records(
            "select market_iso3, hs6, home_tariff_pct, margin_pts from mart.watch_tariff_margins"
        ):
            key = (r["hs6"], r["market_iso3"])
            if r["home_tariff_pct"] is not None:
                tariffs[key] = r["home_tariff_pct"]
            if r["margin_pts"] is not None:
                margins[key].append(r["margin_pts"])
        for (code, market), tariff in tariffs.items():
            fiche = fiches.get(code)
            row = fiche.markets.get(market) if fiche else None
            if row is not None and row["home_tariff_pct"] is None:
                row["home_tariff_pct"] = tariff
                found = margins.get((code, market))
                row["margin_pts"] = sum(found) / len(found) if found else None


def _add_competitors(tables: PublishedTables, fiches: dict[str, Fiche]) -> None:
    """The leading suppliers of the product in each watched market (latest annual period)."""
    if not tables.has("mart.watch_competitors"):
        return
    rows = tables.records(
        """
        select market_iso3, level, code, period, supplier_iso3, role, exports_usd, share, rank
        from mart.watch_competitors
        where period_kind = 'annual' and level in ('hs6', 'hs4') and rank is not null
        qualify period = max(period) over (partition by market_iso3, level, code)
        order by market_iso3, level, code, rank
        """
    )
    for r in rows:
        fiche = fiches.get(r["code"])
        if fiche is not None and fiche.level == r["level"] and r["rank"] <= COMPETITORS_SHOWN:
            fiche.competitors.append(r)


def _add_afcfta(tables: PublishedTables, fiches: dict[str, Fiche]) -> None:
    if not tables.has("mart.afcfta_openings"):
        return
    for r in tables.records(
        "select importer_iso3, hs6, importer_imports_usd, outside_share, mfn_pct, afcfta_pct, "
        "tariff_margin_pts, opening_usd from mart.afcfta_openings "
        "order by opening_usd desc nulls last, importer_iso3"
    ):
        for code in (r["hs6"], r["hs6"][:4]):
            if code in fiches:
                fiches[code].afcfta.append(r)


def _by_prefix(fiches: dict[str, Fiche], rows: list[Record], column: str, target: str) -> None:
    """Append each row to the fiches its HS code concerns: the products under it (a chapter
    or a heading covers its lines) and the heading and line it falls under."""
    under: dict[str, list[Fiche]] = defaultdict(list)  # an HS2/HS4/HS6 prefix -> fiches
    for code, fiche in fiches.items():
        for k in (2, 4, 6):
            if len(code) >= k:
                under[code[:k]].append(fiche)
    for r in rows:
        prefix = str(r[column] or "")
        if len(prefix) < 2 or not prefix.isdigit():
            continue
        found: dict[str, Fiche] = {}
        k = max(n for n in (2, 4, 6) if n <= len(prefix))
        for fiche in under.get(prefix[:k], []):
            if fiche.code.startswith(prefix[:6]):
                found[fiche.code] = fiche
        for code in (prefix[:4], prefix[:6]):  # the heading and line the code falls under
            if len(code) in (4, 6) and code in fiches and len(code) <= len(prefix):
                found[code] = fiches[code]
        for fiche in found.values():
            getattr(fiche, target).append(r)


def _add_notifications(tables: PublishedTables, fiches: dict[str, Fiche]) -> None:
    if not tables.has("mart.regulatory_exposure"):
        return
    rows = tables.records(
        """
        select source, symbol, title, link, distribution_date, comment_deadline, is_open,
               market_iso3, hs_code
        from mart.regulatory_exposure
        qualify row_number() over (partition by source, notification_id, hs_code
                                   order by priority_rank) = 1
        order by distribution_date desc nulls last, symbol
        """
    )
    _by_prefix(fiches, rows, "hs_code", "notifications")


def _add_rasff(tables: PublishedTables, fiches: dict[str, Fiche], home_iso3: str) -> None:
    """The RASFF notifications on products of the home country, by the HS codes the
    notification's product was matched to (core.rasff_hs)."""
    needed = ("core.rasff_notifications", "core.rasff_hs", "core.rasff_origins")
    if not all(tables.has(t) for t in needed):
        return
    rows = tables.records(
        """
        select n.reference, n.notification_date, n.category, n.subject, h.hs_prefix
        from core.rasff_notifications as n
        join core.rasff_hs as h using (reference)
        where n.is_current
          and n.reference in (select reference from core.rasff_origins where origin_iso3 = ?)
        order by n.notification_date desc nulls last, n.reference
        """,
        [home_iso3],
    )
    _by_prefix(fiches, rows, "hs_prefix", "rasff")


# --- one fiche's page ------------------------------------------------------------------------


def fiche_context(found: FicheSet, fiche: Fiche, lang: str, t: dict[str, str]) -> dict[str, Any]:
    """The context of one fiche's template (added to the page context)."""
    fmt = Formatter(lang)
    latest = fiche.latest
    markets = sorted(
        fiche.markets.values(),
        key=lambda m: (
            -(m["untapped_usd"] or 0.0),
            -(m["market_imports_usd"] or 0.0),
            m["market_iso3"],
        ),
    )
    for m in markets:
        m["market"] = found.country(m["market_iso3"], lang)
        m["leader"] = found.country(m["leader_iso3"], lang)
        m["market_link"] = (
            market_file(m["market_iso3"], lang) if m["market_iso3"] in found.market_pages else None
        )
    competitors = [
        {
            **r,
            "market": found.country(r["market_iso3"], lang),
            "supplier": found.country(r["supplier_iso3"], lang),
        }
        for r in fiche.competitors
    ]
    afcfta = [{**r, "market": found.country(r["importer_iso3"], lang)} for r in fiche.afcfta]
    notifications = [
        {
            **r,
            "market": found.country(r["market_iso3"], lang),
            "url": safe_link(r["link"]),
            "distribution_date": fmt.date_only(r["distribution_date"]),
            "comment_deadline": fmt.date_only(r["comment_deadline"]),
        }
        for r in fiche.notifications
    ]
    rasff = [{**r, "notification_date": fmt.date_only(r["notification_date"])} for r in fiche.rasff]
    chart = None
    charted = [
        (str(r["year"]), r["home_exports_usd"])
        for r in fiche.series
        if r["home_exports_usd"] is not None
    ]
    if len(charted) > 1 and any(v for _, v in charted):
        chart = column_chart_svg(
            charted,
            title=t["pf_chart_series"].format(code=fiche.code),
            value_format=fmt.usd,
            tick_format=fmt.usd,
            chart_id="chart-product-series",
        )
    prospects, untapped = _market_charts(markets, fiche.code, fmt, t)
    first = fiche.series[0] if fiche.series else None
    growth = (
        _cagr(first["home_exports_usd"], latest["home_exports_usd"], latest["year"] - first["year"])
        if first and latest
        else None
    )
    lines = [
        {**r, "link": product_file(r["code"], lang)}
        for r in sorted(fiche.lines, key=lambda r: -(r.get("home_exports_usd") or 0.0))
    ]
    heading = fiche.heading
    return {
        "fiche": fiche,
        "latest": latest,
        "export_growth": growth,
        "sector_name": found.sector_name(fiche.sector, lang),
        "quadrant": code_label("quadrant", latest["quadrant"], t)
        if latest and latest["quadrant"]
        else None,
        "markets": markets,
        "competitors": competitors,
        "afcfta": afcfta,
        "notifications": notifications,
        "rasff": rasff,
        "lines": lines,
        "heading_link": product_file(heading, lang)
        if heading and heading in found.fiches
        else None,
        "series_chart": chart,
        "prospects_chart": prospects,
        "untapped_chart": untapped,
        "tables": tables_of,
    }


def _market_charts(
    markets: list[Record], code: str, fmt: Formatter, t: dict[str, str]
) -> tuple[Markup | None, Markup | None]:
    """The market-prospects bubble chart (growth of the market's imports against the home
    country's share, size = the market's imports) and the untapped potential by market."""
    placed = [
        m for m in markets
        if m["imports_cagr"] is not None and m["home_share"] is not None
        and m["market_imports_usd"]
    ]  # fmt: skip
    prospects = None
    if len(placed) >= 2:
        largest = {
            m["market_iso3"]
            for m in sorted(placed, key=lambda m: -m["market_imports_usd"])[:PROSPECTS_TAGGED]
        }
        prospects = bubble_chart_svg(
            [
                Bubble(
                    label=m["market"],
                    x=m["imports_cagr"],
                    y=m["home_share"],
                    size=m["market_imports_usd"],
                    group="served" if (m["home_exports_usd"] or 0) > 0 else "not_served",
                    tag=m["market_iso3"] if m["market_iso3"] in largest else None,
                )
                for m in placed
            ],
            title=t["pf_chart_prospects"].format(code=code),
            x_label=t["pf_axis_imports_growth"],
            y_label=t["pf_axis_home_share"],
            groups=[("served", t["pf_group_served"]), ("not_served", t["pf_group_not_served"])],
            x_format=partial(fmt.percent, decimals=1),
            y_format=partial(fmt.percent, decimals=1),
            size_format=fmt.usd,
            chart_id="chart-product-prospects",
        )
    gaps = sorted(
        (m for m in markets if (m["untapped_usd"] or 0) > 0), key=lambda m: -m["untapped_usd"]
    )[:UNTAPPED_CHARTED]
    untapped = (
        bar_chart_svg(
            [(m["market"], m["untapped_usd"]) for m in gaps],
            title=t["pf_chart_untapped"].format(code=code),
            value_format=fmt.usd,
            tick_format=fmt.usd,
            chart_id="chart-product-untapped",
        )
        if gaps
        else None
    )
    return prospects, untapped


def render_product_fiches(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    lang: str,
    *,
    codes: list[str] | None = None,
    generated_at: datetime | None = None,
    found: FicheSet | None = None,
) -> list[Path]:
    """Write the product fiches in `lang` into `out_dir` (all of them, or only
    `codes`); `found` reuses fiches already loaded (the other language's). Returns the
    paths written."""
    check_language(lang)
    generated_at = generated_at or datetime.now(UTC)
    tables = PublishedTables(con, "product fiches")
    if not tables.has("mart.product_competitiveness"):
        return []
    meta = load_run_metadata(
        tables.with_reader("report"),
        lang=lang,
        generated_at=generated_at,
        counted=[t for t in FICHE_TABLES if tables.has(t)],
    )
    found = found or load_fiches(tables, meta.parameters.home_iso3)
    base = page_context(lang, meta)
    t: dict[str, str] = base["t"]
    base["sources"] = _source_lines(tables, t, lang)
    # Every fiche has the same footer: rendered once, not once per fiche.
    base["footer"] = Markup(environment().get_template(FOOTER).render(base))
    folder = Path(out_dir)
    selected = found.fiches if codes is None else {c: found.fiches[c] for c in codes}
    # Rendering holds the interpreter; writing waits on the disk (each file is synced):
    # the writes run on a few threads while the next fiches render.
    paths: list[Path] = []
    with ThreadPoolExecutor(max_workers=WRITERS) as pool:
        writes = []
        for code, fiche in selected.items():
            path = folder / product_file(code, lang)
            html = render_html(TEMPLATE, {**base, **fiche_context(found, fiche, lang, t)}, path)
            writes.append(pool.submit(write_atomic, path, html))
            paths.append(path)
        for write in writes:
            write.result()  # a failed write raises here
    return paths


def _source_lines(tables: PublishedTables, t: dict[str, str], lang: str) -> dict[str, str]:
    """The source line of each section, read once for every fiche (the marts' own origins,
    not each product's: one query per mart, not per page)."""
    p = Provenance(tables, t, lang)
    line = partial(p.line)
    has = tables.has
    return {
        "series": line(p.rows("mart.product_competitiveness"))
        if has("mart.product_competitiveness")
        else "",
        "markets": line(
            p.rows("mart.market_product_shares") if has("mart.market_product_shares") else [],
            p.export_potential() if has("mart.export_potential") else [],
        ),
        "competitors": line(p.reconciled([])) if has("mart.watch_competitors") else "",
        "afcfta": line(p.afcfta_openings()) if has("mart.afcfta_openings") else "",
        "notifications": line(p.ledger("eping")) if has("mart.regulatory_exposure") else "",
        "rasff": line(p.ledger("rasff")) if has("core.rasff_notifications") else "",
    }
