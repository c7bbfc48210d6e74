"""Analysts' files through profiles: encodings, decimal commas, World rows, real Comtrade
extracts, and clear errors."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from observatory.config import load_config
from observatory.errors import SourceError
from observatory.nightly import run_file_ingest
from observatory.sources.files import client
from tests.conftest import real_sample, write_config

FRENCH_ROWS = [
    "Pays;Code SH;Année;Valeur (USD);Poids (kg)",
    "Espagne;070200;2023;1 234 567,5;1000,0",
    "France;0702;2023;2 000,25;",
    "Côte d'Ivoire;310520;2023;50000;20000",
    "Monde;070200;2023;9 999 999;",
    "Turquie;854430;2023;77,7;1,5",
]


@pytest.fixture
def files_workspace(tmp_path: Path) -> Path:
    # No BACI input: only the files given to `ingest file`.
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    return tmp_path


def _published(folder: Path) -> duckdb.DuckDBPyConnection:
    cfg = load_config(folder / "observatory.toml")
    return duckdb.connect(str(cfg.warehouse.published), read_only=True)


@pytest.mark.parametrize("encoding", ["cp1252", "utf-8", "utf-8-sig"])
def test_french_file_with_decimal_commas_in_any_encoding(files_workspace: Path,
                                                         encoding: str) -> None:
    path = files_workspace / "exports.csv"
    path.write_bytes(("\r\n".join(FRENCH_ROWS) + "\r\n").encode(encoding))
    cfg = load_config(files_workspace / "observatory.toml")
    summary = run_file_ingest(cfg, path, "exports_by_country_fr")
    assert summary["status"] == "published", summary
    with _published(files_workspace) as con:
        flows = con.execute(
            "select importer_iso3, product_code, hs_level, value_usd, quantity_t, reported_by "
            "from core.trade_flows order by importer_iso3").fetchall()
        totals = con.execute(
            "select reporter_iso3, flow, product_code, value_usd from core.trade_totals"
        ).fetchall()
    assert flows == [
        ("CIV", "310520", 6, 50000.0, 20.0, "exporter"),
        ("ESP", "070200", 6, 1234567.5, 1.0, "exporter"),
        ("FRA", "0702", 4, 2000.25, None, "exporter"),
        ("TUR", "854430", 6, 77.7, 0.0015, "exporter"),
    ]
    # The World row is an aggregate: kept apart, never in the bilateral table.
    assert totals == [("MAR", "X", "070200", 9999999.0)]
    (ingested,) = summary["inputs"]
    assert ("read as cp1252" in (ingested["message"] or "")) == (encoding == "cp1252")


def test_same_table_as_xlsx_and_parquet(files_workspace: Path) -> None:
    header, *rows = [line.split(";") for line in FRENCH_ROWS]
    frame = pd.DataFrame(rows, columns=header)
    xlsx = files_workspace / "exports.xlsx"
    frame.to_excel(xlsx, index=False)
    parquet = files_workspace / "exports.parquet"
    frame.to_parquet(parquet)
    config = files_workspace / "observatory.toml"
    config.write_text(config.read_text(encoding="utf-8").replace('format = "csv"\nencoding',
                                                                 'format = "auto"\nencoding'),
                      encoding="utf-8")
    cfg = load_config(config)
    for path in (xlsx, parquet):
        profile = cfg.profiles["exports_by_country_fr"]
        chunks = [c for c, _ in client.read_chunks(path, profile)]
        got = pd.concat(chunks)
        assert list(got["partner"]) == ["Espagne", "France", "Côte d'Ivoire", "Monde", "Turquie"]
        assert list(got["value"])[0] == "1 234 567,5"
    summary = run_file_ingest(cfg, xlsx, "exports_by_country_fr")
    assert summary["status"] == "published"
    with _published(files_workspace) as con:
        assert con.execute("select sum(value_usd) from core.trade_flows").fetchone()[0] == \
            pytest.approx(1234567.5 + 2000.25 + 50000 + 77.7)


def test_unknown_partner_and_bad_value_are_quarantined_by_line(files_workspace: Path) -> None:
    path = files_workspace / "exports.csv"
    bad = [*FRENCH_ROWS, "Atlantide;070200;2023;10;", "Espagne;080510;2023;-5;"]
    path.write_text("\n".join(bad) + "\n", encoding="utf-8")
    cfg = load_config(files_workspace / "observatory.toml")
    summary = run_file_ingest(cfg, path, "exports_by_country_fr")
    assert summary["status"] == "completed_with_rejections"
    (verdict,) = summary["validation"]
    defects = {(d["line_number"], d["field"]) for d in verdict["defects"]}
    assert (7, "partner_iso3") in defects and (8, "value_usd") in defects
    with _published(files_workspace) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchone() == (0,)
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        rows = con.execute("select line_number, raw_record from ops.quarantine "
                           "order by line_number").fetchall()
    assert rows[0][0] == 7 and "Atlantide" in rows[0][1]
    assert rows[-1][0] == 8 and "-5" in rows[-1][1]


def test_wrong_encoding_html_page_and_missing_column_are_one_line_errors(
    files_workspace: Path,
) -> None:
    cfg = load_config(files_workspace / "observatory.toml")
    profile = cfg.profiles["exports_by_country_fr"]
    declared = type(profile)(**{**profile.__dict__, "encoding": "utf-8"})
    path = files_workspace / "exports.csv"
    path.write_bytes(("\n".join(FRENCH_ROWS) + "\n").encode("cp1252"))
    # The header itself ("Année") is the first line with a cp1252 byte.
    message = r"exports.csv: line 1: not valid utf-8 \(byte b.\\xe9.\)"
    with pytest.raises(SourceError, match=message):
        list(client.read_chunks(path, declared))
    page = files_workspace / "page.csv"
    page.write_text("<!DOCTYPE html><html><body>Service unavailable</body></html>")
    with pytest.raises(SourceError, match=r"page.csv: line 1: an HTML/XML page"):
        list(client.read_chunks(page, profile))
    renamed = files_workspace / "renamed.csv"
    renamed.write_text(FRENCH_ROWS[0].replace("Valeur (USD)", "Valeur") + "\n",
                       encoding="utf-8")
    with pytest.raises(SourceError, match=r"renamed.csv: line 1: missing column\(s\) "
                                          r"Valeur \(USD\)"):
        list(client.read_chunks(renamed, profile))


def test_same_file_twice_changes_nothing(files_workspace: Path) -> None:
    path = files_workspace / "exports.csv"
    path.write_text("\n".join(FRENCH_ROWS) + "\n", encoding="utf-8")
    cfg = load_config(files_workspace / "observatory.toml")
    assert run_file_ingest(cfg, path, "exports_by_country_fr")["status"] == "published"
    again = run_file_ingest(cfg, path, "exports_by_country_fr")
    assert again["status"] == "unchanged" and again["inputs"][0]["status"] == "unchanged"


def test_eu_imports_of_seats_from_morocco_match_the_raw_comtrade_csvs(tmp_path: Path) -> None:
    """Morocco's share of each EU member's imports of HS 9401, per year: bilateral rows over
    the World row, through the built-in comtrade profile, against pandas on the raw files.
    (The bilateral rows are the extract's partner-Morocco file: its `data_eu_imports.csv`,
    27 MB, is not vendored.)"""
    bilateral = real_sample("comtrade-eu27-wood-imports-2018-2022",
                            "data_eu_imports_partner_MAR.csv")
    world = real_sample("comtrade-eu27-wood-imports-2018-2022", "data_eu_imports_world.csv")
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    cfg = load_config(tmp_path / "observatory.toml")
    for path in (world, bilateral):
        summary = run_file_ingest(cfg, path, "comtrade")
        assert summary["status"] == "published", summary["validation"]

    raw = pd.read_csv(bilateral, dtype={"cmd_code": str})
    raw_world = pd.read_csv(world, dtype={"cmd_code": str})
    num = raw[(raw.partner_iso == "MAR") & (raw.cmd_code == "9401")].groupby(
        ["reporter_iso", "ref_year"])["primary_value"].sum()
    den = raw_world[(raw_world.cmd_code == "9401") & (raw_world.mot_code == 0)
                    & (raw_world.customs_code == "C00")].groupby(
        ["reporter_iso", "ref_year"])["primary_value"].sum()
    expected = (num / den).dropna()
    assert len(expected) > 20

    with _published(tmp_path) as con:
        got = con.execute(
            """
            select f.importer_iso3, f.year, sum(f.value_usd) / any_value(t.value_usd) as share
            from core.trade_flows f
            join core.trade_totals t
              on t.reporter_iso3 = f.importer_iso3 and t.year = f.year and t.flow = 'M'
             and t.product_code = f.product_code
            where f.exporter_iso3 = 'MAR' and f.product_code = '9401'
              and f.reported_by = 'importer'
            group by 1, 2
            """).df().set_index(["importer_iso3", "year"])["share"]
    got.index.names = expected.index.names
    pd.testing.assert_series_equal(got.sort_index(), expected.sort_index(), check_names=False,
                                   rtol=1e-12, check_index_type=False)
