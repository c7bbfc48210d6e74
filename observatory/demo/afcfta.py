"""The demo's AfCFTA schedules, rules of origin and agreement tariffs (synthetic, in the
formats of `observatory/sources/afcfta`), written under `demo.dir/afcfta/`:

- `schedules/`: one e-Tariff Book-style export per AfCFTA State Party among the priority
  markets (the members of a customs union in one export of the union's schedule), with the
  home country's specialisations; explicit yearly rates for countries, and for the customs
  unions only the parameters (the paths are derived from the modalities). Each export has a
  sensitive line (category B), an excluded line (category C) and one HS6 split into two
  national lines;
- `rules/`: Appendix IV-style rules for the headings of those products (one rule under
  negotiation), and the other agreements' rules;
- `agreements/`: the home country's other agreements as tariff schedules for the priority
  markets they cover (an EU association agreement, the UK's, Turkey's, the United States',
  and the Agadir agreement where the home country is a member).

Everything is labelled synthetic (the demo marker in the first line and a README.txt)."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import numpy as np

from observatory.demo.profiles import SPECIALISATIONS
from observatory.reference.countries import build_countries
from observatory.reference.hs import build_hs_nomenclature
from observatory.sources.afcfta.resources import phase_down
from observatory.sources.afcfta.settings import CUSTOMS_UNIONS
from observatory.sources.batches import DEMO_MARKER

README = f"""Observatoire du Commerce Extérieur: embedded demo data (AfCFTA and agreements)
{DEMO_MARKER}

Synthetic schedules of tariff concessions in the AfCFTA e-Tariff Book's export format,
product-specific rules of origin in the format of Annex 2 Appendix IV, and agreement tariff
schedules. Rates are invented; they are not any State Party's commitments.
"""
# Products when the home country has no demo specialisations.
FALLBACK_PRODUCTS = ("070200", "080510", "160413", "310520", "620342", "870323")
AGADIR = ("EGY", "JOR", "MAR", "TUN")
YEARS = 13  # 2021-2033: the longest timetable


def write_afcfta_demo(out_dir: Path, *, home: str, markets: list[str] | tuple[str, ...],
                      today: date, seed: int, start_year: int = 2021) -> list[Path]:
    """Write the schedules, rules and agreement tariffs; returns their paths."""
    out_dir = Path(out_dir)
    rng = np.random.default_rng(seed + 19)
    countries = build_countries().set_index("iso3")
    nomenclature = build_hs_nomenclature().set_index("hs_code")["description"]
    products = sorted(SPECIALISATIONS.get(home, {})) or list(FALLBACK_PRODUCTS)
    sensitive, excluded = products[-1], products[0]
    # Base rates are the applied MFN rates (modalities): the demo's WITS answer's, where
    # it was written beside (`demo.dir/tariffs/`), else drawn.
    mfn = _demo_mfn(out_dir.parent / "tariffs" / "demo_wits_tariffs.json")
    parties = [m for m in markets if m != home and bool(countries.loc[m, "afcfta_state_party"])]
    paths: list[Path] = []
    groups: dict[str, list[str]] = {}
    for market in parties:
        union = next((u for u, members in CUSTOMS_UNIONS.items() if market in members), None)
        groups.setdefault(union or market, []).append(market)
    for party in groups:
        is_union = party in CUSTOMS_UNIONS
        name = party if is_union else str(countries.loc[party, "name_en"])
        ldc = not is_union and bool(countries.loc[party, "ldc"])
        years = list(range(start_year, start_year + YEARS))
        header = ["State Party", "HS Code", "National Tariff Line", "Description",
                  "Category", "Base Rate", "LDC Timetable",
                  *(f"Year {i + 1} ({y})" for i, y in enumerate(years))]
        lines = [f"AfCFTA e-Tariff Book export: schedule of {name} ({DEMO_MARKER})",
                 ",".join(header)]
        for product in products:
            drawn = float(rng.choice([5, 10, 20, 35]))
            base = mfn.get((groups[party][0], product), drawn)
            category = "B" if product == sensitive else "C" if product == excluded else "A"
            split = product == products[1]
            for suffix in (("10", "90") if split else ("00",)):
                line_base = base + (5.0 if suffix == "90" else 0.0)
                timetable = "LDC" if ldc else "Non-LDC"
                if is_union:
                    rates = [""] * len(years)
                else:
                    path = phase_down(line_base, category, "ldc" if ldc else "non_ldc",
                                      start_year, YEARS)
                    rates = [f"{path[y]:g}" for y in years]
                code = f"{product[:4]}.{product[4:]}"
                label = _csv_text(str(nomenclature.get(product, product)))
                lines.append(",".join([name, code, f"{code}.{suffix}.00", label, category,
                                       f"{line_base:g}", timetable, *rates]))
        paths.append(_write(out_dir / "schedules" / f"demo_etariff_{party.lower()}.csv",
                            lines))
    paths.append(_write(out_dir / "rules" / "demo_appendix_iv.csv", _rules(products, home)))
    paths.append(_write(out_dir / "agreements" / "demo_agreement_tariffs.csv",
                        _agreements(rng, home, markets, products, today, countries)))
    return paths


def _demo_mfn(path: Path) -> dict[tuple[str, str], float]:
    """(importer, HS6) -> MFN rate of the demo's WITS answer (empty without one)."""
    if not path.is_file():
        return {}
    from observatory.sources.wits.resources import parse_tariffs

    frame = parse_tariffs(path.read_text(encoding="utf-8"), path.name)
    frame = frame[(frame["regime"] == "MFN") & frame["ad_valorem_pct"].notna()]
    return {(i, p): float(r) for i, p, r in zip(frame["importer_iso3"], frame["product_code"],
                                                frame["ad_valorem_pct"], strict=True)}


def _rules(products: list[str], home: str) -> list[str]:
    by_chapter = {"03": "Wholly obtained", "07": "Wholly obtained", "08": "Wholly obtained",
                  "16": "Manufacture from materials of any heading, except that of the "
                        "product; or MaxNOM 60 % (EXW)",
                  "25": "CTH", "28": "CTH", "31": "CTSH",
                  "61": "Yet to be agreed", "62": "Yet to be agreed",
                  "85": "CTH; or MaxNOM 60 % (EXW)", "87": "MaxNOM 55 % (EXW)"}
    lines = ["Agreement,HS Code,Description,Product Specific Rule,Status"]
    for heading in sorted({p[:4] for p in products}):
        rule = by_chapter.get(heading[:2], "CTH")
        status = "Under negotiation" if rule == "Yet to be agreed" else "Agreed"
        lines.append(f'AFCFTA,{heading},Heading {heading},"{rule}",{status}')
    for agreement in (f"EU-{home}", f"UK-{home}", f"TR-{home}", f"US-{home}", "AGADIR"):
        for heading in sorted({p[:4] for p in products}):
            rule = ("Wholly obtained" if heading[:2] in ("03", "07", "08")
                    else "CTH; or MaxNOM 50 % (EXW)")
            lines.append(f'{agreement},{heading},Heading {heading},"{rule}",Agreed')
    return lines


def _agreements(rng: np.random.Generator, home: str, markets: list[str] | tuple[str, ...],
                products: list[str], today: date, countries: object) -> list[str]:
    frame = countries  # ref.countries indexed by ISO3
    years = list(range(today.year - 2, today.year + 7))
    importers: list[tuple[str, str]] = []
    if any(bool(frame.loc[m, "eu_member"]) for m in markets):  # type: ignore[attr-defined]
        importers.append((f"EU-{home}", "European Union"))
    for iso3, agreement in (("GBR", f"UK-{home}"), ("TUR", f"TR-{home}"),
                            ("USA", f"US-{home}")):
        if iso3 in markets and iso3 != home:
            importers.append((agreement, iso3))
    if home in AGADIR:
        importers += [("AGADIR", m) for m in markets if m in AGADIR and m != home]
    lines = [f"# {DEMO_MARKER}: the home country's agreements as tariff schedules",
             "Agreement,Importer,Beneficiary,HS Code,Base Rate," + ",".join(map(str, years))]
    for agreement, importer in importers:
        for product in products:
            base = float(rng.choice([4, 8, 12, 20, 30]))
            agricultural = product[:2] < "25"
            if agreement.startswith("TR-"):  # a phase-down over the years shown
                rates = [max(base * (1 - (i + 1) / 6), 0.0) for i in range(len(years))]
            elif agricultural and not agreement.startswith("AGADIR"):
                rates = [round(base * 0.4, 2)] * len(years)  # a reduced agricultural rate
            else:
                rates = [0.0] * len(years)
            lines.append(",".join([agreement, importer, home,
                                   f"{product[:4]}.{product[4:]}", f"{base:g}",
                                   *(f"{r:g}" for r in rates)]))
    return lines


def _csv_text(text: str) -> str:
    return '"' + text.replace('"', '""') + '"' if ("," in text or '"' in text) else text


def _write(path: Path, lines: list[str]) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (path.parent / "README.txt").write_text(README, encoding="utf-8")
    return path
