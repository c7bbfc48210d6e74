"""Copy the real samples the tests read into tests/fixtures/real/ (a fresh clone runs them).

    .venv/bin/python scripts/vendor_real_samples.py [--shared ../shared/data/real]

Every file is copied whole, byte for byte; the ones over 500 kB are stored gzip-compressed
(`<name>.gz`, fixed header, so the bytes are reproducible) and `tests.conftest.real_sample`
unpacks them once per session under their own name. The tests read only these copies.
Each folder gets a `SHA256SUMS` of the original files (before compression), which
tests/test_real_samples.py checks; its README.md (provenance, licence) is written by hand.
"""

from __future__ import annotations

import argparse
import gzip
import hashlib
import shutil
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "data" / "real"
TARGET = REPO / "tests" / "fixtures" / "real"
COMPRESS_OVER = 500_000  # bytes

# Folder (its name under ../shared/data/real/) -> the files the tests read.
SAMPLES: dict[str, list[str]] = {
    "baci-dictionaries": ["country_codes_V202301.csv", "product_codes_HS17_V202301.csv"],
    "comtrade-api-json": ["comtradeapi_v1_get_C_A_HS_CHN_imports_2010_TOTAL.json",
                          "comtradeapi_bulk_v1_get_C_A_HS_availability.json"],
    # data_eu_imports.csv (27 MB) stays outside: the partner-Morocco file is its MAR rows.
    "comtrade-eu27-wood-imports-2018-2022": ["data_eu_imports_partner_MAR.csv",
                                             "data_eu_imports_world.csv"],
    "country-codes": ["country-codes.csv", "datapackage.yml"],
    "ecomplexity-fixtures": ["trade_data_sample.csv", "stata_ground_truth.csv", "LICENSE"],
    "harmonized-system": ["harmonized-system.csv", "datapackage.json"],
    "hs-concordance-unsd": ["HS2022toHS2017ConversionAndCorrelationTables.xlsx",
                            "HS2022toHS2012ConversionAndCorrelationTables.xlsx",
                            "HS2017toHS2012ConversionAndCorrelationTables.xlsx",
                            "classificationH5.json"],
    "rasff": ["rasff_notifications_all.csv", "rasff_morocco_subset.csv"],
    "ots-world-exports-hs4-2017": ["world_trade_2017.csv"],
    "comext-ds045409-sdmx-csv": ["CN_32121000.csv", "CN_39201081.csv", "CN_48064010.csv"],
    "morocco-national-trade": ["oc_annual_by_country_flow_2010_2021.csv",
                               "donnees_comext_cvs_cjo_aout_2024.xlsx"],
}


def write_gzip(source: Path, target: Path) -> None:
    """`source` gzip-compressed into `target`, with no name or time in the header."""
    with open(source, "rb") as raw, open(target, "wb") as out, \
            gzip.GzipFile(filename="", mode="wb", fileobj=out, compresslevel=9,
                          mtime=0) as packed:
        shutil.copyfileobj(raw, packed)


def vendor(shared: Path, target: Path) -> list[str]:
    lines = []
    for folder, names in SAMPLES.items():
        out = target / folder
        out.mkdir(parents=True, exist_ok=True)
        sums = []
        for name in names:
            source = shared / folder / name
            data = source.read_bytes()
            sums.append(f"{hashlib.sha256(data).hexdigest()}  {name}")
            if len(data) > COMPRESS_OVER and source.suffix not in (".xlsx", ".gz", ".zip"):
                write_gzip(source, out / f"{name}.gz")
                (out / name).unlink(missing_ok=True)
                stored = out / f"{name}.gz"
            else:
                shutil.copyfile(source, out / name)
                stored = out / name
            lines.append(f"{folder}/{stored.name}: {len(data):,} bytes, stored "
                         f"{stored.stat().st_size:,}")
        (out / "SHA256SUMS").write_text("\n".join(sums) + "\n", encoding="utf-8")
    return lines


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--shared", type=Path, default=SHARED)
    parser.add_argument("--target", type=Path, default=TARGET)
    args = parser.parse_args(argv)
    for line in vendor(args.shared, args.target):
        print(line)


if __name__ == "__main__":
    main()
