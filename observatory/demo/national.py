"""Demo national statistics: an annual table by partner and flow in the Office des Changes'
format, SYNTHETIC.

`national/oc_annual_by_country_flow_<first>_<last>_synthetic_demo.csv` is written exactly
as the real open-data export is (`observatory/sources/national/settings.py`): a UTF-8 BOM,
`;`-separated quoted fields, a trailing `;` on every line, decimal commas, one column
`Valeur DHS <year>` per year in dirhams, flows 14 and 24 with their components 141/142 and
241/242, and the real file's traps: Namibia's code `NA`, the pseudo-partners (AP, AV, AN,
YU, a row without a code, the home country itself), blank component cells, and one
component sum above its total (the home country's own row in the first year, as in the
real file). A README.txt beside it carries the demo marker, so that everything read from it
is labelled synthetic. The values describe no real trade.
"""

from __future__ import annotations

import random
from pathlib import Path

import pandas as pd

from observatory.reference.countries import build_countries
from observatory.sources.batches import DEMO_MARKER
from observatory.sources.national.settings import FLOW_LABELS, PSEUDO_PARTNERS

# Partners of the demo (ISO3) besides the pseudo-partners: the demo's markets and
# competitors, a few others, Namibia (its ISO2 code NA is the format's trap) and Morocco
# (a partner when the home country is another; the home itself is a pseudo-partner).
PARTNERS = ("ESP", "FRA", "IND", "ITA", "BRA", "USA", "DEU", "NLD", "GBR", "TUR", "SEN",
            "CIV", "NGA", "EGY", "MRT", "KEN", "TUN", "PRT", "CHN", "BEL", "CAN", "JPN",
            "RUS", "SAU", "ARE", "ZAF", "NAM", "AND", "ZWE", "MAR")
README = f"""Observatoire du Commerce Extérieur: embedded demo data (national statistics)
{DEMO_MARKER}

The CSV file in this folder is SYNTHETIC: an annual table of trade by partner and flow in
the format of the Office des Changes' open-data export (UTF-8 with BOM, ';'-separated,
decimal comma, values in dirhams, one column per year), generated with a fixed random seed
so that the demo runs through the same code as a real download. It describes no real trade:
everything built from it is labelled "demo data (synthetic)".
"""


def write_national_demo(folder: Path, home: str, first_year: int, last_year: int,
                        seed: int) -> list[Path]:
    """Write the demo table into `folder` (created if needed) for the home country `home`
    (ISO3) and the years `first_year`..`last_year`; return the table's and the README's
    paths."""
    if last_year < first_year:
        raise ValueError(f"last_year {last_year} is before first_year {first_year}")
    rng = random.Random(seed)
    countries = build_countries().set_index("iso3")
    years = list(range(first_year, last_year + 1))
    rows: list[tuple[str, str, str, list[float | None]]] = []
    for iso3 in sorted(p for p in PARTNERS if p != home and p in countries.index):
        code = str(countries.at[iso3, "iso2"])
        label = str(countries.at[iso3, "name_fr"]).upper()
        rows += _partner_rows(rng, code, label, years, size=rng.lognormvariate(21, 1.3))
    home_code = str(countries.at[home, "iso2"])
    for code, label in _pseudo_partners(countries, home):
        components = "all" if code == home_code else "none" if code == "" else "some"
        rows += _partner_rows(rng, code, label, years, size=rng.lognormvariate(18, 1.0),
                              components=components)
    rows = [_component_above_total(r, home_code, years) for r in rows]
    rows.sort(key=lambda r: (r[0], r[2]))
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"oc_annual_by_country_flow_{first_year}_{last_year}_synthetic_demo.csv"
    header = ["Code du pays", "Libellé du pays", "Code du flux", "Libellé du flux",
              *(f"Valeur DHS {y}" for y in years)]
    lines = [_line(header)]
    for code, label, flow, values in rows:
        lines.append(_line([code, label, flow, FLOW_LABELS[flow],
                            *("" if v is None else _dirhams(v) for v in values)]))
    path.write_bytes(b"\xef\xbb\xbf" + "".join(lines).encode("utf-8"))
    readme = folder / "README.txt"
    readme.write_text(README, encoding="utf-8")
    return [path, readme]


def _pseudo_partners(countries: pd.DataFrame, home: str) -> list[tuple[str, str]]:
    """The format's pseudo-partners and the home country itself, with the labels the Office
    des Changes writes ("AUTRES PAYS", "MAROC")."""
    labels = {"AP": "AUTRES PAYS", "AV": "AVITAILLEMENT", "AN": "ANTILLES NEERLANDAIS",
              "YU": "YOUGOUSLAVIE", "": ""}
    if set(labels) != set(PSEUDO_PARTNERS):
        raise ValueError("the demo's pseudo-partners differ from the format's")
    return [*labels.items(),
            (str(countries.at[home, "iso2"]), str(countries.at[home, "name_fr"]).upper())]


def _partner_rows(rng: random.Random, code: str, label: str, years: list[int], *,
                  size: float, components: str = "some"
                  ) -> list[tuple[str, str, str, list[float | None]]]:
    """A partner's totals (exports 24, imports 14) over the years, and components of each
    (`components`: "all", "none", or "some": for about 60 % of the partners), some of their
    cells blank, as in the real file."""
    out = []
    for flow, scale in (("24", 1.0), ("14", 1.6)):
        level = size * scale
        values: list[float | None] = []
        for _ in years:
            values.append(round(level, rng.choice((0, 0, 3))))
            level *= max(0.2, rng.gauss(1.04, 0.12))
        out.append((code, label, flow, values))
        if components == "none" or (components == "some" and rng.random() < 0.4):
            continue
        parts = [f"{flow}1", f"{flow}2"]
        for part in parts:
            share = rng.uniform(0.02, 0.3)
            cells: list[float | None] = [
                None if rng.random() < 0.05 else round(float(v or 0) * share, 3)
                for v in values]
            out.append((code, label, part, cells))
    return out


def _component_above_total(row: tuple[str, str, str, list[float | None]], home_code: str,
                           years: list[int]) -> tuple[str, str, str, list[float | None]]:
    """The home country's own export total of the first year made smaller than its
    components, as partner MA's is in the real file (2010)."""
    code, label, flow, values = row
    if code == home_code and flow == "24" and values:
        values = [1000.0, *values[1:]]
    return code, label, flow, values


def _dirhams(value: float) -> str:
    """A value as the Office des Changes writes it: no thousands mark, a decimal comma,
    no decimals when whole."""
    text = f"{value:.3f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def _line(fields: list[str]) -> str:
    return "".join(f'"{f}";' for f in fields) + "\n"
