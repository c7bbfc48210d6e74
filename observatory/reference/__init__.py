"""Reference data (`ref` schema): countries, the HS nomenclature and the sectors."""

from __future__ import annotations

import pandas as pd

from observatory.reference.codes import comtrade_special_codes
from observatory.reference.countries import baci_special_codes, build_countries
from observatory.reference.hs import build_hs_nomenclature, hs6_codes
from observatory.reference.sectors import build_sector_map, sectors


def build_reference_tables() -> dict[str, pd.DataFrame]:
    """Every `ref` table, by name."""
    return {
        "countries": build_countries(),
        "hs_nomenclature": build_hs_nomenclature(),
        "sectors": sectors(),
        "hs_sectors": build_sector_map(hs6_codes()),
        "baci_special_codes": baci_special_codes(),
        "comtrade_special_codes": comtrade_special_codes().copy(),
    }
