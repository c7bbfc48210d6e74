"""Demo regulatory data in the sources' real formats: an ePing search answer (JSON), a RASFF
portal export (CSV), a WITS tariff answer (SDMX-JSON) and an RSS feed of market news
(`demo.feeds`), built so the watch has something to find: notifications from priority markets
on the home country's top products, some with a comment deadline in the coming weeks (alerts
`new_notification` and `deadline`); RASFF incidents over several years on its fish and fresh
produce and on its competitors', with a planted spike on its cephalopods this year (alert
`rasff_spike`, see RASFF_SPIKE); MFN and preferential tariffs on its top products.
Deterministic for a given seed and `today`. Everything carries the demo marker and is labelled
synthetic downstream.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, timedelta
from pathlib import Path

import numpy as np

from observatory.demo.feeds import write_demo_feed
from observatory.demo.profiles import SPECIALISATIONS
from observatory.reference.countries import build_countries
from observatory.reference.hs import build_hs_nomenclature
from observatory.sources.batches import DEMO_MARKER

README = f"""Observatoire du Commerce Extérieur: embedded demo data (regulatory sources)
{DEMO_MARKER}

SYNTHETIC files in the formats of the WTO ePing API (search answer), the EU RASFF portal
export and the World Bank WITS tariff API (SDMX-JSON). They describe no real measure,
incident or tariff.
"""

# (notifying member as ePing names it, ISO3, area, HS6, title, days to the comment deadline)
EPING_PLAN = [
    ("United States of America", "USA", "TBT", "854430",
     "Safety standard for insulated wiring harnesses in motor vehicles", 12),
    ("India", "IND", "SPS", "251010", "Limits for cadmium in natural calcium phosphates", 20),
    ("India", "IND", "TBT", "310530", "Quality control order on diammonium phosphate", 45),
    ("Brazil", "BRA", "TBT", "310540", "Labelling of mineral fertilizers", 9),
    ("Türkiye", "TUR", "SPS", "070200", "Maximum residue limits for tomatoes", 25),
    ("European Union", "EUR", "SPS", "080521", "Import conditions for citrus fruit", 18),
    ("European Union", "EUR", "SPS", "030752", "Official controls on frozen cephalopods", -40),
    ("United Kingdom", "GBR", "SPS", "160413", "Histamine limits in canned sardines", 30),
    ("Egypt", "EGY", "TBT", "870323", "Conformity assessment of imported passenger cars", 60),
    ("Kenya", "KEN", "TBT", "310520", "Standard for compound NPK fertilizers", 15),
]

RASFF_HAZARDS = {
    "fish and fish products": ("histamine", "mercury", "Anisakis"),
    "cephalopods and products thereof": ("cadmium", "temperature control abuse"),
    "fruits and vegetables": ("chlorpyrifos", "acetamiprid", "ethephon"),
}
RASFF_PRODUCTS = {
    "fish and fish products": ("canned sardines", "frozen sardines", "chilled mackerel"),
    "cephalopods and products thereof": ("frozen octopus", "frozen cuttlefish"),
    "fruits and vegetables": ("tomatoes", "mandarins", "clementines", "peppers"),
}
# Notifications per origin (ISO3; named as RASFF names them). The home country's count
# includes its planted spike (RASFF_SPIKE), its other notifications fall in the other groups.
HOME_RASFF_COUNT = 14
COMPETITOR_RASFF = {"ESP": 9, "TUR": 12, "EGY": 10, "TUN": 3}
# The spike the demo is built to show (alert `rasff_spike`): the home country's notifications in
# one product group, by calendar year counted back from `today`'s (0 = this year). 5 this year
# against 1 in each of the three years before: 5 >= watch.rasff_spike_min (3) and 5 >= 2 x 1
# (watch.rasff_spike_ratio x the average of the years before).
RASFF_SPIKE = ("cephalopods and products thereof", {0: 5, 1: 1, 2: 1, 3: 1})
# Other notifications are spread over the last RASFF_YEARS calendar years.
RASFF_YEARS = 4
NOTIFIERS = ("France", "Spain", "Italy", "Netherlands", "Germany", "Belgium")


def generate_regulatory_demo(out_dir: Path, *, today: date, seed: int = 20260101,
                             home_iso3: str = "MAR") -> dict[str, Path]:
    """Write the regulatory demo files under `out_dir` (eping/, rasff/, tariffs/, feeds/) and
    return their paths by folder."""
    rng = np.random.default_rng(seed)
    out: dict[str, Path] = {}
    for folder, name, text in (
        ("eping", "demo_eping_notifications.json", _eping(today, home_iso3)),
        ("rasff", "demo_rasff_export.csv", _rasff(rng, today, home_iso3)),
        ("tariffs", "demo_wits_tariffs.json", _tariffs(rng, home_iso3, today.year - 1)),
    ):
        path = Path(out_dir) / folder / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        (path.parent / "README.txt").write_text(README, encoding="utf-8")
        out[folder] = path
    out["feeds"] = write_demo_feed(out_dir, today=today)
    return out


def _eping(today: date, home: str) -> str:
    names = build_hs_nomenclature().set_index("hs_code")["description"]
    items = []
    for n, (member, iso3, area, hs6, title, days) in enumerate(EPING_PLAN):
        distributed = today - timedelta(days=30 + n * 3 if days < 0 else 20 - n)
        code = "EU" if iso3 == "EUR" else iso3
        symbol = f"G/{area}/N/{code}/{900 + n}"
        items.append(_eping_item(1_900_000 + n, area, symbol, member, distributed,
                                 today + timedelta(days=days), title, hs6, names[hs6]))
    # An addendum to the first one, and a corrigendum to the third: not new measures.
    first, third = items[0], items[2]
    items.append({**first, "id": 1_900_100, "documentSymbol": first["documentSymbol"] + "/Add.1",
                  "distributionDate": (today - timedelta(days=2)).isoformat() + "T00:00:00+00:00",
                  "commentDeadlineDate": None,
                  "titlePlain": first["titlePlain"] + " (addendum: entry into force postponed)"})
    items.append({**third, "id": 1_900_101, "documentSymbol": third["documentSymbol"] + "/Corr.1",
                  "distributionDate": (today - timedelta(days=1)).isoformat() + "T00:00:00+00:00",
                  "commentDeadlineDate": None,
                  "titlePlain": third["titlePlain"] + " (corrigendum)"})
    body = {"observatory-demo": DEMO_MARKER, "totalCount": len(items), "page": 1,
            "pageSize": len(items), "items": items}
    return json.dumps(body, indent=1, ensure_ascii=False) + "\n"


def _eping_item(ident: int, area: str, symbol: str, member: str, distributed: date,
                deadline: date, title: str, hs6: str, description: str) -> dict[str, object]:
    return {
        "id": ident, "area": area, "documentSymbol": symbol, "notifyingMember": member,
        "notificationType": "Regular notification",
        "distributionDate": distributed.isoformat() + "T00:00:00+00:00",
        "commentDeadlineDate": deadline.isoformat() + "T00:00:00+00:00",
        "proposedEntryIntoForceDate": (deadline + timedelta(days=180)).isoformat()
        + "T00:00:00+00:00",
        "title": f"<p>{title}</p>", "titlePlain": title,
        "descriptionPlain": f"{title}. Demo notification (synthetic).",
        "productsFreeTextPlain": description,
        "hsCodes": [{"id": ident, "code": hs6, "name": f"{hs6} - {description}"}],
        "objectives": [{"name": "Food safety" if area == "SPS" else "Consumer protection"}],
        "keywords": [], "linkToNotification": f"https://eping.wto.org/en/Search?symbol={symbol}",
        "notifiedDocumentLink": "", "isOpenForComments": deadline >= distributed,
    }


def _rasff(rng: np.random.Generator, today: date, home: str) -> str:
    """RASFF notifications over several calendar years up to `today`: the home country's
    planted spike (RASFF_SPIKE), then random ones for it and its competitors."""
    names = build_countries().set_index("iso3")["name_en"]
    spike_category, spike_years = RASFF_SPIKE
    planned: list[tuple[str, str, date]] = []  # (origin ISO3, category, date)
    for back, count in sorted(spike_years.items()):
        planned += [(home, spike_category, _date_in_year(rng, today, back, k, count))
                    for k in range(count)]
    home_others = max(0, HOME_RASFF_COUNT - len(planned))
    origins = {home: home_others, **{o: n for o, n in COMPETITOR_RASFF.items() if o != home}}
    for origin, count in origins.items():
        categories = [c for c in RASFF_PRODUCTS if origin != home or c != spike_category]
        for _ in range(count):
            category = categories[int(rng.integers(len(categories)))]
            back = int(rng.integers(RASFF_YEARS))
            planned.append((origin, category, _date_in_year(rng, today, back, 0, 1)))
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow(["reference", "category", "type", "subject", "date", "notifying_country",
                     "classification", "risk_decision", "distribution", "forAttention",
                     "forFollowUp", "operator", "origin", "hazards", "year", "week"])
    for number, (origin_iso3, category, when) in enumerate(planned, start=1):
        origin = names[origin_iso3]
        product = RASFF_PRODUCTS[category][int(rng.integers(len(RASFF_PRODUCTS[category])))]
        hazard = RASFF_HAZARDS[category][int(rng.integers(len(RASFF_HAZARDS[category])))]
        notifier = NOTIFIERS[int(rng.integers(len(NOTIFIERS)))]
        classification = ("border rejection notification" if rng.random() < 0.5
                          else "alert notification")
        writer.writerow([
            f"{when.year}.{9000 + number}", category, "food",
            f"{hazard} in {product} from {origin}",
            f"{when.isoformat()} 10:00:00.000000", notifier, classification,
            "serious" if rng.random() < 0.6 else "not serious", "", "", "",
            f"{notifier},{origin}", origin, hazard, when.year, when.isocalendar()[1],
        ])
    return buffer.getvalue()


def _date_in_year(rng: np.random.Generator, today: date, back: int, k: int, n: int) -> date:
    """A date in the calendar year `back` years before `today`'s, never after `today`: this
    year, the k-th of n dates spread from 1 January to `today`; earlier years, a random day."""
    year = today.year - back
    start = date(year, 1, 1)
    if back == 0:
        return start + timedelta(days=(today - start).days * (k + 1) // (n + 1))
    return start + timedelta(days=int(rng.integers(0, (date(year, 12, 31) - start).days + 1)))


def _tariffs(rng: np.random.Generator, home: str, year: int) -> str:
    countries = build_countries().set_index("iso3")
    importers = ["USA", "IND", "BRA", "TUR", "EGY", "NGA", "KEN", "SEN", "CIV", "GBR"]
    products = list(SPECIALISATIONS.get(home, {}))
    partners = [("000", "MFN"), (f"{int(countries.loc[home, 'iso_numeric']):03d}", "PRF")]
    importer_values = [{"id": f"{int(countries.loc[i, 'iso_numeric']):03d}"} for i in importers]
    series = {}
    for r, importer in enumerate(importers):
        african = importer in ("EGY", "NGA", "KEN", "SEN", "CIV")
        for p, _code in enumerate(products):
            mfn = float(np.round(rng.choice([0, 2.5, 5, 10, 15, 20, 35]), 1))
            series[f"0:{r}:0:{p}:0"] = {"observations": {"0": [mfn, 0, 0]}}
            # A preference for the home country where an agreement exists (AfCFTA phase-down,
            # EU/US/Turkey FTAs in this demo); none for India and Brazil.
            if importer not in ("IND", "BRA") and mfn > 0:
                prf = float(np.round(mfn * (0.5 if african else 0.0), 1))
                series[f"0:{r}:1:{p}:0"] = {"observations": {"0": [prf, 0, 1]}}
    body = {
        "header": {"id": f"{DEMO_MARKER}: WITS tariff answer"},
        "dataSets": [{"action": "Information", "series": series}],
        "structure": {
            "dimensions": {
                "series": [
                    {"id": "FREQ", "values": [{"id": "A"}]},
                    {"id": "REPORTER", "values": importer_values},
                    {"id": "PARTNER", "values": [{"id": code} for code, _ in partners]},
                    {"id": "PRODUCTCODE", "values": [{"id": c} for c in products]},
                    {"id": "DATATYPE", "values": [{"id": "Reported"}]},
                ],
                "observation": [{"id": "TIME_PERIOD", "values": [{"id": str(year)}]}],
            },
            "attributes": {"observation": [
                {"id": "NOMENCODE", "values": [{"id": "H6"}]},
                {"id": "TARIFFTYPE", "values": [{"id": "MFN"}, {"id": "PRF"}]},
            ]},
        },
    }
    return json.dumps(body, indent=1) + "\n"
