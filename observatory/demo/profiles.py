"""What the demo trade is built around: the home country's real specialisations and rough
sizes of the major traders. Demo data only: it shapes the synthetic flows so that they look
like trade; no indicator reads it.

Specialisations of Morocco (Office des Changes / UN Comtrade, orders of magnitude of recent
years, USD): phosphate rock, phosphoric acid and fertilisers (OCP), cars (Renault Tanger,
Stellantis Kenitra) and wiring harnesses, fresh tomatoes and citrus, fish (octopus, sardines),
apparel. Each entry: HS6 → (annual exports in USD, main markets).

`PLANTED_EVENTS` are the moves the demo is built to show in its last year: the market watch
must raise its trade alerts on them (README, "Market watch"; `[watch]` thresholds).
"""

from __future__ import annotations

from dataclasses import dataclass

SPECIALISATIONS: dict[str, dict[str, tuple[float, tuple[str, ...]]]] = {
    "MAR": {
        "251010": (1.4e9, ("IND", "BRA", "ESP", "TUR", "USA", "NLD")),
        "280920": (2.1e9, ("IND", "ESP", "TUR", "BRA", "NLD")),
        "310530": (2.6e9, ("BRA", "IND", "USA", "NGA", "KEN", "TUR")),
        "310540": (1.6e9, ("BRA", "IND", "USA", "ESP")),
        "310520": (0.9e9, ("CIV", "NGA", "SEN", "KEN", "BRA", "MRT")),
        "870323": (3.2e9, ("FRA", "ESP", "ITA", "DEU", "TUR", "GBR")),
        "870322": (2.0e9, ("FRA", "ESP", "ITA", "DEU", "BRA", "EGY")),
        "854430": (4.1e9, ("FRA", "ESP", "DEU", "ITA", "USA", "TUR")),
        "070200": (1.1e9, ("FRA", "ESP", "NLD", "GBR", "MRT", "SEN")),
        "080510": (0.25e9, ("FRA", "NLD", "CAN", "RUS", "GBR")),
        "080521": (0.55e9, ("GBR", "NLD", "FRA", "CAN", "RUS")),
        "080522": (0.35e9, ("GBR", "NLD", "FRA", "DEU")),
        "030752": (0.45e9, ("ESP", "ITA", "JPN", "PRT")),
        "160413": (0.55e9, ("FRA", "ESP", "GBR", "USA", "NGA", "CIV")),
        "620342": (0.5e9, ("ESP", "FRA", "GBR", "ITA", "PRT")),
        "620462": (0.55e9, ("ESP", "FRA", "GBR", "NLD")),
        "610910": (0.3e9, ("ESP", "FRA", "ITA", "DEU")),
    },
}



@dataclass(frozen=True)
class PlantedEvent:
    """A move in one market and product, planted in the demo's last year against the year
    before (`generate._plant_events`).

    In the last year every supplier of `product` to `market` ships its previous-year value
    times `market_factor` (new entrants and exits of that year are undone, so the move is
    exactly the planted one), except the home country, which ships `home_factor` times its
    previous-year value, and `gainer` (a watched competitor), which also takes over what the
    home country lost against the market: `(market_factor - home_factor)` times the home's
    previous-year value. With `market_factor = 1` the market's imports are unchanged, so the
    home country's share falls by `(1 - home_factor)` times its previous share and the gainer's
    rises by as much.
    """

    rules: tuple[str, ...]  # the watch alerts it is built to trigger
    market: str  # importer, ISO3 (a priority market)
    product: str  # HS6, one of the home country's specialisations
    home_factor: float
    market_factor: float = 1.0
    gainer: str | None = None  # exporter ISO3 (a watched competitor)


PLANTED_EVENTS: dict[str, tuple[PlantedEvent, ...]] = {
    "MAR": (
        # Wiring harnesses in France: Morocco's shipments down 30 %, Türkiye takes them over;
        # France's imports unchanged. Morocco's 2023 share there is about 37 %: its share falls
        # by about 11 points and Türkiye's rises by as much (thresholds: 2 points each).
        PlantedEvent(rules=("share_drop", "competitor_gain"), market="FRA",
                     product="854430", home_factor=0.70, gainer="TUR"),
        # Brazil's imports of monoammonium phosphate (MAP) from every supplier down 35 %
        # (threshold: 15 %); Morocco ships close to 0.9 billion USD of it there in 2023
        # (alerts need 1 million), and its share does not move.
        PlantedEvent(rules=("demand_contraction",), market="BRA", product="310540",
                     home_factor=0.65, market_factor=0.65),
    ),
}

# Rough merchandise exports (USD bn, recent years) of major traders, to make big economies
# big; other countries get a small random size.
SIZES_BN: dict[str, float] = {
    "CHN": 3400, "USA": 2000, "DEU": 1700, "NLD": 900, "JPN": 720, "ITA": 680, "FRA": 650,
    "KOR": 630, "BEL": 560, "GBR": 520, "MEX": 590, "CAN": 570, "IND": 430, "ESP": 420,
    "CHE": 400, "SGP": 470, "ARE": 430, "SAU": 320, "RUS": 420, "POL": 380, "VNM": 350,
    "AUS": 370, "BRA": 340, "THA": 285, "IDN": 260, "TUR": 255, "MYS": 310, "SWE": 200,
    "AUT": 230, "IRL": 220, "CZE": 240, "NOR": 170, "DNK": 140, "PRT": 90, "ZAF": 110,
    "MAR": 42, "EGY": 45, "NGA": 60, "DZA": 55, "TUN": 20, "KEN": 7.5, "CIV": 16, "SEN": 5.5,
    "MRT": 4.0, "ARG": 70, "CHL": 95, "PER": 65, "COL": 50, "PHL": 75, "PAK": 30,
    "BGD": 55, "ISR": 70, "QAT": 100, "KAZ": 80, "UKR": 40, "HUN": 150, "ROU": 95,
    "GRC": 55, "FIN": 80, "NZL": 45, "ETH": 3.5, "GHA": 17, "CMR": 6, "AGO": 35,
}
