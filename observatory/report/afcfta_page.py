"""The AfCFTA pages (`afcfta.html` and one `afcfta-<ISO3>.html` per State Party, with their
English versions `*.en.html`): for an adviser and an exporter, for each product of the home
country with comparative advantage and each African market, the duty today and each year
to the end of the phase-down, the margin it gives against the MFN rate and against the
leading supplier from outside Africa, the market's imports and suppliers, the best door
among the home country's agreements today and in five years, and the rule of origin the
product must satisfy. Read from `mart.afcfta_margins`, `mart.afcfta_margin_years` and
`mart.best_door` of the published database; no page when they are empty. Their tables are
declared in observatory/report/catalogue/afcfta.py."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb

from observatory.report import parameters
from observatory.report.catalogue.afcfta import AFCFTA_MARGINS, path_table, year_header
from observatory.report.filenames import REPORT_FILES
from observatory.report.formatting import check_language
from observatory.report.metadata import load_run_metadata
from observatory.report.page import page_context, render_page
from observatory.report.published import PublishedTables, Record

TEMPLATE = "afcfta_market.html.j2"
INDEX_TEMPLATE = "afcfta_index.html.j2"
INDEX_FILES = {"fr": "afcfta.html", "en": "afcfta.en.html"}
TABLES = ("mart.afcfta_margins", "mart.afcfta_margin_years", "mart.best_door")
RULE_KINDS = ("wholly_obtained", "change_of_chapter", "change_of_heading",
              "change_of_subheading", "max_non_originating", "specific_process")
# Agreement codes of the files -> the message naming them (prefix of the code; the home
# country's partner agreements are written `EU-<home>`, `UK-<home>`...).
AGREEMENT_MESSAGES = (("AFCFTA", "afcfta_regime_afcfta"), ("MFN", "afcfta_regime_mfn"),
                      ("EU-", "afcfta_regime_eu"), ("UK-", "afcfta_regime_uk"),
                      ("TR-", "afcfta_regime_tr"), ("US-", "afcfta_regime_us"),
                      ("EFTA-", "afcfta_regime_efta"), ("AGADIR", "afcfta_regime_agadir"),
                      ("PRF", "afcfta_regime_prf"))


def market_file(iso3: str, lang: str) -> str:
    """`afcfta-SEN.html`, `afcfta-SEN.en.html`."""
    return f"afcfta-{iso3}.html" if lang == "fr" else f"afcfta-{iso3}.{lang}.html"


def has_afcfta(tables: PublishedTables) -> bool:
    return all(tables.has(t) for t in TABLES) and (
        tables.has_rows("mart.afcfta_margins") or tables.has_rows("mart.best_door"))


def regime_label(code: str, t: dict[str, str]) -> str:
    """A regime for readers: the agreement's name, else the code as the file wrote it."""
    for prefix, key in AGREEMENT_MESSAGES:
        if code == prefix or (prefix.endswith("-") and code.startswith(prefix)):
            return t[key]
    return code


def _name(record: Record, lang: str) -> str:
    return str(record["importer_name_fr" if lang == "fr" else "importer_name_en"]
               or record["importer_iso3"])


def _countries(tables: PublishedTables, lang: str) -> dict[str, str]:
    column = "name_fr" if lang == "fr" else "name_en"
    return {iso3: name for iso3, name in tables.rows(f"select iso3, {column} from ref.countries")}


def load_markets(tables: PublishedTables, lang: str) -> list[Record]:
    """One row per AfCFTA State Party with margins or doors (other markets' doors stay in
    mart.best_door): products, products with a margin open
    this year, the largest margin against the MFN rate."""
    name = "name_fr" if lang == "fr" else "name_en"
    return tables.records(f"""
        with markets as (
            select importer_iso3 from mart.afcfta_margins
            union select importer_iso3 from mart.best_door
        )
        select m.importer_iso3, c.{name} as name,
               count(a.hs6) as products,
               count(a.hs6) filter (where a.margin_open) as open_now,
               max(a.margin_vs_mfn_pts) as best_margin_pts,
               sum(a.market_imports_usd) as imports_usd
        from markets as m
        join ref.countries as c on c.iso3 = m.importer_iso3 and c.afcfta_state_party
        left join mart.afcfta_margins as a using (importer_iso3)
        group by all
        order by imports_usd desc nulls last, m.importer_iso3
    """)


def dated_headers(t: dict[str, str], this_year: int, horizon_year: int | None = None,
                  years: list[int] | None = None) -> dict[str, str]:
    """The page's messages with the headers that carry a year written out (the catalogue's
    columns name their header by message key): this year's AfCFTA rate and open margins,
    the best door now and at the horizon, and each year of the phase-down (the year)."""
    texts = dict(t)
    for key in ("afcfta_col_rate_now", "afcfta_col_open_now", "afcfta_col_best_now"):
        texts[key] = t[key].format(year=this_year)
    if horizon_year is not None:
        texts["afcfta_col_best_horizon"] = t["afcfta_col_best_horizon"].format(year=horizon_year)
    for year in years or []:
        texts[year_header(year)] = str(year)
    return texts


def load_market(tables: PublishedTables, iso3: str, lang: str) -> dict[str, Any]:
    """A market's margins, their path by year (`path_table` and `path_rows`: a row per
    product, the record of each year of the phase-down under `year_<year>`, its last one
    under `last`), its best doors (`door_rows`: a row per product, its best door today and
    at the horizon, all its doors) and the rules of origin."""
    t_countries = _countries(tables, lang)
    margins = tables.records(
        "select * from mart.afcfta_margins where importer_iso3 = ?"
        + AFCFTA_MARGINS.order_by(), [iso3])
    for row in margins:
        row["top_outside_name"] = t_countries.get(row["top_outside_supplier_iso3"] or "")
    years = tables.records(
        "select hs6, year, afcfta_pct, margin_vs_mfn_pts from mart.afcfta_margin_years "
        "where importer_iso3 = ? order by hs6, year", [iso3])
    columns = sorted({r["year"] for r in years})
    paths: dict[str, dict[int, Record]] = {}
    for r in years:
        paths.setdefault(r["hs6"], {})[r["year"]] = r
    doors = tables.records(
        "select * from mart.best_door where importer_iso3 = ? order by hs6, rank_today",
        [iso3])
    by_product: dict[str, list[Record]] = {}
    for door in doors:
        by_product.setdefault(door["hs6"], []).append(door)
    table = path_table(columns)
    path_rows = [{"hs6": hs6, "last": path[max(path)],
                  **{c.key: path.get(year) for c, year in zip(table.columns[1:], columns,
                                                               strict=True)}}
                 for hs6, path in paths.items()]
    door_rows = [{"hs6": hs6, "description": rows[0]["description"],
                  "best_today": next((r for r in rows if r["is_best_today"]), None),
                  "best_horizon": next((r for r in rows if r["is_best_horizon"]), None),
                  "regimes": rows}
                 for hs6, rows in by_product.items()]
    return {"margins": margins, "year_columns": columns, "path_table": table,
            "path_rows": path_rows, "door_rows": door_rows,
            "name": (_name(margins[0], lang) if margins else
                     _name(doors[0], lang) if doors else t_countries.get(iso3, iso3))}


def render_afcfta_pages(con: duckdb.DuckDBPyConnection, out_dir: Path, lang: str, *,
                        generated_at: datetime | None = None) -> list[Path]:
    """Write the AfCFTA overview and one page per market in `lang`; returns the paths (none
    when the published database has no AfCFTA marts or they are empty)."""
    check_language(lang)
    tables = PublishedTables(con, "report")
    if not has_afcfta(tables):
        return []
    generated_at = generated_at or datetime.now(UTC)
    meta = load_run_metadata(tables, lang=lang, generated_at=generated_at,
                             counted=list(TABLES))
    markets = load_markets(tables, lang)
    out_dir = Path(out_dir)
    common = {"index_file": INDEX_FILES[lang], "home_file": REPORT_FILES[lang],
              "rule_kinds": RULE_KINDS, "market_file": market_file}
    home_is_party, this_year, horizon = parameters.afcfta_parameters(tables)
    paths = []
    for market in markets:
        context = page_context(lang, meta)
        loaded = load_market(tables, market["importer_iso3"], lang)
        context.update(common, market=market, home_is_party=home_is_party,
                       this_year=this_year, horizon_year=this_year + horizon,
                       regime=lambda code, t=context["t"]: regime_label(code, t), **loaded)
        context["t"] = dated_headers(context["t"], this_year, this_year + horizon,
                                     loaded["year_columns"])
        paths.append(render_page(TEMPLATE, context,
                                 out_dir / market_file(market["importer_iso3"], lang)))
    context = page_context(lang, meta)
    context.update(common, markets=markets, home_is_party=home_is_party, this_year=this_year)
    context["t"] = dated_headers(context["t"], this_year)
    paths.append(render_page(INDEX_TEMPLATE, context, out_dir / INDEX_FILES[lang]))
    return paths
