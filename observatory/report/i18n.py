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
from datetime import UTC, date, datetime

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
    # --- Study report (study.html / study.en.html) --------------------------------------
    "study_report_link": {
        "fr": "Étude de l’offre exportable : compétitivité, marchés, potentiel, diversification",
        "en": "Exportable-offer study: competitiveness, markets, potential, diversification",
    },
    "study_title": {
        "fr": "Observatoire du Commerce Extérieur — étude de l’offre exportable",
        "en": "Foreign Trade Observatory — exportable offer study",
    },
    "study_version": {"fr": "Version de l’étude", "en": "Study version"},
    "study_contents": {"fr": "Sommaire", "en": "Contents"},
    "study_source": {"fr": "source :", "en": "source:"},
    "study_no_data": {
        "fr": "Aucune donnée : la table {table} est absente ou vide.",
        "en": "No data: table {table} is missing or empty.",
    },
    "study_more_rows": {
        "fr": "{shown} lignes affichées sur {total}.",
        "en": "{shown} rows shown out of {total}.",
    },
    "workbook_link": {
        "fr": "Toutes les tables de l’étude figurent dans le classeur {file}.",
        "en": "Every study table is in the workbook {file}.",
    },
    # Summary
    "summary_title": {"fr": "Synthèse", "en": "Summary"},
    "summary_text": {
        "fr": "En {year}, {country} a exporté {total} de biens. {n} produits (SH6) présentent "
        "un avantage comparatif révélé (ACR ≥ {threshold}) ; ils représentent {share} "
        "de ses exportations.",
        "en": "In {year}, {country} exported {total} of goods. {n} products (HS6) show a "
        "revealed comparative advantage (RCA ≥ {threshold}); they make up {share} of its "
        "exports.",
    },
    "kf_champions": {"fr": "Produits champions (SH6)", "en": "Champion products (HS6)"},
    "kf_eci_rank": {
        "fr": "Rang de complexité économique en {year}",
        "en": "Economic complexity rank in {year}",
    },
    "rank_of": {"fr": "{rank} sur {n}", "en": "{rank} of {n}"},
    # Product positioning
    "positioning_title": {"fr": "Positionnement des produits", "en": "Product positioning"},
    "positioning_intro": {
        "fr": "Les {n} premiers produits exportés (SH6) en {year}, par valeur : croissance "
        "annuelle moyenne des exportations du pays (axe vertical) et de la demande mondiale "
        "(axe horizontal) de {start} à {year}. Aire des bulles : exportations du pays ; "
        "couleur : quadrant.",
        "en": "The top {n} exported products (HS6) in {year}, by value: compound annual growth "
        "of the home country’s exports (vertical axis) and of world demand (horizontal axis) "
        "from {start} to {year}. Bubble area: home exports; colour: quadrant.",
    },
    "positioning_chart_title": {
        "fr": "Positionnement des {n} premiers produits exportés, {start}–{year}",
        "en": "Positioning of the top {n} exported products, {start}–{year}",
    },
    "positioning_no_window": {
        "fr": "{n} de ces produits n’ont pas de taux de croissance (période trop courte ou "
        "exportations nulles à une extrémité) et ne figurent pas sur le graphique.",
        "en": "{n} of these products have no growth rate (period too short, or no exports at "
        "one end) and are not on the chart.",
    },
    "axis_world_demand_cagr": {
        "fr": "Croissance annuelle de la demande mondiale (TCAM)",
        "en": "World demand growth (CAGR)",
    },
    "axis_home_exports_cagr": {
        "fr": "Croissance annuelle des exportations (TCAM)",
        "en": "Home export growth (CAGR)",
    },
    "chart_world_total_cagr": {"fr": "commerce mondial {value}", "en": "world trade {value}"},
    "chart_diagonal": {"fr": "pays = demande mondiale", "en": "home = world demand"},
    "positioning_chart_note": {
        "fr": "Ligne tiretée : croissance du commerce mondial ; pointillés : croissance des "
        "exportations égale à celle de la demande mondiale.",
        "en": "Dashed line: growth of world trade; dotted line: export growth equal to world "
        "demand growth.",
    },
    "quadrants_caption": {
        "fr": "Les quatre quadrants en {year} (tous les produits exportés)",
        "en": "The four quadrants in {year} (every exported product)",
    },
    "quadrant_champion": {"fr": "Champions", "en": "Champions"},
    "quadrant_losing_ground": {"fr": "Perte de terrain", "en": "Losing ground"},
    "quadrant_declining_winner": {
        "fr": "Gagnants sur marchés en repli",
        "en": "Winners in declining markets",
    },
    "quadrant_declining_loser": {"fr": "En repli", "en": "Declining"},
    "quadrant_desc_champion": {
        "fr": "Demande mondiale plus dynamique que le commerce mondial, exportations du pays "
        "plus dynamiques que la demande.",
        "en": "World demand grows faster than world trade, home exports faster than demand.",
    },
    "quadrant_desc_losing_ground": {
        "fr": "Demande mondiale dynamique, mais exportations du pays moins dynamiques qu’elle.",
        "en": "World demand grows faster than world trade, home exports do not keep up.",
    },
    "quadrant_desc_declining_winner": {
        "fr": "Demande mondiale moins dynamique que le commerce mondial, exportations du pays "
        "plus dynamiques que la demande.",
        "en": "World demand grows slower than world trade, home exports faster than demand.",
    },
    "quadrant_desc_declining_loser": {
        "fr": "Demande mondiale moins dynamique que le commerce mondial, exportations du pays "
        "moins dynamiques que la demande.",
        "en": "World demand grows slower than world trade, home exports slower than demand.",
    },
    "col_quadrant": {"fr": "Quadrant", "en": "Quadrant"},
    "col_definition": {"fr": "Définition", "en": "Definition"},
    "col_products_hs6": {"fr": "Produits (SH6)", "en": "Products (HS6)"},
    "col_share_home_exports": {
        "fr": "Part des exportations du pays (%)",
        "en": "Share of home exports (%)",
    },
    "col_main_products": {"fr": "Principaux produits", "en": "Main products"},
    # Competitiveness
    "competitiveness_title": {
        "fr": "Compétitivité par secteur et par produit",
        "en": "Competitiveness by sector and product",
    },
    "sectors_caption": {"fr": "Secteurs en {year}", "en": "Sectors in {year}"},
    "sector_products_caption": {
        "fr": "{sector} : premiers produits exportés en {year}",
        "en": "{sector}: top exported products in {year}",
    },
    "sector_other": {"fr": "Autres industries", "en": "Other industries"},
    "col_code": {"fr": "Code", "en": "Code"},
    "col_world_share_pct": {"fr": "Part de marché mondiale (%)", "en": "World market share (%)"},
    "col_share_change_pts": {
        "fr": "Variation de la part (points)",
        "en": "Share change (points)",
    },
    "col_rsca": {"fr": "ACRS", "en": "RSCA"},
    "col_tbi": {"fr": "Balance commerciale relative", "en": "Trade balance index"},
    "col_penetration": {"fr": "Pénétration des marchés (%)", "en": "Market penetration (%)"},
    "col_home_cagr": {"fr": "TCAM des exportations (%)", "en": "Export CAGR (%)"},
    "col_demand_cagr": {"fr": "TCAM de la demande mondiale (%)", "en": "World demand CAGR (%)"},
    # Markets
    "markets_study_title": {"fr": "Marchés prioritaires", "en": "Priority markets"},
    "markets_share_chart_title": {
        "fr": "Part du pays dans les importations des marchés prioritaires en {year}",
        "en": "Home share of the priority markets’ imports in {year}",
    },
    "markets_caption": {
        "fr": "Indicateurs des marchés prioritaires en {year}",
        "en": "Priority market indicators in {year}",
    },
    "col_market_imports": {"fr": "Importations du marché (USD)", "en": "Market imports (USD)"},
    "col_home_exports_market": {
        "fr": "Exportations du pays vers le marché (USD)",
        "en": "Home exports to the market (USD)",
    },
    "col_home_share": {"fr": "Part du pays (%)", "en": "Home share (%)"},
    "col_complementarity": {"fr": "Complémentarité (0–100)", "en": "Complementarity (0–100)"},
    "col_intensity": {"fr": "Intensité commerciale", "en": "Trade intensity"},
    "col_products_exported": {"fr": "Produits exportés (SH6)", "en": "Products exported (HS6)"},
    "col_export_hhi": {"fr": "IHH des exportations", "en": "Export HHI"},
    # Concentration
    "concentration_title": {"fr": "Concentration des exportations", "en": "Export concentration"},
    "concentration_caption": {
        "fr": "Concentration des exportations par produit et par marché",
        "en": "Export concentration by product and by market",
    },
    "col_year": {"fr": "Année", "en": "Year"},
    "col_dimension": {"fr": "Dimension", "en": "Dimension"},
    "dimension_product": {"fr": "Produits (SH6)", "en": "Products (HS6)"},
    "dimension_market": {"fr": "Marchés", "en": "Markets"},
    "col_n_items": {"fr": "Nombre (exportations > 0)", "en": "Count (exports > 0)"},
    "col_hhi": {"fr": "IHH", "en": "HHI"},
    "col_normalized_hhi": {"fr": "IHH normalisé", "en": "Normalised HHI"},
    "col_equivalent_number": {"fr": "Nombre équivalent", "en": "Equivalent number"},
    # Constant market shares
    "cms_title": {
        "fr": "Décomposition à parts de marché constantes",
        "en": "Constant-market-share decomposition",
    },
    "cms_intro": {
        "fr": "Variation des exportations du pays de {base} à {end} : {change}, décomposée en "
        "quatre effets.",
        "en": "Change in the home country’s exports from {base} to {end}: {change}, split into "
        "four effects.",
    },
    "cms_chart_title": {
        "fr": "Effets de la variation des exportations, {base}–{end}",
        "en": "Effects behind the change in exports, {base}–{end}",
    },
    "cms_caption": {
        "fr": "Décomposition de la variation des exportations, tous produits, {base}–{end}",
        "en": "Decomposition of the change in exports, all products, {base}–{end}",
    },
    "col_effect": {"fr": "Effet", "en": "Effect"},
    "col_amount_usd": {"fr": "Montant (USD)", "en": "Amount (USD)"},
    "col_share_of_change": {"fr": "Part de la variation (%)", "en": "Share of the change (%)"},
    "effect_world_growth": {"fr": "Croissance du commerce mondial", "en": "World trade growth"},
    "effect_commodity_composition": {
        "fr": "Composition par produit",
        "en": "Product composition",
    },
    "effect_market_distribution": {
        "fr": "Répartition géographique",
        "en": "Market distribution",
    },
    "effect_competitiveness": {
        "fr": "Compétitivité (résidu)",
        "en": "Competitiveness (residual)",
    },
    "effect_total": {"fr": "Variation totale", "en": "Total change"},
    # Economic complexity
    "complexity_title": {"fr": "Complexité économique", "en": "Economic complexity"},
    "eci_caption": {
        "fr": "Indice de complexité économique (ICE) du pays, SH{level}",
        "en": "Economic complexity index (ECI) of the home country, HS{level}",
    },
    "col_eci": {"fr": "ICE", "en": "ECI"},
    "col_eci_rank": {"fr": "Rang (1 = plus complexe)", "en": "Rank (1 = most complex)"},
    "col_countries_ranked": {"fr": "Pays classés", "en": "Countries ranked"},
    "col_diversity": {"fr": "Diversité (produits)", "en": "Diversity (products)"},
    "col_coi": {"fr": "Perspective de complexité (COI)", "en": "Complexity outlook (COI)"},
    "pci_chart_title": {
        "fr": "Complexité et densité des produits sans avantage comparatif, {year}",
        "en": "Complexity and density of products without a comparative advantage, {year}",
    },
    "axis_density": {
        "fr": "Densité (proximité des capacités actuelles)",
        "en": "Density (closeness to current capabilities)",
    },
    "axis_pci": {"fr": "Complexité du produit (ICP)", "en": "Product complexity (PCI)"},
    "pci_chart_note": {
        "fr": "À droite : produits proches des capacités actuelles ; en haut : produits complexes.",
        "en": "Right: products close to current capabilities; top: complex products.",
    },
    "pci_chart_capped": {
        "fr": "Les {shown} produits de plus forte densité sur {total}.",
        "en": "The {shown} products with the highest density out of {total}.",
    },
    # Diversification
    "diversification_title": {
        "fr": "Opportunités de diversification",
        "en": "Diversification opportunities",
    },
    "diversification_caption": {
        "fr": "Premières opportunités de diversification en {year}",
        "en": "Top diversification opportunities in {year}",
    },
    "col_density": {"fr": "Densité", "en": "Density"},
    "col_distance": {"fr": "Distance", "en": "Distance"},
    "col_pci": {"fr": "ICP", "en": "PCI"},
    "col_cog": {"fr": "Gain d’opportunité (COG)", "en": "Opportunity gain (COG)"},
    "col_world_imports": {"fr": "Importations mondiales (USD)", "en": "World imports (USD)"},
    "col_top_importers": {"fr": "Principaux importateurs", "en": "Main importers"},
    "col_score": {"fr": "Score", "en": "Score"},
    # Export potential
    "potential_title": {"fr": "Potentiel d’exportation", "en": "Export potential"},
    "potential_markets_caption": {
        "fr": "Potentiel d’exportation par marché prioritaire, {year}",
        "en": "Export potential by priority market, {year}",
    },
    "potential_top_caption": {
        "fr": "Premiers potentiels inexploités, {year}",
        "en": "Largest untapped potentials, {year}",
    },
    "col_potential": {"fr": "Potentiel (USD)", "en": "Potential (USD)"},
    "col_actual": {"fr": "Exportations effectives (USD)", "en": "Actual exports (USD)"},
    "col_untapped": {"fr": "Potentiel inexploité (USD)", "en": "Untapped potential (USD)"},
    "col_realised": {"fr": "Part réalisée (%)", "en": "Realised share (%)"},
    "col_market_access": {"fr": "Accès au marché", "en": "Market access"},
    "col_home_tariff": {"fr": "Droit appliqué au pays (%)", "en": "Tariff faced (%)"},
    "col_average_tariff": {
        "fr": "Droit moyen des fournisseurs (%)",
        "en": "Suppliers’ average tariff (%)",
    },
    "col_tariff_products": {
        "fr": "Produits avec droits chargés",
        "en": "Products with tariffs loaded",
    },
    "access_tariffs": {"fr": "droits de douane", "en": "tariffs"},
    "access_neutral": {"fr": "neutre", "en": "neutral"},
    "potential_neutral_all": {
        "fr": "{market} : le terme d’accès au marché est neutre (facteur 1) pour tous les "
        "produits, les droits de douane de ce marché n’étant pas chargés.",
        "en": "{market}: the market-access term was neutral (factor 1) for every product, "
        "tariffs not loaded for this market.",
    },
    "potential_neutral_some": {
        "fr": "{market} : le terme d’accès au marché est neutre (facteur 1) pour {n} produits "
        "sur {total}, les droits de douane de ces produits n’étant pas chargés.",
        "en": "{market}: the market-access term was neutral (factor 1) for {n} of {total} "
        "products, tariffs not loaded for them.",
    },
    # AfCFTA
    "afcfta_title": {"fr": "Ouvertures dans la ZLECAf", "en": "AfCFTA openings"},
    "afcfta_intro": {
        "fr": "Marchés des États parties à la ZLECAf où le pays a un avantage comparatif "
        "(ACR ≥ {threshold}) dans un produit qu’ils achètent surtout hors d’Afrique (plus de "
        "50 % de leurs importations) ; l’ouverture est la valeur de ces importations "
        "non africaines.",
        "en": "Markets of AfCFTA State Parties where the home country has a comparative "
        "advantage (RCA ≥ {threshold}) in a product they buy mainly outside Africa (more "
        "than 50% of their imports); the opening is the value of these non-African imports.",
    },
    "afcfta_caption": {
        "fr": "Premières ouvertures dans la ZLECAf, {year}",
        "en": "Largest AfCFTA openings, {year}",
    },
    "col_importer": {"fr": "Importateur", "en": "Importer"},
    "col_outside_share": {"fr": "Part hors Afrique (%)", "en": "Share from outside Africa (%)"},
    "col_top_outside": {
        "fr": "Premier fournisseur hors Afrique",
        "en": "Largest supplier outside Africa",
    },
    "col_mfn": {"fr": "Droit NPF (%)", "en": "MFN tariff (%)"},
    "col_preferential": {"fr": "Droit préférentiel (%)", "en": "Preferential tariff (%)"},
    "col_margin_pts": {"fr": "Marge tarifaire (points)", "en": "Tariff margin (points)"},
    "col_opening": {"fr": "Ouverture (USD)", "en": "Opening (USD)"},
    # Changes
    "changes_title": {
        "fr": "Changements depuis la dernière actualisation",
        "en": "Changes since the last refresh",
    },
    "changes_first": {
        "fr": "Première version de l’étude : il n’y a pas de version antérieure à comparer.",
        "en": "First version of the study: there is no earlier version to compare with.",
    },
    "changes_none": {
        "fr": "Aucun changement notable depuis la version {previous}.",
        "en": "No notable change since version {previous}.",
    },
    "changes_caption": {
        "fr": "Changements de la version {previous} à la version {current}",
        "en": "Changes from version {previous} to version {current}",
    },
    "col_change": {"fr": "Changement", "en": "Change"},
    "col_before": {"fr": "Avant", "en": "Before"},
    "col_after": {"fr": "Après", "en": "After"},
    "change_new_advantage": {"fr": "Nouvel avantage comparatif", "en": "New advantage"},
    "change_lost_advantage": {"fr": "Avantage comparatif perdu", "en": "Advantage lost"},
    "change_new_export": {"fr": "Nouvelle exportation", "en": "New export"},
    "change_dropped_export": {"fr": "Exportation interrompue", "en": "Export stopped"},
    "change_quadrant": {"fr": "Changement de quadrant", "en": "Quadrant changed"},
    "change_rca": {"fr": "Variation de l’ACR", "en": "RCA moved"},
    "change_untapped": {
        "fr": "Variation du potentiel inexploité",
        "en": "Untapped potential changed",
    },
    # Method notes
    "study_method_title": {"fr": "Notes méthodologiques", "en": "Method notes"},
    "study_method_intro": {
        "fr": "Paramètres lus dans ops.study_parameters. Notation : X exportations du pays, "
        "M importations, W commerce mondial ; k produit (SH6), j marché.",
        "en": "Parameters read from ops.study_parameters. Notation: X home exports, M imports, "
        "W world trade; k product (HS6), j market.",
    },
    "m_rca_title": {
        "fr": "Avantage comparatif révélé (Balassa, 1965)",
        "en": "Revealed comparative advantage (Balassa, 1965)",
    },
    "m_rca_formula": {"fr": "ACR_k = (X_k / X) / (W_k / W)", "en": "RCA_k = (X_k / X) / (W_k / W)"},
    "m_rca_text": {
        "fr": "Poids du produit dans les exportations du pays rapporté à son poids dans le "
        "commerce mondial. Avantage comparatif lorsque ACR ≥ {threshold}. Part de marché "
        "mondiale : X_k / W_k, sa variation en points d’une année sur l’autre.",
        "en": "The product’s weight in the home country’s exports over its weight in world "
        "trade. Comparative advantage when RCA ≥ {threshold}. World market share: X_k / W_k, "
        "its change in points from one year to the next.",
    },
    "m_rsca_title": {
        "fr": "ACR symétrique (Dalum et al., 1998)",
        "en": "Symmetric RCA (Dalum et al., 1998)",
    },
    "m_rsca_formula": {"fr": "ACRS = (ACR − 1) / (ACR + 1)", "en": "RSCA = (RCA − 1) / (RCA + 1)"},
    "m_rsca_text": {
        "fr": "Entre −1 et 1 ; positif quand ACR > 1.",
        "en": "Between −1 and 1; positive when RCA > 1.",
    },
    "m_tbi_title": {
        "fr": "Balance commerciale relative (Lafay, 1992 ; ITC G5)",
        "en": "Trade balance index (Lafay, 1992; ITC G5)",
    },
    "m_tbi_formula": {
        "fr": "BCR_k = (X_k − M_k) / (X_k + M_k)",
        "en": "TBI_k = (X_k − M_k) / (X_k + M_k)",
    },
    "m_tbi_text": {
        "fr": "−1 : importateur net pur ; +1 : exportateur net pur ; non défini quand le pays "
        "n’exporte ni n’importe le produit.",
        "en": "−1: pure net importer; +1: pure net exporter; undefined when the country "
        "neither exports nor imports the product.",
    },
    "m_cagr_title": {
        "fr": "Croissance et quadrants de positionnement (ITC Trade Map)",
        "en": "Growth and positioning quadrants (ITC Trade Map)",
    },
    "m_cagr_formula": {
        "fr": "TCAM = (v_t / v_(t−n))^(1/n) − 1, n = {window} ans",
        "en": "CAGR = (v_t / v_(t−n))^(1/n) − 1, n = {window} years",
    },
    "m_cagr_text": {
        "fr": "Calculée pour les exportations du pays (X_k), la demande mondiale (W_k) et le "
        "commerce mondial (W). Champions : demande plus dynamique que le commerce mondial et "
        "exportations plus dynamiques que la demande ; perte de terrain : demande dynamique, "
        "exportations moins ; gagnants sur marchés en repli : demande moins dynamique que le "
        "commerce mondial, exportations plus dynamiques qu’elle ; en repli : les autres. "
        "Non défini sans fenêtre complète ou avec des exportations nulles à une extrémité.",
        "en": "Computed for home exports (X_k), world demand (W_k) and world trade (W). "
        "Champions: demand grows faster than world trade and exports faster than demand; "
        "losing ground: demand grows faster, exports do not keep up; winners in declining "
        "markets: demand grows slower than world trade, exports faster than demand; "
        "declining: the rest. Undefined without a full window or with no exports at one end.",
    },
    "m_complementarity_title": {
        "fr": "Complémentarité commerciale (Banque mondiale)",
        "en": "Trade complementarity (World Bank)",
    },
    "m_complementarity_formula": {
        "fr": "CC_j = 100 · (1 − Σ_k |m_jk − x_k| / 2)",
        "en": "TC_j = 100 · (1 − Σ_k |m_jk − x_k| / 2)",
    },
    "m_complementarity_text": {
        "fr": "x_k : part du produit k dans les exportations du pays vers le monde ; m_jk : part "
        "de k dans les importations du marché j (SH6). 0 : aucun recouvrement ; 100 : "
        "correspondance parfaite.",
        "en": "x_k: share of product k in the home country’s exports to the world; m_jk: share "
        "of k in market j’s imports (HS6). 0: no overlap; 100: perfect match.",
    },
    "m_intensity_title": {"fr": "Intensité commerciale", "en": "Trade intensity"},
    "m_intensity_formula": {
        "fr": "IC_j = (X_j / X) / (M_j / W)",
        "en": "TI_j = (X_j / X) / (M_j / W)",
    },
    "m_intensity_text": {
        "fr": "X_j : exportations du pays vers j ; M_j : exportations mondiales vers j. "
        "Au-dessus de 1, la relation est plus intense que le poids de j dans le commerce "
        "mondial.",
        "en": "X_j: home exports to j; M_j: world exports to j. Above 1, the relationship is "
        "more intense than j’s weight in world trade.",
    },
    "m_hhi_title": {
        "fr": "Concentration (indice de Herfindahl-Hirschman)",
        "en": "Concentration (Herfindahl-Hirschman index)",
    },
    "m_hhi_formula": {
        "fr": "IHH = Σ_s p_s² ; IHH* = (IHH − 1/N) / (1 − 1/N) ; nombre équivalent = 1 / IHH",
        "en": "HHI = Σ_s s_s²; HHI* = (HHI − 1/N) / (1 − 1/N); equivalent number = 1 / HHI",
    },
    "m_hhi_text": {
        "fr": "Parts des produits (SH6) ou des marchés dans les exportations du pays ; N : "
        "nombre de produits ou de marchés servis. Proche de 1 : concentré ; proche de 0 : "
        "diversifié. Aussi calculé pour les exportations vers chaque marché prioritaire.",
        "en": "Shares of products (HS6) or markets in the home country’s exports; N: number "
        "of products or markets served. Close to 1: concentrated; close to 0: diversified. "
        "Also computed for the exports to each priority market.",
    },
    "m_penetration_title": {
        "fr": "Pénétration des marchés (WITS)",
        "en": "Market penetration (WITS)",
    },
    "m_penetration_formula": {
        "fr": "P_k = marchés servis en k / marchés importateurs de k",
        "en": "P_k = markets served in k / markets importing k",
    },
    "m_penetration_text": {
        "fr": "Nombre de pays vers lesquels le pays exporte le produit, rapporté au nombre de "
        "pays qui l’importent (le pays étudié exclu).",
        "en": "Number of countries the home country ships the product to, over the number of "
        "countries importing it (the home country excluded).",
    },
    "m_cms_title": {
        "fr": "Parts de marché constantes (Tyszynski, 1951 ; OMC ERSD-2009-14)",
        "en": "Constant market shares (Tyszynski, 1951; WTO ERSD-2009-14)",
    },
    "m_cms_formula": {
        "fr": "ΔX = r·X⁰ + Σ_k (r_k − r)·X_k⁰ + Σ_k Σ_j (r_kj − r_k)·X_kj⁰ + résidu",
        "en": "ΔX = r·X⁰ + Σ_k (r_k − r)·X_k⁰ + Σ_k Σ_j (r_kj − r_k)·X_kj⁰ + residual",
    },
    "m_cms_text": {
        "fr": "r, r_k, r_kj : croissance du commerce mondial, du commerce mondial du produit k "
        "et des importations de k par le marché j entre {base} et {end}. Les quatre termes "
        "sont les effets croissance mondiale, composition par produit, répartition "
        "géographique et compétitivité (le résidu) ; leur somme est la variation des "
        "exportations.",
        "en": "r, r_k, r_kj: growth of world trade, of world trade in product k and of market "
        "j’s imports of k between {base} and {end}. The four terms are the world growth, "
        "product composition, market distribution and competitiveness (residual) effects; "
        "they add up to the change in exports.",
    },
    "m_complexity_title": {
        "fr": "Complexité économique (Hidalgo et Hausmann, 2009 ; conventions du Growth Lab)",
        "en": "Economic complexity (Hidalgo & Hausmann, 2009; Growth Lab conventions)",
    },
    "m_complexity_formula": {
        "fr": "densité_k = Σ_k′ M_k′ φ_kk′ / Σ_k′ φ_kk′ ; distance_k = 1 − densité_k",
        "en": "density_k = Σ_k′ M_k′ φ_kk′ / Σ_k′ φ_kk′; distance_k = 1 − density_k",
    },
    "m_complexity_text": {
        "fr": "Présence M_ck = 1 quand ACR ≥ {threshold}. ICE et ICP : vecteurs propres "
        "associés à la deuxième valeur propre de la matrice de la méthode des réflexions, "
        "orientés pour que l’ICE croisse avec la diversité, centrés et réduits par la "
        "moyenne et l’écart type de l’ICE des pays (ecomplexity du Growth Lab de Harvard). "
        "Proximité φ : minimum des deux probabilités conditionnelles de co-exportation "
        "(diagonale nulle). COI et COG selon l’Atlas de la complexité économique (2014). "
        "Calcul chaque année, au niveau SH{level}.",
        "en": "Presence M_ck = 1 when RCA ≥ {threshold}. ECI and PCI: eigenvectors of the "
        "second eigenvalue of the method-of-reflections matrix, signed so that ECI grows with "
        "diversity, standardised by the mean and standard deviation of the countries’ ECI "
        "(Harvard Growth Lab’s ecomplexity). Proximity φ: the smaller of the two conditional "
        "probabilities of co-export (zero diagonal). COI and COG as in the Atlas of Economic "
        "Complexity (2014). Computed every year, at HS{level}.",
    },
    "m_potential_title": {
        "fr": "Potentiel d’exportation (ITC, Decreux et Spies, 2016)",
        "en": "Export potential (ITC, Decreux & Spies, 2016)",
    },
    "m_potential_formula": {
        "fr": "PE_jk = offre × demande × accès au marché × facilité des échanges",
        "en": "EP_jk = supply × demand × market access × ease of trade",
    },
    "m_potential_supply": {
        "fr": "Offre : (X_k / W_k) · min(1, X_k / M_k) · ((1 + {home_growth}) / "
        "(1 + {world_growth}))^{horizon} — part de marché mondiale moyenne, pénalité "
        "d’importateur net et croissance relative projetée sur {horizon} ans.",
        "en": "Supply: (X_k / W_k) · min(1, X_k / M_k) · ((1 + {home_growth}) / "
        "(1 + {world_growth}))^{horizon} — average world market share, net-importer "
        "penalty and relative growth projected over {horizon} years.",
    },
    "m_potential_demand_trend": {
        "fr": "Demande : importations moyennes de k par j · (1 + g_jk)^{horizon}, g_jk étant la "
        "tendance des importations de j sur {window} ans, bornée à ±{cap}.",
        "en": "Demand: j’s average imports of k · (1 + g_jk)^{horizon}, g_jk being the trend "
        "of j’s imports over {window} years, bounded to ±{cap}.",
    },
    "m_potential_demand_flat": {
        "fr": "Demande : importations moyennes de k par j, supposées constantes (g_jk = 0).",
        "en": "Demand: j’s average imports of k, assumed flat (g_jk = 0).",
    },
    "m_potential_access": {
        "fr": "Accès au marché : ((1 + droit moyen des fournisseurs) / (1 + droit appliqué au "
        "pays))^{elasticity} ; neutre (1) quand les droits du marché ne sont pas chargés.",
        "en": "Market access: ((1 + suppliers’ average tariff) / (1 + tariff faced by the "
        "home country))^{elasticity}; neutral (1) when the market’s tariffs are not loaded.",
    },
    "m_potential_ease": {
        "fr": "Facilité des échanges : exportations observées du pays vers j rapportées à "
        "celles qu’il aurait si sa part de chaque produit dans j était sa part mondiale (la "
        "distance est absorbée dans ce rapport).",
        "en": "Ease of trade: the home country’s observed exports to j over those it would "
        "have if its share of every product in j were its world share (distance is absorbed "
        "in this ratio).",
    },
    "m_potential_untapped": {
        "fr": "Exportations effectives : moyenne des {actual_years} dernières années ; "
        "potentiel inexploité = max(potentiel − effectif, 0) ; part réalisée = effectif / "
        "potentiel.",
        "en": "Actual exports: average of the last {actual_years} years; untapped potential = "
        "max(potential − actual, 0); realised share = actual / potential.",
    },
    "m_diversification_title": {
        "fr": "Classement des opportunités de diversification",
        "en": "Ranking of diversification opportunities",
    },
    "m_diversification_formula": {
        "fr": "score = (rang centile de la densité + rang centile du COG) / 2",
        "en": "score = (percentile rank of density + percentile rank of COG) / 2",
    },
    "m_diversification_text": {
        "fr": "Produits SH6 sans avantage comparatif (ACR < {threshold}) la dernière année, "
        "classés par score décroissant (faisabilité et intérêt) ; égalités départagées par "
        "code SH6. Côté offre de l’indicateur de diversification de produits de l’ITC.",
        "en": "HS6 products without a comparative advantage (RCA < {threshold}) in the last "
        "year, ranked by decreasing score (feasibility and desirability); ties broken by HS6 "
        "code. The supply side of ITC’s product diversification indicator.",
    },
    "m_afcfta_title": {"fr": "Ouvertures dans la ZLECAf", "en": "AfCFTA openings"},
    "m_afcfta_formula": {
        "fr": "ouverture_jk = importations de k par j venant de fournisseurs non africains",
        "en": "opening_jk = j’s imports of k from suppliers outside Africa",
    },
    "m_afcfta_text": {
        "fr": "j : État partie à la ZLECAf autre que le pays ; k : produit où le pays a un ACR ≥ "
        "{threshold} ; retenu quand plus de 50 % des importations de j en k viennent de "
        "l’extérieur de l’Afrique. Moyennes des trois dernières années ; droits NPF et "
        "préférentiels quand ils sont chargés.",
        "en": "j: an AfCFTA State Party other than the home country; k: a product in which "
        "the home country has RCA ≥ {threshold}; kept when more than 50% of j’s imports of k "
        "come from outside Africa. Averages of the last three years; MFN and preferential "
        "tariffs when loaded.",
    },
    # Data vintages
    "vintages_title": {
        "fr": "Millésimes des données et validation",
        "en": "Data vintages and validation",
    },
    "vintages_caption": {
        "fr": "Millésimes des données de la version {study_id}",
        "en": "Data vintages of version {study_id}",
    },
    "version_text": {
        "fr": "Version {study_id} calculée le {date} ; version précédente : {previous}.",
        "en": "Version {study_id} computed on {date}; previous version: {previous}.",
    },
    "vintages_none": {"fr": "Aucun millésime enregistré.", "en": "No vintage recorded."},
    "validation_pointer": {
        "fr": "Les contrôles de qualité des données chargées figurent en fin de rapport.",
        "en": "The quality checks of the loaded data are at the end of the report.",
    },
    "col_vintage": {"fr": "Millésime", "en": "Vintage"},
    "col_detail": {"fr": "Détail", "en": "Detail"},
    "none_value": {"fr": "aucune", "en": "none"},
    # Workbook
    "wb_readme": {"fr": "LISEZMOI", "en": "README"},
    "wb_title": {
        "fr": "Étude de l’offre exportable — classeur des tables",
        "en": "Exportable offer study — workbook of the tables",
    },
    "wb_parameters": {
        "fr": "Paramètres (ops.study_parameters)",
        "en": "Parameters (ops.study_parameters)",
    },
    "wb_markets": {"fr": "Marchés (ops.study_markets)", "en": "Markets (ops.study_markets)"},
    "wb_vintages": {"fr": "Millésimes (ops.study_vintages)", "en": "Vintages (ops.study_vintages)"},
    "wb_sheets": {"fr": "Feuilles", "en": "Sheets"},
    "wb_sheet": {"fr": "Feuille", "en": "Sheet"},
    "wb_rows": {"fr": "Lignes écrites", "en": "Rows written"},
    "wb_note": {"fr": "Note", "en": "Note"},
    "wb_parameter": {"fr": "Paramètre", "en": "Parameter"},
    "wb_value": {"fr": "Valeur", "en": "Value"},
    "wb_role": {"fr": "Rôle", "en": "Role"},
    "wb_units": {
        "fr": "Unités : valeurs en dollars des États-Unis courants (USD) ; les colonnes "
        "«\u00a0(%)\u00a0» contiennent des fractions affichées en pourcentage, sauf les "
        "droits de douane («\u00a0% ad valorem\u00a0», en pourcentage) ; «\u00a0points\u00a0» : "
        "points de pourcentage.",
        "en": "Units: values in current US dollars (USD); “(%)” columns hold fractions shown "
        "as percentages, except tariffs (“% ad valorem”, in percent); “points”: percentage "
        "points.",
    },
    "wb_sheet_source": {
        "fr": "Table {table} de la base publiée.",
        "en": "Table {table} of the published database.",
    },
    "wb_missing": {
        "fr": "La table {table} est absente de la base publiée.",
        "en": "Table {table} is missing from the published database.",
    },
    "wb_capped": {
        "fr": "Tronqué : {shown} lignes écrites sur {total}.",
        "en": "Truncated: {shown} rows written out of {total}.",
    },
    "wb_last_year_only": {
        "fr": "Dernière année seulement ({year}) : {total} lignes sur toutes les années.",
        "en": "Last year only ({year}): {total} rows over all years.",
    },
    "wb_home_trades_only": {
        "fr": "Produits que le pays étudié exporte ou importe : {shown} lignes sur {total} "
              "(la table complète est dans la base publiée).",
        "en": "Products the home country exports or imports: {shown} rows out of {total} "
              "(the full table is in the published database).",
    },
    "wb_home_and_top": {
        "fr": "Le pays étudié et les {n} premiers pays par ICE de chaque année et niveau.",
        "en": "The home country and the top {n} countries by ECI of each year and level.",
    },
    "wb_generated_at": {"fr": "Généré le", "en": "Generated"},
    # --- Market watch (watch.html, market-<ISO3>.html, digest.html) -----------------------
    "watch_report_link": {
        "fr": "Veille des marchés prioritaires : parts de marché, concurrents, réglementation, "
        "alertes",
        "en": "Priority market watch: market shares, competitors, regulation, alerts",
    },
    "watch_title": {
        "fr": "Observatoire du Commerce Extérieur — veille des marchés prioritaires",
        "en": "Foreign Trade Observatory — priority market watch",
    },
    "market_page_title": {"fr": "Veille du marché : {market}", "en": "Market watch: {market}"},
    "digest_title": {
        "fr": "Veille des marchés — ce qui a changé",
        "en": "Market watch — what changed",
    },
    "watch_as_of": {"fr": "Date de la veille", "en": "Watch date"},
    "watch_run": {"fr": "Exécution", "en": "Run"},
    "watch_vintages": {"fr": "Données :", "en": "Data:"},
    "watch_validation_failed": {
        "fr": "{n} contrôles en échec",
        "en": "{n} checks failed",
    },
    "watch_details": {"fr": "(détails en fin de page)", "en": "(details at the end of the page)"},
    "watch_nav_label": {"fr": "Pages de la veille", "en": "Watch pages"},
    "watch_nav_index": {"fr": "Marchés prioritaires", "en": "Priority markets"},
    "watch_nav_digest": {"fr": "Ce qui a changé", "en": "What changed"},
    "watch_nav_supply": {"fr": "Offre exportable", "en": "Exportable supply"},
    "watch_digest_pointer": {
        "fr": "Ce qui a changé depuis la dernière exécution publiée : nouvelles données, "
        "notifications, alertes levées et closes, plus forts mouvements.",
        "en": "What changed since the last published run: new data, notifications, alerts "
        "raised and cleared, largest moves.",
    },
    "watch_markets_title": {"fr": "Marchés prioritaires", "en": "Priority markets"},
    "watch_markets_intro": {
        "fr": "Part du pays dans les importations du marché pour les produits (SH6) qu’il y "
        "exporte, alertes ouvertes, notifications dont le délai de commentaires approche et "
        "exportations concernées par des notifications ouvertes.",
        "en": "The home country’s share of the market’s imports of the products (HS6) it "
        "exports there, open alerts, notifications whose comment deadline is near and exports "
        "under open notifications.",
    },
    "watch_no_markets": {
        "fr": "Aucun marché prioritaire : ops.study_markets ne contient aucun marché de rôle "
        "« priority » et les tables de la veille sont vides.",
        "en": "No priority market: ops.study_markets holds no market with the role "
        "‘priority’ and the watch tables are empty.",
    },
    "watch_eu": {"fr": "UE", "en": "EU"},
    "card_home_share": {"fr": "Part du pays ({period})", "en": "Home share ({period})"},
    "card_share_change": {
        "fr": "Variation depuis {previous} (points)",
        "en": "Change since {previous} (points)",
    },
    "card_home_exports": {"fr": "Exportations du pays", "en": "Home exports"},
    "card_open_alerts": {"fr": "Alertes ouvertes", "en": "Open alerts"},
    "card_due_soon": {
        "fr": "Notifications à commenter bientôt",
        "en": "Notifications due soon",
    },
    "card_value_at_stake": {
        "fr": "Exportations sous notifications ouvertes",
        "en": "Exports under open notifications",
    },
    "label_count": {"fr": "{label} : {n}", "en": "{label}: {n}"},
    "watch_chart_title": {
        "fr": "Variation de la part du pays par marché prioritaire (points)",
        "en": "Change in the home country’s share by priority market (points)",
    },
    "watch_chart_note": {
        "fr": "Part dans les importations du marché des produits que le pays y exporte, "
        "dernière année contre la précédente.",
        "en": "Share of the market’s imports of the products the home country exports there, "
        "last year against the one before.",
    },
    "watch_alerts_by_kind": {"fr": "Alertes ouvertes par type", "en": "Open alerts by kind"},
    "alert_counts_caption": {
        "fr": "Alertes ouvertes par marché et par règle",
        "en": "Open alerts by market and rule",
    },
    "rule_share_drop": {"fr": "Recul de part", "en": "Share drop"},
    "rule_competitor_gain": {"fr": "Gain d’un concurrent", "en": "Competitor gain"},
    "rule_demand_contraction": {"fr": "Contraction de la demande", "en": "Demand contraction"},
    "rule_new_notification": {"fr": "Nouvelle notification", "en": "New notification"},
    "rule_deadline": {"fr": "Délai de commentaires", "en": "Comment deadline"},
    "rule_rasff_spike": {"fr": "Pic RASFF", "en": "RASFF spike"},
    "level_hs6": {"fr": "SH6", "en": "HS6"},
    "level_hs4": {"fr": "SH4", "en": "HS4"},
    "level_sector": {"fr": "secteur", "en": "sector"},
    "role_home": {"fr": "pays étudié", "en": "home country"},
    "role_competitor": {"fr": "concurrent", "en": "competitor"},
    "role_market": {"fr": "Ensemble des fournisseurs", "en": "All suppliers"},
    # Market page
    "market_totals_note": {
        "fr": "Part calculée sur les {n} produits (SH6) que le pays exporte vers {market}.",
        "en": "Share computed over the {n} products (HS6) the home country exports to "
        "{market}.",
    },
    "moves_title": {"fr": "Mouvements de parts de marché", "en": "Market share moves"},
    "moves_intro": {
        "fr": "Part du pays dans les importations du marché et son rang parmi les "
        "fournisseurs (1 = premier), classés par variation absolue décroissante.",
        "en": "The home country’s share of the market’s imports and its rank among suppliers "
        "(1 = largest), ranked by decreasing absolute change.",
    },
    "moves_chart_title": {
        "fr": "Les {n} plus fortes variations de part du pays en {market}, {previous}–{period} "
        "(points, SH6)",
        "en": "The {n} largest changes in the home country’s share in {market}, "
        "{previous}–{period} (points, HS6)",
    },
    "moves_caption": {
        "fr": "Parts du pays par {level}, {previous} → {period}",
        "en": "Home shares by {level}, {previous} → {period}",
    },
    "rolling_title": {
        "fr": "Douze derniers mois contre les douze précédents (données mensuelles)",
        "en": "Last twelve months against the twelve before (monthly data)",
    },
    "col_home_share_prev": {"fr": "Part avant (%)", "en": "Share before (%)"},
    "col_home_rank": {"fr": "Rang (avant → après)", "en": "Rank (before → after)"},
    "col_suppliers": {"fr": "Fournisseurs", "en": "Suppliers"},
    "col_mirror_flag": {"fr": "Données miroir", "en": "Mirror data"},
    "mirror_consistent": {"fr": "cohérentes", "en": "consistent"},
    "mirror_mirror_higher": {"fr": "miroir plus élevé", "en": "mirror higher"},
    "mirror_mirror_lower": {"fr": "miroir plus faible", "en": "mirror lower"},
    "mirror_exporter_only": {"fr": "déclaration du pays seule", "en": "exporter only"},
    "mirror_mirror_only": {"fr": "déclaration du marché seule", "en": "mirror only"},
    "mirror_none": {"fr": "non comparé", "en": "not compared"},
    "competitors_title": {
        "fr": "Concurrents : qui gagne ce que le pays perd",
        "en": "Competitors: who gains what the home country loses",
    },
    "competitors_intro": {
        "fr": "Parts des fournisseurs suivis dans les importations du marché des produits (SH6) "
        "que le pays y exporte.",
        "en": "The watched suppliers’ shares of the market’s imports of the products (HS6) "
        "the home country exports there.",
    },
    "suppliers_chart_title": {
        "fr": "Variation des parts des fournisseurs en {market}, {previous}–{period} (points)",
        "en": "Change in suppliers’ shares in {market}, {previous}–{period} (points)",
    },
    "suppliers_caption": {
        "fr": "Parts des fournisseurs suivis, {previous} → {period}",
        "en": "Shares of the watched suppliers, {previous} → {period}",
    },
    "col_supplier": {"fr": "Fournisseur", "en": "Supplier"},
    "col_role": {"fr": "Rôle", "en": "Role"},
    "col_share_prev": {"fr": "Part avant (%)", "en": "Share before (%)"},
    "col_share": {"fr": "Part (%)", "en": "Share (%)"},
    "col_gains_products": {
        "fr": "Produits gagnés quand le pays recule",
        "en": "Products gained as home loses",
    },
    "gains_caption": {
        "fr": "Produits où un concurrent gagne des parts pendant que le pays en perd, "
        "{previous} → {period}",
        "en": "Products where a competitor gains share while the home country loses it, "
        "{previous} → {period}",
    },
    "gains_none": {
        "fr": "Aucun concurrent suivi ne gagne de parts sur un produit où le pays en perd.",
        "en": "No watched competitor gains share in a product where the home country loses it.",
    },
    "col_competitor": {"fr": "Concurrent", "en": "Competitor"},
    "col_competitor_share": {"fr": "Part du concurrent (%)", "en": "Competitor share (%)"},
    "col_competitor_gain_pts": {
        "fr": "Gain du concurrent (points)",
        "en": "Competitor gain (points)",
    },
    "col_home_change_pts": {
        "fr": "Variation du pays (points)",
        "en": "Home change (points)",
    },
    "demand_title": {"fr": "Demande du marché", "en": "Market demand"},
    "demand_chart_title": {
        "fr": "Importations de {market} des produits exportés par le pays",
        "en": "{market}’s imports of the products the home country exports",
    },
    "demand_chart_note": {
        "fr": "Produits (SH6) que le pays exporte vers le marché la dernière année, toutes "
        "origines confondues.",
        "en": "Products (HS6) the home country exports to the market in the last year, from "
        "every origin.",
    },
    "demand_caption": {
        "fr": "Importations du marché par {level} en {year}",
        "en": "Market imports by {level} in {year}",
    },
    "col_imports_prev": {"fr": "Année précédente (USD)", "en": "Previous year (USD)"},
    "col_growth": {"fr": "Variation annuelle (%)", "en": "Year-on-year change (%)"},
    "col_trend_cagr": {"fr": "Tendance (TCAM, %)", "en": "Trend (CAGR, %)"},
    "prices_title": {"fr": "Positionnement prix", "en": "Price positioning"},
    "prices_intro": {
        "fr": "Valeurs unitaires (USD par tonne) du pays, de ses concurrents et de l’ensemble "
        "des fournisseurs du marché ; un rapport au pays de 1,20 signifie 20 % plus cher que "
        "le pays.",
        "en": "Unit values (USD per metric ton) of the home country, its competitors and all "
        "the market’s suppliers; a ratio to home of 1.20 means 20% dearer than the home "
        "country.",
    },
    "prices_caption": {
        "fr": "Valeurs unitaires en {year} (produits dont les quantités sont connues)",
        "en": "Unit values in {year} (products with known quantities)",
    },
    "col_value": {"fr": "Valeur (USD)", "en": "Value (USD)"},
    "col_quantity_t": {"fr": "Quantité (t)", "en": "Quantity (t)"},
    "col_unit_value": {"fr": "Valeur unitaire (USD/t)", "en": "Unit value (USD/t)"},
    "col_relative_home": {"fr": "Rapport au pays", "en": "Ratio to home"},
    "col_relative_market": {"fr": "Rapport au marché", "en": "Ratio to market"},
    "tariffs_title": {"fr": "Marges préférentielles", "en": "Tariff preference margins"},
    "tariffs_intro": {
        "fr": "Droit appliqué au pays et à chaque concurrent (préférentiel s’il existe, sinon "
        "NPF) ; marge positive : avantage du pays.",
        "en": "Tariff faced by the home country and by each competitor (preferential if any, "
        "else MFN); a positive margin is an advantage for the home country.",
    },
    "tariffs_caption": {
        "fr": "Droits appliqués par {market} et marges préférentielles",
        "en": "Tariffs applied by {market} and preference margins",
    },
    "tariffs_none": {
        "fr": "Aucun droit de douane n’est chargé pour {market} : les marges préférentielles "
        "ne peuvent pas être calculées.",
        "en": "No tariffs are loaded for {market}: preference margins cannot be computed.",
    },
    "col_tariff_year": {"fr": "Année des droits", "en": "Tariff year"},
    "col_competitor_tariff": {
        "fr": "Droit appliqué au concurrent (%)",
        "en": "Competitor’s tariff (%)",
    },
    "mirror_title": {"fr": "Qualité des données miroir", "en": "Mirror data quality"},
    "mirror_intro": {
        "fr": "Comparaison des exportations déclarées par le pays et des importations déclarées "
        "par le marché (produit par produit).",
        "en": "The home country’s declared exports against the market’s declared imports "
        "(product by product).",
    },
    "mirror_caption": {
        "fr": "Produits (SH6) par indicateur de qualité miroir, {period}",
        "en": "Products (HS6) by mirror-quality flag, {period}",
    },
    "regulation_title": {"fr": "Exposition réglementaire", "en": "Regulatory exposure"},
    "regulation_intro": {
        "fr": "Notifications OMC (ePing) applicables au marché, dans l’ordre de priorité de la "
        "veille : notifications ouvertes dont le délai de commentaires tombe dans les {days} "
        "jours d’abord, puis par valeur en jeu.",
        "en": "WTO notifications (ePing) that apply to the market, in the watch’s priority "
        "order: open notifications whose comment deadline falls within {days} days first, then "
        "by value at stake.",
    },
    "notifications_caption": {
        "fr": "Notifications ePing applicables à {market}",
        "en": "ePing notifications applying to {market}",
    },
    "notifications_none": {
        "fr": "Aucune notification ePing ne s’applique à {market}.",
        "en": "No ePing notification applies to {market}.",
    },
    "col_priority": {"fr": "Priorité", "en": "Priority"},
    "col_symbol": {"fr": "Cote", "en": "Symbol"},
    "col_area": {"fr": "Domaine", "en": "Area"},
    "col_notification_title": {"fr": "Objet", "en": "Title"},
    "col_hs_codes": {"fr": "Codes SH notifiés", "en": "HS codes notified"},
    "col_value_at_stake": {"fr": "Valeur en jeu (USD)", "en": "Value at stake (USD)"},
    "col_share_of_exports": {
        "fr": "Part des exportations vers le marché (%)",
        "en": "Share of exports to the market (%)",
    },
    "col_distributed": {"fr": "Diffusée le", "en": "Distributed"},
    "col_deadline": {"fr": "Fin des commentaires", "en": "Comment deadline"},
    "col_days_left": {"fr": "Jours restants", "en": "Days left"},
    "deadline_passed": {"fr": "échu", "en": "passed"},
    "top_product_tag": {"fr": "produit phare", "en": "top product"},
    "scopes_title": {
        "fr": "Règlements de l’UE : MACF (CBAM) et déforestation (RDUE)",
        "en": "EU regulations: CBAM and deforestation (EUDR)",
    },
    "scopes_caption": {
        "fr": "Exportations du pays vers {market} dans le champ du MACF et du RDUE",
        "en": "Home exports to {market} within the scope of CBAM and the EUDR",
    },
    "scopes_none": {
        "fr": "Le pays n’exporte vers ce marché aucun produit dans le champ du MACF ou du RDUE.",
        "en": "The home country exports no product within the scope of CBAM or the EUDR to "
        "this market.",
    },
    "col_regulation": {"fr": "Règlement", "en": "Regulation"},
    "scope_cbam": {"fr": "MACF (CBAM)", "en": "CBAM"},
    "scope_eudr": {"fr": "RDUE (déforestation)", "en": "EUDR (deforestation)"},
    "rasff_title": {
        "fr": "Alertes sanitaires RASFF",
        "en": "RASFF food and feed alerts",
    },
    "rasff_intro": {
        "fr": "Notifications RASFF par origine et groupe de produits, rapportées aux "
        "exportations de l’origine vers l’UE (pour 100 millions de dollars) : le pays face à "
        "ses concurrents.",
        "en": "RASFF notifications by origin and product group, per $100 million exported to "
        "the EU by the origin: the home country against its competitors.",
    },
    "rasff_caption": {
        "fr": "Notifications RASFF pour 100 M$ exportés vers l’UE",
        "en": "RASFF notifications per $100M exported to the EU",
    },
    "col_product_group": {"fr": "Groupe de produits", "en": "Product group"},
    "col_origin": {"fr": "Origine", "en": "Origin"},
    "col_notifications": {"fr": "Notifications", "en": "Notifications"},
    "col_exports_to_eu": {"fr": "Exportations vers l’UE (USD)", "en": "Exports to the EU (USD)"},
    "col_per_100m": {"fr": "Pour 100 M$", "en": "Per $100M"},
    "col_prev_years_avg": {
        "fr": "Moyenne des années précédentes",
        "en": "Average of previous years",
    },
    "open_alerts_title": {"fr": "Alertes ouvertes", "en": "Open alerts"},
    "open_alerts_caption": {
        "fr": "Alertes ouvertes sur {market} et leurs éléments",
        "en": "Open alerts on {market} and their evidence",
    },
    "alerts_none": {
        "fr": "Aucune alerte ouverte sur ce marché.",
        "en": "No open alert on this market.",
    },
    "col_alert_rule": {"fr": "Règle", "en": "Rule"},
    "col_alert_product": {"fr": "Produit / référence", "en": "Product / reference"},
    "col_alert_period": {"fr": "Période", "en": "Period"},
    "col_alert_title": {"fr": "Alerte", "en": "Alert"},
    "col_severity": {"fr": "Gravité", "en": "Severity"},
    "col_raised": {"fr": "Levée le", "en": "Raised"},
    "col_cleared": {"fr": "Close le", "en": "Cleared"},
    "col_evidence": {"fr": "Éléments", "en": "Evidence"},
    "feed_title": {"fr": "Actualités du marché", "en": "Market news"},
    "feed_intro": {
        "fr": "Les {n} derniers éléments des flux suivis pour ce marché, du plus récent au plus "
        "ancien.",
        "en": "The latest {n} items of the feeds followed for this market, newest first.",
    },
    "feed_link_not_shown": {
        "fr": "lien non affiché (adresse non http)",
        "en": "link not shown (not an http address)",
    },
    # Digest
    "digest_changes_title": {
        "fr": "Depuis la dernière exécution publiée",
        "en": "Since the last published run",
    },
    "digest_runs": {
        "fr": "Exécution {run} comparée à l’exécution {previous}.",
        "en": "Run {run} compared with run {previous}.",
    },
    "digest_first_run": {
        "fr": "Exécution {run} : première exécution de la veille, sans exécution antérieure à "
        "comparer.",
        "en": "Run {run}: the watch’s first run, with no earlier run to compare with.",
    },
    "digest_nothing": {"fr": "Rien de nouveau.", "en": "Nothing new."},
    "digest_section_vintage": {"fr": "Nouvelles données", "en": "New data vintages"},
    "digest_section_notification": {"fr": "Nouvelles notifications", "en": "New notifications"},
    "digest_section_alert_raised": {"fr": "Alertes levées", "en": "Alerts raised"},
    "digest_section_alert_cleared": {"fr": "Alertes closes", "en": "Alerts cleared"},
    "digest_section_move": {"fr": "Plus forts mouvements", "en": "Largest moves"},
    "digest_value_vintage": {"fr": "Lignes", "en": "Rows"},
    "digest_value_notification": {"fr": "Valeur en jeu (USD)", "en": "Value at stake (USD)"},
    "digest_value_alert_raised": {"fr": "Gravité", "en": "Severity"},
    "digest_value_alert_cleared": {"fr": "Gravité", "en": "Severity"},
    "digest_value_move": {"fr": "Variation (points)", "en": "Change (points)"},
    "col_digest_item": {"fr": "Élément", "en": "Item"},
    "alerts_raised_title": {
        "fr": "Alertes levées par cette exécution",
        "en": "Alerts raised by this run",
    },
    "alerts_raised_caption": {
        "fr": "Alertes levées par l’exécution {run}",
        "en": "Alerts raised by run {run}",
    },
    "alerts_raised_none": {"fr": "Aucune alerte levée.", "en": "No alert raised."},
    "alerts_cleared_title": {
        "fr": "Alertes closes par cette exécution",
        "en": "Alerts cleared by this run",
    },
    "alerts_cleared_caption": {
        "fr": "Alertes closes par l’exécution {run}",
        "en": "Alerts cleared by run {run}",
    },
    "alerts_cleared_none": {"fr": "Aucune alerte close.", "en": "No alert cleared."},
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


def format_date(value: date | None, lang: str) -> str:
    """'1er décembre 2026' (fr) or '1 December 2026' (en); a datetime shows its date."""
    if value is None:
        return MISSING
    check_language(lang)
    if lang == "fr":
        day = "1er" if value.day == 1 else str(value.day)
        return f"{day} {_FR_MONTHS[value.month - 1]} {value.year}"
    return f"{value.day} {_EN_MONTHS[value.month - 1]} {value.year}"


def format_signed(value: float | None, lang: str, decimals: int = 2) -> str:
    """A change with its sign: 1.25 -> '+1,25' (fr) / '+1.25' (en), -0.5 -> '-0,50'; a
    change that rounds to zero has no sign."""
    text = format_decimal(value, lang, decimals)
    if value is not None and _is_number(value) and value > 0 and round(value, decimals) != 0:
        return "+" + text
    return text


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

    def date_only(self, value: date | None) -> str:
        return format_date(value, self.lang)

    def signed(self, value: float | None, decimals: int = 2) -> str:
        return format_signed(value, self.lang, decimals)

    def rate(self, percent: float | None, decimals: int = 1) -> str:
        """A rate already in percent (a tariff of 5.0 -> '5,0 %' / '5.0%')."""
        return format_percent(None if percent is None else percent / 100, self.lang, decimals)


def code_label(prefix: str, code: str | None, messages: Mapping[str, str]) -> str:
    """Translated code of a mart column ('quadrant', 'champion' -> 'Champions'); an unknown
    code shows as is, a missing one as a dash."""
    if code is None:
        return MISSING
    return messages.get(f"{prefix}_{code}", code)


def status_label(status: str, messages: Mapping[str, str]) -> str:
    """Translated ledger status ('published' -> 'publié'); an unknown status shows as is."""
    return messages.get(f"status_{status}", status)


# Column headers of the study workbook, one per mart column, unit in parentheses; a column
# that is not listed keeps its own name as its header.
COLUMN_LABELS: dict[str, dict[str, str]] = {
    "year": {"fr": "Année", "en": "Year"},
    "level": {"fr": "Niveau", "en": "Level"},
    "code": {"fr": "Code", "en": "Code"},
    "description": {"fr": "Désignation (anglais)", "en": "Description"},
    "description_fr": {"fr": "Désignation", "en": "Description (French)"},
    "sector": {"fr": "Secteur", "en": "Sector"},
    "home_exports_usd": {"fr": "Exportations du pays (USD)", "en": "Home exports (USD)"},
    "home_imports_usd": {"fr": "Importations du pays (USD)", "en": "Home imports (USD)"},
    "world_exports_usd": {"fr": "Exportations mondiales (USD)", "en": "World exports (USD)"},
    "home_total_exports_usd": {
        "fr": "Exportations totales du pays (USD)",
        "en": "Home total exports (USD)",
    },
    "world_total_exports_usd": {
        "fr": "Exportations mondiales totales (USD)",
        "en": "World total exports (USD)",
    },
    "world_market_share": {"fr": "Part de marché mondiale (%)", "en": "World market share (%)"},
    "world_market_share_change_pts": {
        "fr": "Variation de la part de marché (points)",
        "en": "World market share change (points)",
    },
    "rca": {"fr": "ACR (indice)", "en": "RCA (index)"},
    "rsca": {"fr": "ACRS (−1 à 1)", "en": "RSCA (−1 to 1)"},
    "trade_balance_index": {
        "fr": "Balance commerciale relative (−1 à 1)",
        "en": "Trade balance index (−1 to 1)",
    },
    "markets_served": {"fr": "Marchés servis (nombre)", "en": "Markets served (count)"},
    "markets_importing": {"fr": "Marchés importateurs (nombre)", "en": "Markets importing (count)"},
    "market_penetration": {"fr": "Pénétration des marchés (%)", "en": "Market penetration (%)"},
    "window_start_year": {"fr": "Début de la fenêtre (année)", "en": "Window start (year)"},
    "home_exports_cagr": {"fr": "TCAM des exportations du pays (%)", "en": "Home export CAGR (%)"},
    "world_demand_cagr": {"fr": "TCAM de la demande mondiale (%)", "en": "World demand CAGR (%)"},
    "world_total_cagr": {"fr": "TCAM du commerce mondial (%)", "en": "World trade CAGR (%)"},
    "quadrant": {"fr": "Quadrant", "en": "Quadrant"},
    "market_iso3": {"fr": "Marché (ISO3)", "en": "Market (ISO3)"},
    "hs6": {"fr": "SH6", "en": "HS6"},
    "market_imports_usd": {"fr": "Importations du marché (USD)", "en": "Market imports (USD)"},
    "home_share": {"fr": "Part du pays (%)", "en": "Home share (%)"},
    "home_rank": {"fr": "Rang du pays parmi les fournisseurs", "en": "Home rank among suppliers"},
    "suppliers": {"fr": "Fournisseurs (nombre)", "en": "Suppliers (count)"},
    "top_supplier_iso3": {"fr": "Premier fournisseur (ISO3)", "en": "Top supplier (ISO3)"},
    "top_supplier_share": {"fr": "Part du premier fournisseur (%)", "en": "Top supplier share (%)"},
    "market_name_en": {"fr": "Marché (anglais)", "en": "Market"},
    "market_name_fr": {"fr": "Marché", "en": "Market (French)"},
    "trade_complementarity": {
        "fr": "Complémentarité commerciale (0–100)",
        "en": "Trade complementarity (0–100)",
    },
    "trade_intensity": {"fr": "Intensité commerciale (indice)", "en": "Trade intensity (index)"},
    "products_exported": {
        "fr": "Produits exportés (nombre SH6)",
        "en": "Products exported (HS6 count)",
    },
    "export_hhi": {"fr": "IHH des exportations (0–1)", "en": "Export HHI (0–1)"},
    "dimension": {"fr": "Dimension", "en": "Dimension"},
    "n_items": {"fr": "Éléments avec exportations (nombre)", "en": "Items with exports (count)"},
    "hhi": {"fr": "IHH (0–1)", "en": "HHI (0–1)"},
    "normalized_hhi": {"fr": "IHH normalisé (0–1)", "en": "Normalised HHI (0–1)"},
    "equivalent_number": {"fr": "Nombre équivalent (1/IHH)", "en": "Equivalent number (1/HHI)"},
    "base_year": {"fr": "Année de base", "en": "Base year"},
    "end_year": {"fr": "Année finale", "en": "End year"},
    "scope": {"fr": "Périmètre", "en": "Scope"},
    "effect": {"fr": "Effet", "en": "Effect"},
    "value_usd": {"fr": "Montant (USD)", "en": "Amount (USD)"},
    "share_of_change": {"fr": "Part de la variation (%)", "en": "Share of the change (%)"},
    "iso3": {"fr": "Pays (ISO3)", "en": "Country (ISO3)"},
    "country_name": {"fr": "Pays", "en": "Country"},
    "diversity": {"fr": "Diversité (nombre de produits)", "en": "Diversity (product count)"},
    "eci": {"fr": "ICE (écart type)", "en": "ECI (standard deviations)"},
    "eci_rank": {"fr": "Rang ICE", "en": "ECI rank"},
    "coi": {"fr": "COI (écart type)", "en": "COI (standard deviations)"},
    "product_code": {"fr": "Code produit", "en": "Product code"},
    "m": {"fr": "Présence (ACR ≥ seuil, 0/1)", "en": "Presence (RCA ≥ threshold, 0/1)"},
    "density": {"fr": "Densité (0–1)", "en": "Density (0–1)"},
    "cog": {"fr": "Gain d’opportunité COG", "en": "Opportunity gain COG"},
    "distance": {"fr": "Distance (0–1)", "en": "Distance (0–1)"},
    "pci": {"fr": "ICP (écart type)", "en": "PCI (standard deviations)"},
    "ubiquity": {"fr": "Ubiquité (nombre de pays)", "en": "Ubiquity (country count)"},
    "supply_share": {"fr": "Part de l’offre mondiale (%)", "en": "Supply share (%)"},
    "net_exporter_factor": {
        "fr": "Facteur exportateur net (0–1)",
        "en": "Net exporter factor (0–1)",
    },
    "supply_growth_factor": {
        "fr": "Facteur de croissance de l’offre",
        "en": "Supply growth factor",
    },
    "demand_growth_rate": {
        "fr": "Croissance annuelle de la demande (%)",
        "en": "Annual demand growth (%)",
    },
    "projected_demand_usd": {"fr": "Demande projetée (USD)", "en": "Projected demand (USD)"},
    "home_tariff_pct": {
        "fr": "Droit appliqué au pays (% ad valorem)",
        "en": "Tariff faced (% ad valorem)",
    },
    "average_tariff_pct": {
        "fr": "Droit moyen des fournisseurs (% ad valorem)",
        "en": "Suppliers’ average tariff (% ad valorem)",
    },
    "market_access_factor": {"fr": "Facteur d’accès au marché", "en": "Market access factor"},
    "market_access_term": {"fr": "Terme d’accès au marché", "en": "Market access term"},
    "ease_of_trade": {"fr": "Facilité des échanges (indice)", "en": "Ease of trade (index)"},
    "potential_usd": {"fr": "Potentiel (USD)", "en": "Potential (USD)"},
    "actual_usd": {"fr": "Exportations effectives (USD)", "en": "Actual exports (USD)"},
    "untapped_usd": {"fr": "Potentiel inexploité (USD)", "en": "Untapped potential (USD)"},
    "realised_share": {"fr": "Part réalisée (%)", "en": "Realised share (%)"},
    "reference_year": {"fr": "Année de référence", "en": "Reference year"},
    "years_averaged": {"fr": "Années moyennées (nombre)", "en": "Years averaged (count)"},
    "importer_iso3": {"fr": "Importateur (ISO3)", "en": "Importer (ISO3)"},
    "importer_name_en": {"fr": "Importateur (anglais)", "en": "Importer"},
    "importer_name_fr": {"fr": "Importateur", "en": "Importer (French)"},
    "importer_imports_usd": {
        "fr": "Importations de l’importateur (USD)",
        "en": "Importer’s imports (USD)",
    },
    "from_africa_usd": {"fr": "Importations d’Afrique (USD)", "en": "Imports from Africa (USD)"},
    "from_outside_africa_usd": {
        "fr": "Importations hors Afrique (USD)",
        "en": "Imports from outside Africa (USD)",
    },
    "outside_share": {"fr": "Part hors Afrique (%)", "en": "Share from outside Africa (%)"},
    "top_outside_supplier_iso3": {
        "fr": "Premier fournisseur hors Afrique (ISO3)",
        "en": "Top supplier outside Africa (ISO3)",
    },
    "home_rca": {"fr": "ACR du pays (indice)", "en": "Home RCA (index)"},
    "mfn_pct": {"fr": "Droit NPF (% ad valorem)", "en": "MFN tariff (% ad valorem)"},
    "afcfta_pct": {
        "fr": "Droit préférentiel (% ad valorem)",
        "en": "Preferential tariff (% ad valorem)",
    },
    "tariff_margin_pts": {"fr": "Marge tarifaire (points)", "en": "Tariff margin (points)"},
    "tariff_data": {"fr": "Droits chargés", "en": "Tariff data"},
    "opening_usd": {"fr": "Ouverture (USD)", "en": "Opening (USD)"},
    "world_imports_usd": {"fr": "Importations mondiales (USD)", "en": "World imports (USD)"},
    "top_importers": {"fr": "Principaux importateurs (ISO3)", "en": "Top importers (ISO3)"},
    "top_importers_share": {
        "fr": "Part des principaux importateurs (%)",
        "en": "Top importers’ share (%)",
    },
    "feasibility_pct": {"fr": "Faisabilité (rang centile, %)", "en": "Feasibility (percentile, %)"},
    "desirability_pct": {"fr": "Intérêt (rang centile, %)", "en": "Desirability (percentile, %)"},
    "opportunity_score": {"fr": "Score d’opportunité (0–1)", "en": "Opportunity score (0–1)"},
    "opportunity_rank": {"fr": "Rang", "en": "Rank"},
    "previous_study_id": {"fr": "Version précédente", "en": "Previous version"},
    "study_id": {"fr": "Version", "en": "Version"},
    "change": {"fr": "Changement", "en": "Change"},
    "previous_value": {"fr": "Valeur avant", "en": "Previous value"},
    "current_value": {"fr": "Valeur après", "en": "Current value"},
    "detail": {"fr": "Détail", "en": "Detail"},
}


def column_label(column: str, lang: str) -> str:
    """The workbook header of a mart column in `lang` (its unit in parentheses), or the
    column's own name when it has none."""
    check_language(lang)
    texts = COLUMN_LABELS.get(column)
    return texts[lang] if texts else column
