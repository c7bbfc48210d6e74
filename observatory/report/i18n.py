"""Translations and number formatting of the reports, in French (default) and English.

Every text a report shows comes from `MESSAGES`, every number from the `format_*` functions,
so that later reports (market watch pages, the study report) speak and count the same way.

French typography: narrow no-break space (U+202F) between thousands and before `%`, `;`,
`!`, `?`; no-break space (U+00A0) before `:` and between a number and its unit; decimal comma.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import UTC, datetime

LANGUAGES = ("fr", "en")
DEFAULT_LANGUAGE = "fr"

NNBSP = "\u202f"  # narrow no-break space: French thousands separator, before % ; ! ?
NBSP = "\u00a0"  # no-break space: before ':' and between a number and its unit
MISSING = "—"

_FR_MONTHS = (
    "janvier février mars avril mai juin juillet août septembre octobre novembre décembre"
).split()
_EN_MONTHS = (
    "January February March April May June July August September October November December"
).split()

# Largest unit first; the empty unit (plain dollars) last.
_USD_UNITS: dict[str, tuple[tuple[float, str], ...]] = {
    "fr": ((1e9, "Md"), (1e6, "M"), (1e3, "k"), (1.0, "")),
    "en": ((1e9, "bn"), (1e6, "M"), (1e3, "k"), (1.0, "")),
}

# Display names of the sources the ledger knows; an unknown source shows its own code.
SOURCE_LABELS: dict[str, str] = {
    "baci": "CEPII BACI",
}

MESSAGES: dict[str, dict[str, str]] = {
    "site_name": {
        "fr": "Observatoire du Commerce Extérieur",
        "en": "Foreign Trade Observatory",
    },
    "rca_report_title": {
        "fr": "Observatoire du Commerce Extérieur — offre exportable : avantages comparatifs",
        "en": "Foreign Trade Observatory — exportable supply: comparative advantages",
    },
    "home_country": {"fr": "Pays étudié", "en": "Country studied"},
    "study_period": {"fr": "Période d’étude", "en": "Study period"},
    "reference_year": {"fr": "Année de référence", "en": "Reference year"},
    "reference_year_note": {
        "fr": "Aucune donnée n’est encore disponible pour {last_year} : les tableaux portent "
        "sur {year}, dernière année disponible.",
        "en": "No data is available for {last_year} yet: the tables cover {year}, "
        "the latest year available.",
    },
    "demo_banner": {
        "fr": "Données de démonstration (synthétiques)",
        "en": "Demo data (synthetic)",
    },
    "demo_banner_detail": {
        "fr": "Ces chiffres ont été générés pour tester la chaîne de traitement ; "
        "ils ne décrivent pas le commerce réel.",
        "en": "These figures were generated to test the pipeline; they do not describe real trade.",
    },
    "no_data": {"fr": "Aucune donnée disponible.", "en": "No data available."},
    # Key figures
    "key_figures": {"fr": "Chiffres clés", "en": "Key figures"},
    "kf_total_exports": {"fr": "Exportations totales en {year}", "en": "Total exports in {year}"},
    "kf_products_exported": {"fr": "Produits exportés (SH6)", "en": "Products exported (HS6)"},
    "kf_products_rca": {
        "fr": "Produits avec avantage comparatif (ACR ≥ {threshold})",
        "en": "Products with a comparative advantage (RCA ≥ {threshold})",
    },
    "kf_share_rca": {
        "fr": "Part de ces produits dans les exportations",
        "en": "Share of these products in exports",
    },
    # Top products
    "top_products_title": {
        "fr": "Produits à plus fort avantage comparatif révélé en {year}",
        "en": "Products with the highest revealed comparative advantage in {year}",
    },
    "top_products_intro": {
        "fr": "Produits exportés (SH6), classés par indice de Balassa décroissant ({n} premiers).",
        "en": "Products exported (HS6), ranked by decreasing Balassa index (top {n}).",
    },
    "col_rank": {"fr": "Rang", "en": "Rank"},
    "col_hs6": {"fr": "SH6", "en": "HS6"},
    "col_description": {"fr": "Désignation", "en": "Description"},
    "col_sector": {"fr": "Secteur", "en": "Sector"},
    "col_exports": {"fr": "Exportations (USD)", "en": "Exports (USD)"},
    "col_rca": {"fr": "ACR", "en": "RCA"},
    "col_world_share": {"fr": "Part du marché mondial", "en": "World market share"},
    "chart_rca_title": {
        "fr": "Indice de Balassa des {n} premiers produits en {year}",
        "en": "Balassa index of the top {n} products in {year}",
    },
    "chart_threshold": {"fr": "seuil {threshold}", "en": "threshold {threshold}"},
    "chart_note": {
        "fr": "Barres foncées : ACR au-dessus du seuil. Les valeurs exactes figurent "
        "dans le tableau.",
        "en": "Dark bars: RCA above the threshold. Exact values are in the table.",
    },
    # Top markets
    "top_markets_title": {"fr": "Principaux marchés en {year}", "en": "Main markets in {year}"},
    "col_market": {"fr": "Marché", "en": "Market"},
    "col_iso3": {"fr": "Code ISO", "en": "ISO code"},
    "col_market_share": {
        "fr": "Part dans les exportations totales",
        "en": "Share of total exports",
    },
    "chart_markets_title": {
        "fr": "Part des {n} premiers marchés dans les exportations en {year}",
        "en": "Share of the top {n} markets in total exports in {year}",
    },
    # Method note
    "method_title": {"fr": "Note méthodologique", "en": "Method"},
    "method_rca": {
        "fr": "Avantage comparatif révélé (indice de Balassa, 1965) :",
        "en": "Revealed comparative advantage (Balassa index, 1965):",
    },
    "method_share": {"fr": "Part du marché mondial :", "en": "World market share:"},
    "method_where": {"fr": "où", "en": "where"},
    "var_xik": {
        "fr": "exportations du produit k par le pays étudié ({country})",
        "en": "exports of product k by the country studied ({country})",
    },
    "var_xi": {
        "fr": "exportations totales du pays étudié",
        "en": "total exports of the country studied",
    },
    "var_wk": {"fr": "exportations mondiales du produit k", "en": "world exports of product k"},
    "var_w": {"fr": "exportations mondiales totales", "en": "total world exports"},
    "method_threshold": {
        "fr": "Un produit est considéré comme présentant un avantage comparatif révélé "
        "lorsque ACR ≥ {threshold}. Un ACR supérieur à 1 signifie que le produit pèse "
        "davantage dans les exportations du pays que dans le commerce mondial.",
        "en": "A product is considered to show a revealed comparative advantage when "
        "RCA ≥ {threshold}. An RCA above 1 means that the product weighs more in the "
        "country’s exports than in world trade.",
    },
    "method_values": {
        "fr": "Valeurs en dollars des États-Unis courants (USD), nomenclature {hs_revision}. "
        "k = milliers, M = millions, Md = milliards.",
        "en": "Values in current US dollars (USD), nomenclature {hs_revision}. "
        "k = thousand, M = million, bn = billion.",
    },
    "method_sources": {"fr": "Sources :", "en": "Sources:"},
    "release": {"fr": "version", "en": "release"},
    # Run metadata (footer of every report)
    "run_metadata": {"fr": "Métadonnées d’exécution", "en": "Run metadata"},
    "run_id": {"fr": "Identifiant d’exécution", "en": "Run ID"},
    "run_started": {"fr": "Début de l’exécution", "en": "Run started"},
    "generated_at": {"fr": "Rapport généré le", "en": "Report generated"},
    "hs_revision": {"fr": "Nomenclature", "en": "HS revision"},
    "rca_threshold": {"fr": "Seuil d’ACR", "en": "RCA threshold"},
    "sources_title": {"fr": "Sources et versions", "en": "Sources and releases"},
    "col_source": {"fr": "Source", "en": "Source"},
    "col_release": {"fr": "Version", "en": "Release"},
    "col_file": {"fr": "Fichier", "en": "File"},
    "col_sha256": {"fr": "SHA-256", "en": "SHA-256"},
    "col_rows_read": {"fr": "Lignes lues", "en": "Rows read"},
    "col_rows_loaded": {"fr": "Lignes chargées", "en": "Rows loaded"},
    "col_rows_rejected": {"fr": "Lignes rejetées", "en": "Rows rejected"},
    "col_status": {"fr": "Statut", "en": "Status"},
    "status_published": {"fr": "publié", "en": "published"},
    "status_rejected": {"fr": "rejeté", "en": "rejected"},
    "status_unchanged": {"fr": "inchangé", "en": "unchanged"},
    "status_failed": {"fr": "échec", "en": "failed"},
    "status_loaded": {"fr": "chargé", "en": "loaded"},
    "status_merged": {"fr": "intégré", "en": "merged"},
    "synthetic_tag": {"fr": "synthétique", "en": "synthetic"},
    "no_sources": {"fr": "Aucun fichier chargé.", "en": "No file loaded."},
    "row_counts_title": {"fr": "Volumes", "en": "Row counts"},
    "col_table": {"fr": "Table", "en": "Table"},
    "col_rows": {"fr": "Lignes", "en": "Rows"},
    "total": {"fr": "Total", "en": "Total"},
    "validation_title": {"fr": "Contrôles de qualité", "en": "Data quality checks"},
    "col_suite": {"fr": "Suite", "en": "Suite"},
    "col_passed": {"fr": "Réussis", "en": "Passed"},
    "col_failed": {"fr": "En échec", "en": "Failed"},
    "validation_all_passed": {
        "fr": "Tous les contrôles sont réussis.",
        "en": "All checks passed.",
    },
    "validation_none": {"fr": "Aucun contrôle enregistré.", "en": "No checks recorded."},
    "validation_failures_title": {"fr": "Contrôles en échec", "en": "Failed checks"},
    "col_batch": {"fr": "Lot", "en": "Batch"},
    "col_expectation": {"fr": "Règle", "en": "Expectation"},
    "col_column": {"fr": "Colonne", "en": "Column"},
    "col_unexpected": {"fr": "Valeurs en défaut", "en": "Unexpected values"},
    "col_checked": {"fr": "Valeurs contrôlées", "en": "Values checked"},
    "col_sample": {"fr": "Exemples", "en": "Sample"},
    "more_failures": {"fr": "… et {n} autres.", "en": "… and {n} more."},
}

_FR_HIGH_PUNCTUATION = re.compile(r" ([;!?])")
_FR_COLON = re.compile(r" :")


def _french_spacing(text: str) -> str:
    """Put the no-break spaces of French typography before high punctuation."""
    return _FR_HIGH_PUNCTUATION.sub(NNBSP + r"\1", _FR_COLON.sub(NBSP + ":", text))


def check_language(lang: str) -> str:
    """Return `lang` if the reports speak it, else raise a one-line ValueError."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown report language {lang!r} (expected one of: fr, en)")
    return lang


def translations(lang: str) -> dict[str, str]:
    """All messages in `lang`, French strings with their no-break spaces."""
    check_language(lang)
    if lang == "fr":
        return {key: _french_spacing(texts["fr"]) for key, texts in MESSAGES.items()}
    return {key: texts[lang] for key, texts in MESSAGES.items()}


def _is_number(value: float | int | None) -> bool:
    return value is not None and math.isfinite(value)


def _group(value: float, decimals: int, lang: str) -> str:
    """Digits of |value| with the thousands separator and decimal mark of `lang`."""
    text = f"{abs(value):,.{decimals}f}"
    if lang == "fr":
        text = text.replace(",", NNBSP).replace(".", ",")
    return text


def _sign(value: float, decimals: int) -> str:
    return "-" if value < 0 and round(abs(value), decimals) != 0 else ""


def format_integer(value: int | float | None, lang: str) -> str:
    """12345 -> '12 345' (fr, narrow no-break space) or '12,345' (en)."""
    if value is None or not _is_number(value):
        return MISSING
    return _sign(value, 0) + _group(value, 0, lang)


def _trim_zeros(digits: str, lang: str) -> str:
    mark = "," if lang == "fr" else "."
    return digits.rstrip("0").rstrip(mark) if mark in digits else digits


def format_decimal(value: float | None, lang: str, decimals: int = 2, *, trim: bool = False) -> str:
    """1234.567 -> '1 234,57' (fr) or '1,234.57' (en); with `trim`, 2.50 -> '2,5' and 10.00 -> '10'
    (axis ticks)."""
    if value is None or not _is_number(value):
        return MISSING
    digits = _group(value, decimals, lang)
    if trim:
        digits = _trim_zeros(digits, lang)
    return _sign(value, decimals) + digits


def _three_significant(value: float) -> tuple[float, int]:
    """Round a value in [0, 1000] to three significant digits; return it and its decimals."""
    for decimals, limit in ((2, 10.0), (1, 100.0), (0, 1000.0)):
        rounded = round(value, decimals)
        if rounded < limit:
            return rounded, decimals
    return round(value), 0


def format_usd(value: float | None, lang: str) -> str:
    """A dollar amount, three significant digits with a unit.

    fr: 12_345_678 -> '12,3 M$', 1_234_000_000 -> '1,23 Md$', 845_000 -> '845 k$', 950 -> '950 $'
    en: 12_345_678 -> '$12.3M', 1_234_000_000 -> '$1.23bn', 845_000 -> '$845k', 950 -> '$950'
    (the space before the unit in French is a no-break space).
    """
    if value is None or not _is_number(value):
        return MISSING
    check_language(lang)
    units = _USD_UNITS[lang]
    magnitude = abs(value)
    index = next((i for i, (size, _) in enumerate(units) if magnitude >= size), len(units) - 1)
    while True:
        size, unit = units[index]
        if unit:
            number, decimals = _three_significant(magnitude / size)
        else:
            number, decimals = float(round(magnitude)), 0
        # 999.6 k rounds to 1000 k: say 1.00 M instead.
        if number >= 1000 and index > 0:
            index -= 1
            continue
        break
    sign = "-" if value < 0 and number != 0 else ""
    digits = _group(number, decimals, lang)
    if lang == "fr":
        return f"{sign}{digits}{NBSP}{unit}$"
    return f"{sign}${digits}{unit}"


def format_percent(
    fraction: float | None, lang: str, decimals: int = 1, *, trim: bool = False
) -> str:
    """A fraction as a percentage: 0.1234 -> '12,3 %' (fr) or '12.3%' (en).

    A positive share too small to show becomes '< 0,1 %' rather than a misleading zero.
    With `trim`, trailing zeros go: 0.2 -> '20 %' (axis ticks).
    """
    if fraction is None or not _is_number(fraction):
        return MISSING
    check_language(lang)
    percent = fraction * 100
    smallest = 10.0**-decimals
    prefix = ""
    if 0 < percent < smallest:
        prefix, percent = "< ", smallest
    digits = _group(percent, decimals, lang)
    if trim:
        digits = _trim_zeros(digits, lang)
    text = prefix + _sign(percent, decimals) + digits
    if lang == "fr":
        return text.replace("< ", "<" + NBSP) + NNBSP + "%"
    return text + "%"


def format_datetime(value: datetime | None, lang: str) -> str:
    """'29 novembre 2025 à 05:19 UTC' (fr) or '29 November 2025, 05:19 UTC' (en).

    An aware datetime is shown in UTC; a naive one is shown as it is, without a zone.
    """
    if value is None:
        return MISSING
    check_language(lang)
    zone = ""
    if value.tzinfo is not None:
        value = value.astimezone(UTC)
        zone = " UTC"
    if lang == "fr":
        month = _FR_MONTHS[value.month - 1]
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {month} {value.year} à {value:%H:%M}{zone}"
    month = _EN_MONTHS[value.month - 1]
    return f"{value.day} {month} {value.year}, {value:%H:%M}{zone}"


def format_years(first: int, last: int) -> str:
    """A span of years with an en dash: '2019–2024', or '2024' for a single year."""
    return str(first) if first == last else f"{first}–{last}"


def source_label(source: str) -> str:
    """Display name of a ledger source code ('baci' -> 'CEPII BACI')."""
    return SOURCE_LABELS.get(source, source)


@dataclass(frozen=True)
class Formatter:
    """The format functions bound to one language, handed to templates as `fmt`."""

    lang: str

    def __post_init__(self) -> None:
        check_language(self.lang)

    def integer(self, value: int | float | None) -> str:
        return format_integer(value, self.lang)

    def decimal(self, value: float | None, decimals: int = 2, *, trim: bool = False) -> str:
        return format_decimal(value, self.lang, decimals, trim=trim)

    def usd(self, value: float | None) -> str:
        return format_usd(value, self.lang)

    def percent(self, fraction: float | None, decimals: int = 1, *, trim: bool = False) -> str:
        return format_percent(fraction, self.lang, decimals, trim=trim)

    def date_time(self, value: datetime | None) -> str:
        return format_datetime(value, self.lang)

    def years(self, first: int, last: int) -> str:
        return format_years(first, last)


def status_label(status: str, messages: Mapping[str, str]) -> str:
    """Translated ledger status ('published' -> 'publié'); an unknown status shows as is."""
    return messages.get(f"status_{status}", status)
