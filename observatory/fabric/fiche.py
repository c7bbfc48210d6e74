"""The adviser's fiche for one exporter: its products and markets, the untapped potential
of its products in priority markets it does not serve, the regulatory alerts on its
products, the AfCFTA openings of its products. Confidential: produced only by the explicit
command `observatory fiche EXPORTER_ID`, into `[fabric] restricted_output` (owner-only),
never into the reports or the published database; the command prints the path, nothing of
the firm.

It reads the restricted database (read-only) and the published database (read-only),
attached to one in-memory connection."""

from __future__ import annotations

import html
import os
import re
from pathlib import Path
from typing import Any

import duckdb

from observatory.config import Config
from observatory.errors import ConfigError, WarehouseError
from observatory.fabric import restricted

TEXTS = {
    "fr": {"title": "Fiche exportateur (confidentiel)", "products": "Produits et marchés",
           "potential": "Potentiel non réalisé sur des marchés non servis",
           "alerts": "Alertes réglementaires sur ses produits",
           "afcfta": "Ouvertures ZLECAf sur ses produits", "none": "Aucune ligne.",
           "cols_products": ["Année", "SH6", "Destination", "Exportations (USD)"],
           "cols_potential": ["Marché", "SH6", "Potentiel non réalisé (USD)"],
           "cols_alerts": ["Règle", "Marché", "Produit", "Titre"],
           "cols_afcfta": ["Marché", "SH6", "Ouverture (USD)", "Marge tarifaire (pts)"],
           "warning": "Document confidentiel : données individuelles couvertes par le secret "
                      "statistique. Ne pas diffuser."},
    "en": {"title": "Exporter fiche (confidential)", "products": "Products and markets",
           "potential": "Untapped potential in markets it does not serve",
           "alerts": "Regulatory alerts on its products",
           "afcfta": "AfCFTA openings on its products", "none": "No rows.",
           "cols_products": ["Year", "HS6", "Destination", "Exports (USD)"],
           "cols_potential": ["Market", "HS6", "Untapped potential (USD)"],
           "cols_alerts": ["Rule", "Market", "Product", "Title"],
           "cols_afcfta": ["Market", "HS6", "Opening (USD)", "Tariff margin (pts)"],
           "warning": "Confidential document: individual data under statistical "
                      "confidentiality. Do not circulate."},
}


def _has(con: duckdb.DuckDBPyConnection, table: str) -> bool:
    schema, name = table.split(".")
    return bool(con.execute(
        "select count(*) from information_schema.tables where table_catalog = 'pub' "
        "and table_schema = ? and table_name = ?", [schema, name]).fetchall()[0][0])


def gather(con: duckdb.DuckDBPyConnection, exporter_id: str) -> dict[str, list[tuple[Any, ...]]]:
    """The fiche's rows (`fabric_db` and `pub` attached)."""
    db = restricted.ALIAS
    last = con.execute(f"select max(year) from {db}.core.fabric_exports where exporter_id = ?",
                       [exporter_id]).fetchall()[0][0]
    out: dict[str, list[tuple[Any, ...]]] = {}
    out["products"] = con.execute(
        f"select year, hs6, destination_iso3, round(sum(value_usd)) from {db}.core.fabric_exports "
        "where exporter_id = ? and year >= ? - 1 group by all order by year desc, 4 desc",
        [exporter_id, last]).fetchall()
    codes = f"(select distinct hs6 from {db}.core.fabric_exports where exporter_id = ?)"
    served = (f"(select distinct destination_iso3 from {db}.core.fabric_exports "
              "where exporter_id = ? and year = ?)")
    out["potential"] = con.execute(
        f"select market_iso3, hs6, round(untapped_usd) from pub.mart.export_potential "
        f"where hs6 in {codes} and market_iso3 not in {served} and untapped_usd > 0 "
        "order by untapped_usd desc limit 30", [exporter_id, exporter_id, last]).fetchall() \
        if _has(con, "mart.export_potential") else []
    out["alerts"] = con.execute(
        f"select rule, market_iso3, product_code, title_en from pub.ops.alerts "
        f"where status = 'open' and exists (select 1 from {codes} as c(hs6) "
        "where starts_with(c.hs6, product_code) or starts_with(product_code, c.hs6)) "
        "order by raised_at desc limit 30", [exporter_id]).fetchall() \
        if _has(con, "ops.alerts") else []
    out["afcfta"] = con.execute(
        f"select importer_iso3, hs6, round(opening_usd), tariff_margin_pts "
        f"from pub.mart.afcfta_openings where hs6 in {codes} "
        "order by opening_usd desc nulls last limit 30", [exporter_id]).fetchall() \
        if _has(con, "mart.afcfta_openings") else []
    return out


def write_fiche(cfg: Config, exporter_id: str, lang: str = "fr") -> Path:
    """Write the fiche of one exporter into the restricted output folder; its path."""
    fab = restricted.settings(cfg)
    if not re.fullmatch(fab.id_format, exporter_id):
        raise ConfigError("exporter id: does not match fabric.id_format")
    if not fab.restricted_db.is_file():
        raise WarehouseError(f"{fab.restricted_db}: no restricted database (no exporter-level "
                             "file was ever loaded)")
    if not cfg.warehouse.published.is_file():
        raise WarehouseError(f"{cfg.warehouse.published}: no published database yet")
    con = duckdb.connect()
    try:
        con.execute(f"attach '{fab.restricted_db}' as {restricted.ALIAS} (read_only)")
        con.execute(f"attach '{cfg.warehouse.published}' as pub (read_only)")
        known = con.execute(f"select count(*) from {restricted.ALIAS}.core.fabric_exports "
                            "where exporter_id = ?", [exporter_id]).fetchall()[0][0]
        if not known:
            raise ConfigError("exporter id: no export declaration for this exporter")
        rows = gather(con, exporter_id)
    finally:
        con.close()
    folder = fab.restricted_output
    folder.mkdir(parents=True, exist_ok=True)
    os.chmod(folder, 0o700)
    path = folder / f"fiche-{exporter_id}.{lang}.html"
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(_html(exporter_id, rows, TEXTS[lang], lang), encoding="utf-8")
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return path


def _html(exporter_id: str, rows: dict[str, list[tuple[Any, ...]]], t: dict[str, Any],
          lang: str) -> str:
    parts = [f'<!DOCTYPE html><html lang="{lang}"><head><meta charset="utf-8">'
             f"<title>{html.escape(t['title'])}</title></head><body>",
             f"<h1>{html.escape(t['title'])}: {html.escape(exporter_id)}</h1>",
             f"<p><strong>{html.escape(t['warning'])}</strong></p>"]
    for key in ("products", "potential", "alerts", "afcfta"):
        parts.append(f"<h2>{html.escape(t[key])}</h2>")
        if not rows[key]:
            parts.append(f"<p>{html.escape(t['none'])}</p>")
            continue
        head = "".join(f"<th>{html.escape(c)}</th>" for c in t[f"cols_{key}"])
        body = "".join("<tr>" + "".join(f"<td>{html.escape('' if v is None else str(v))}</td>"
                                        for v in row) + "</tr>" for row in rows[key])
        parts.append(f"<table><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>")
    parts.append("</body></html>")
    return "\n".join(parts)
