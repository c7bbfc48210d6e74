"""The Office des Changes' file formats: what its open-data exports hold and how to read them.

Two kinds of file, told apart by their extension:

- the annual table by partner and flow (`.csv`): `;`-separated, decimal comma, UTF-8 with a
  BOM, a trailing `;` on every line (an empty last column), one column per year
  (`Valeur DHS 2010` … `Valeur DHS 2021`, values in dirhams); `Code du pays` is ISO 3166-1
  alpha-2 (`NA` is Namibia, never a missing value); `Code du flux` 14 = imports CIF
  ("Importations CAF"), 24 = exports FOB ("Exportations FAB"), and 141/142 (imports under
  inward processing, with and without payment) and 241/242 (re-exports after inward
  processing) are components of 14 and 24, not additions;
- the monthly workbook of seasonally and working-day adjusted series (CVS-CJO, `.xlsx`): a
  sheet of totals in billions of dirhams and two sheets by "groupement d'utilisation" in
  millions of dirhams (`SHEETS`).

Source: Office des Changes (Morocco), open data; the real samples are described in
`tests/fixtures/real/morocco-national-trade/README.md`. The home country is configurable
(`study.home`): what is Moroccan here is the publisher's format, not the reporter.
"""

from __future__ import annotations

import re

SOURCE = "national"
PROFILE = "national"  # `observatory ingest file PATH --profile national`
# Office des Changes values are in dirhams; ref.exchange_rates converts them to USD.
CURRENCY = "MAD"

# ------------------------------------------------------------------ annual table by partner

PARTNER_CODE = "code du pays"  # headers as folded by client.fold_header
PARTNER_LABEL = "libelle du pays"
FLOW_CODE = "code du flux"
FLOW_LABEL = "libelle du flux"
REQUIRED_HEADERS = (PARTNER_CODE, FLOW_CODE)
OPTIONAL_HEADERS = (PARTNER_LABEL, FLOW_LABEL)
# "Valeur DHS 2010": one column per year, values in dirhams.
YEAR_HEADER = re.compile(r"^valeur (?:en )?dhs (\d{4})$")

# Flow codes: the totals and the orientation they give, and the components of each total.
# The same table is written as CASE expressions in sql/staging/095_stg_national_records.sql.
TOTAL_FLOWS = {"14": "M", "24": "X"}
COMPONENT_FLOWS = {"141": "14", "142": "14", "241": "24", "242": "24"}
FLOW_CODES = (*TOTAL_FLOWS, *COMPONENT_FLOWS)
# The labels the Office des Changes writes beside them (the double space is its own).
FLOW_LABELS = {
    "14": "Importations CAF",
    "24": "Exportations FAB",
    "141": "Importations en admission temporaire pour perfectionnement actif  avec paiement",
    "142": "Importations en admission temporaire pour perfectionnement actif  sans paiement",
    "241": "Réexportations en suite d'admission temporaire pour perfectionnement actif avec "
           "paiement",
    "242": "Réexportations en suite d'admission temporaire pour perfectionnement actif sans "
           "paiement",
}

# Partner codes that are not countries of ref.countries: kept in raw and counted in the
# World totals, never merged as bilateral flows. The home country itself ("MA MAROC" in
# Morocco's files) is a pseudo-partner too, whatever the home is (staging compares the
# partner with the reporter).
PSEUDO_PARTNERS = {
    "AP": "AUTRES PAYS (other countries, not allocated)",
    "AV": "AVITAILLEMENT (ship and aircraft stores)",
    "AN": "ANTILLES NEERLANDAISES (dissolved in 2010)",
    "YU": "YOUGOSLAVIE (dissolved)",
    "": "no partner code",
}

# A last year whose World total (either flow) is below this share of the previous year's
# is reported as a suspected partial year (sources.national.partial_years says so for sure).
SUSPECT_PARTIAL_SHARE = 0.6

# ---------------------------------------------------------------- monthly CVS-CJO workbook

# Sheet (name stripped: the import sheet's name starts with a space) -> (series, flow of the
# whole sheet or None when each column names it, dirhams per unit of the sheet's values).
SHEETS: dict[str, tuple[str, str | None, float]] = {
    "TOTAL CVS-CJO": ("total", None, 1e9),
    "Import GU CVS-CJO": ("imports_gu", "M", 1e6),
    "Export GU CVS-CJO": ("exports_gu", "X", 1e6),
}
SERIES = ("total", "imports_gu", "exports_gu")
DATE_HEADER = "date"
# Suffix of the adjusted series' headers ("DEMI PRODUITS CVS-CJO").
ADJUSTED_SUFFIX = "CVS-CJO"
