"""National statistics in the Office des Changes' formats, on the real samples: the annual
table by partner and flow through the gate into core and mart.national_mirror, its traps
(Namibia's NA, components, pseudo-partners, a partial last year), a year without a MAD rate,
unreadable files, the monthly CVS-CJO workbook, and the synthetic demo table.

Expected numbers are computed here from the files with pandas and openpyxl, never from the
source's own output. The stages run one by one (prepare, ingest, gate, merge, the mart),
as the nightly job runs them, without the study and the watch.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import duckdb
import openpyxl
import pandas as pd
import pytest

from observatory.config import load_config
from observatory.errors import ConfigError
from observatory.sources.base import InputOutcome, RunContext
from observatory.sources.national.source import SOURCE
from observatory.stages.prepare import new_run_id, prepare_warehouse
from observatory.warehouse import sql_runner
from observatory.warehouse.session import run_database
from tests.conftest import real_sample, write_config

FOLDER = "morocco-national-trade"
ANNUAL = "oc_annual_by_country_flow_2010_2021.csv"
WORKBOOK = "donnees_comext_cvs_cjo_aout_2024.xlsx"
MART = sql_runner.SQL_DIR / "mart" / "trade" / "060_national_mirror.sql"
# Dirhams per US dollar, annual averages rounded (approximately the IMF's): a test input.
# Shares within a year do not depend on them; converted values are checked against them.
MAD_PER_USD = {2010: 8.42, 2011: 8.09, 2012: 8.63, 2013: 8.41, 2014: 8.41, 2015: 9.76,
               2016: 9.81, 2017: 9.69, 2018: 9.39, 2019: 9.62, 2020: 9.50, 2021: 8.99,
               2022: 10.16, 2023: 10.13, 2024: 9.97}


def _workspace(folder: Path, *, years: list[int] | None = None, partial_years: str = "[]",
               paths: str | None = None, monthly: dict[str, float] | None = None,
               home: str = "MAR") -> Any:
    """A configuration in `folder`, with a MAD rate file for `years` (all by default) and
    `monthly` rates ("YYYY-MM": MAD per USD)."""
    config = write_config(folder, baci_paths=["inputs/none-*.zip"], home=home)
    text = config.read_text(encoding="utf-8").replace(
        "partial_years = []", f"partial_years = {partial_years}")
    if paths is not None:
        text = text.replace('paths = ["data/demo/national/*.csv"]', f"paths = {paths}")
    config.write_text(text, encoding="utf-8")
    _write_rates(folder, years or list(MAD_PER_USD), monthly or {})
    return load_config(config)


def _write_rates(folder: Path, years: list[int], monthly: dict[str, float]) -> None:
    rates = folder / "data" / "demo" / "rates"
    rates.mkdir(parents=True, exist_ok=True)
    lines = ["date,base,quote,rate"]
    lines += [f"{y},USD,MAD,{MAD_PER_USD[y]}" for y in years]
    lines += [f"{month},USD,MAD,{rate}" for month, rate in monthly.items()]
    (rates / "mad_test_rates.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")


def _run(cfg: Any, paths: list[Path] | None = None) -> tuple[list[InputOutcome], list[Any]]:
    """Prepare, ingest (the given files through --profile national, else the configured
    globs), gate and merge each batch, then build mart.national_mirror."""
    run_id = new_run_id()
    with run_database(cfg) as con:
        prepare_warehouse(cfg, run_id, date(2026, 11, 29))
        run = RunContext(cfg, run_id)
        outcomes = ([SOURCE.ingest_file(run, p, "national") for p in paths]
                    if paths is not None else SOURCE.ingest(run))
        verdicts = []
        for outcome in outcomes:
            if outcome.status != "loaded":
                continue
            verdict = SOURCE.validate(run, outcome)
            verdicts.append(verdict)
            if verdict.passed:
                SOURCE.merge(run, outcome).apply(outcome)
            else:
                outcome.status = "rejected"
        sql_runner.apply_file(con, MART)
    return outcomes, verdicts


def _query(cfg: Any, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        return con.execute(sql, params or []).fetchall()


def _file_frame() -> pd.DataFrame:
    """The real table read directly: every value as text first (NA is Namibia)."""
    frame = pd.read_csv(real_sample(FOLDER, ANNUAL), sep=";", dtype=str,
                        keep_default_na=False, encoding="utf-8-sig")
    return frame.drop(columns=[c for c in frame.columns if c.startswith("Unnamed")])


def _dirhams(frame: pd.DataFrame, year: int) -> pd.Series:
    column = frame[f"Valeur DHS {year}"].replace("", "0")
    return column.str.replace(",", ".").astype(float)


@pytest.fixture(scope="module")
def real(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    folder = tmp_path_factory.mktemp("national_real")
    cfg = _workspace(folder)
    outcomes, verdicts = _run(cfg, [real_sample(FOLDER, ANNUAL)])
    return {"cfg": cfg, "outcome": outcomes[0], "verdicts": verdicts}


def test_the_real_annual_table_passes_the_gate_into_core(real: dict[str, Any]) -> None:
    outcome, cfg = real["outcome"], real["cfg"]
    assert outcome.status == "loaded", outcome
    assert real["verdicts"][0].passed
    frame = _file_frame()
    assert outcome.rows_read == len(frame) == 1256
    totals = frame[frame["Code du flux"].isin(["14", "24"])]
    countries = totals[~totals["Code du pays"].isin(["", "AP", "AV", "AN", "YU", "MA"])]
    # Every country row of flows 14 and 24, every year (blank cells are components only).
    assert len(countries) * 12 == 5292
    rows = dict(_query(cfg, "select reported_by, count(*) from core.trade_flows "
                            "where source = 'national' group by all"))
    assert rows == {"exporter": int((countries["Code du flux"] == "24").sum()) * 12,
                    "importer": int((countries["Code du flux"] == "14").sum()) * 12}
    assert _query(cfg, "select distinct hs_level, product_code, freq from core.trade_flows")\
        == [(0, "TOTAL", "A")]
    # The HS revision in force in each year.
    assert dict(_query(cfg, "select year, any_value(classification) from core.trade_flows "
                            "where year in (2011, 2012, 2017) group by year")) == {
        2011: "HS07", 2012: "HS12", 2017: "HS17"}
    assert _query(cfg, "select count(*) from core.trade_totals")[0][0] == 24  # 12 years × 2
    assert outcome.changes["summary"] == "5,316 added, 0 replaced, 0 deleted in 48 partition(s)"
    ledger = _query(cfg, "select status, rows_loaded from ops.load_ledger")
    assert ledger == [("merged", 5316)]


def test_france_share_of_national_exports_from_the_mart(real: dict[str, Any]) -> None:
    frame = _file_frame()
    for year in (2010, 2019):
        exports = frame[frame["Code du flux"] == "24"]
        values = _dirhams(exports, year)
        expected = values[exports["Code du pays"] == "FR"].sum() / values.sum()
        ((share, status),) = _query(real["cfg"], "select exports_share, year_status from "
                                    "mart.national_mirror where partner_iso3 = 'FRA' and "
                                    "year = ?", [year])
        assert share == pytest.approx(expected, rel=1e-12)
        assert status == "complete"
    # 2019: France took 21.8 % of the home country's national exports.
    assert round(expected, 4) == 0.2182


def test_world_totals_count_every_partner_row(real: dict[str, Any]) -> None:
    frame = _file_frame()
    for flow, code in (("X", "24"), ("M", "14")):
        expected = _dirhams(frame[frame["Code du flux"] == code], 2015).sum()
        ((usd,),) = _query(real["cfg"], "select value_usd from core.trade_totals where "
                           "reporter_iso3 = 'MAR' and flow = ? and year = 2015", [flow])
        assert usd == pytest.approx(expected / MAD_PER_USD[2015], rel=1e-12)


def test_namibia_na_loads_as_nam(real: dict[str, Any]) -> None:
    frame = _file_frame()
    row = frame[(frame["Code du pays"] == "NA") & (frame["Code du flux"] == "24")]
    assert row["Libellé du pays"].tolist() == ["NAMIBIE"]
    expected = float(row["Valeur DHS 2018"].iloc[0].replace(",", ".")) / MAD_PER_USD[2018]
    ((value,),) = _query(real["cfg"], "select value_usd from core.trade_flows where "
                         "exporter_iso3 = 'MAR' and importer_iso3 = 'NAM' and year = 2018")
    assert value == pytest.approx(expected, rel=1e-12)


def test_components_and_pseudo_partners_are_counted_and_kept_out(real: dict[str, Any]) -> None:
    outcome, cfg = real["outcome"], real["cfg"]
    frame = _file_frame()
    components = frame["Code du flux"].isin(["141", "142", "241", "242"])
    pseudo = frame["Code du pays"].isin(["", "AP", "AV", "AN", "YU", "MA"]) & ~components
    assert int(components.sum()) == outcome.changes["component_rows"] == 804
    assert int(pseudo.sum()) == outcome.changes["pseudo_partner_rows"] == 11
    assert outcome.changes["pseudo_partner_codes"] == ["blank", "AN", "AP", "AV", "MA", "YU"]
    assert "804 component rows" in outcome.message
    assert "11 pseudo-partner rows of flows 14 and 24 (blank, AN, AP, AV, MA, YU)" \
        in outcome.message
    # The one component sum above its total: partner MA (the home country) in 2010.
    ma = frame[(frame["Code du pays"] == "MA") & frame["Code du flux"].isin(["241", "242"])]
    assert outcome.changes["components_over_total"] == [{
        "partner_code": "MA", "flow_code": "24", "year": 2010, "components": "241+242",
        "components_mad": pytest.approx(_dirhams(ma, 2010).sum()),
        "total_mad": 161208.0}]
    assert "MA 24 2010 (241+242 = 3,181,904 > 161,208 MAD)" in outcome.message
    # No pseudo-partner and no component in the bilateral flows.
    assert _query(cfg, "select count(*) from core.trade_flows where exporter_iso3 = "
                       "importer_iso3 or exporter_iso3 is null or importer_iso3 is null") \
        == [(0,)]


def test_a_partial_last_year_is_suspected_and_said(real: dict[str, Any]) -> None:
    outcome, cfg = real["outcome"], real["cfg"]
    assert outcome.changes["suspected_partial_year"] == 2021
    assert ("suspected partial year 2021: World totals exports 58%, imports 60% of 2020's "
            "(below 60%); loaded") in outcome.message
    assert _query(cfg, "select year_status from core.national_years where year = 2021") \
        == [("suspected_partial",)]
    assert _query(cfg, "select count(*) from mart.national_mirror where year = 2021")[0][0] > 0


def test_configured_partial_year_is_flagged_and_kept_out_of_the_comparison(
        tmp_path: Path) -> None:
    cfg = _workspace(tmp_path, partial_years="[2021]")
    (outcome,), _ = _run(cfg, [real_sample(FOLDER, ANNUAL)])
    assert outcome.status == "loaded" and outcome.changes["partial_years"] == [2021]
    assert "suspected" not in outcome.message
    assert "partial year(s) 2021 (sources.national.partial_years)" in outcome.message
    assert _query(cfg, "select year_status from core.national_years where year = 2021") \
        == [("partial",)]
    # Loaded, but not compared.
    assert _query(cfg, "select count(*) from core.trade_flows where year = 2021")[0][0] == 441
    assert _query(cfg, "select count(*) from mart.national_mirror where year = 2021") \
        == [(0,)]


def test_a_year_without_a_mad_rate_is_quarantined_then_loaded_once_it_has_one(
        tmp_path: Path) -> None:
    cfg = _workspace(tmp_path, years=list(range(2010, 2021)))
    path = real_sample(FOLDER, ANNUAL)
    (outcome,), (verdict,) = _run(cfg, [path])
    assert outcome.status == "rejected" and not verdict.passed
    rows = _query(cfg, "select distinct field, reason from ops.quarantine")
    assert rows == [("Valeur DHS 2021", "no MAD rate for 2021 in ref.exchange_rates (freq A, "
                     "from rates.paths): the value cannot be converted to USD, and no rate "
                     "is guessed")]
    assert _query(cfg, "select count(*) from ops.quarantine")[0][0] == 1256
    assert _query(cfg, "select count(*) from core.trade_flows") == [(0,)]
    # With the year's rate the same file is read again (what it gives has changed).
    _write_rates(tmp_path, list(range(2010, 2022)), {})
    (again,), _ = _run(cfg, [path])
    assert again.status == "loaded" and again.changes["added"] == 5316


def _small_table(rows: list[str]) -> str:
    header = ('"Code du pays";"Libellé du pays";"Code du flux";"Libellé du flux";'
              '"Valeur DHS 2019";"Valeur DHS 2020";')
    return "\ufeff" + "\n".join([header, *rows]) + "\n"


def test_an_unknown_partner_code_is_quarantined_with_its_reason(tmp_path: Path) -> None:
    cfg = _workspace(tmp_path)
    path = tmp_path / "oc.csv"
    path.write_text(_small_table([
        '"FR";"FRANCE";"24";"Exportations FAB";"100,5";"200";',
        '"QQ";"PAYS INCONNU";"24";"Exportations FAB";"10";"20";',
    ]), encoding="utf-8")
    (outcome,), (verdict,) = _run(cfg, [path])
    assert outcome.status == "rejected"
    assert _query(cfg, "select line_number, field, reason, raw_record from ops.quarantine") \
        == [(3, "Code du pays", "partner code 'QQ' (PAYS INCONNU) is neither an ISO 3166-1 "
             "alpha-2 code of ref.countries nor a pseudo-partner of the Office des Changes "
             "(AP, AV, AN, YU, blank)", "QQ;PAYS INCONNU;24;Exportations FAB;10;20;")]


def test_the_mart_takes_one_mirror_figure_per_side_declared_first(tmp_path: Path) -> None:
    cfg = _workspace(tmp_path)
    path = tmp_path / "oc.csv"
    path.write_text(_small_table([
        '"ES";"ESPAGNE";"24";"Exportations FAB";"962";"1000";',
        '"FR";"FRANCE";"14";"Importations CAF";"481";"500";',
        '"FR";"FRANCE";"24";"Exportations FAB";"1924";"2000";',
    ]), encoding="utf-8")
    (outcome,), _ = _run(cfg, [path])
    assert outcome.status == "loaded", outcome
    # Mirror data as other sources leave it in core: France declares its imports from the
    # home country in total (TOTAL) and by chapter (HS2: the same trade again, never added);
    # CEPII BACI reconciles HS6 flows both ways.
    flows = [  # source, reported_by, level, code, exporter, importer, value_usd
        ("comtrade", "importer", 0, "TOTAL", "MAR", "FRA", 220.0),
        ("comtrade", "importer", 2, "87", "MAR", "FRA", 150.0),
        ("comtrade", "importer", 2, "85", "MAR", "FRA", 60.0),
        ("baci", "reconciled", 6, "870323", "MAR", "FRA", 190.0),
        ("baci", "reconciled", 6, "870323", "MAR", "ESP", 80.0),
        ("baci", "reconciled", 6, "854430", "MAR", "ESP", 30.0),
        ("baci", "reconciled", 6, "870323", "FRA", "MAR", 40.0),
    ]
    with duckdb.connect(str(cfg.warehouse.work)) as con:
        con.executemany(
            "insert into core.trade_flows values (?, 'r', 'b', ?, 'HS17', ?, ?, 'A', 2019, "
            "null, ?, ?, ?, null)", [list(f) for f in flows])
        sql_runner.apply_file(con, MART)
    rows = _query(cfg, "select partner_iso3, exports_mirror_usd, exports_mirror_source, "
                       "exports_mirror_dataset, exports_mirror_level, exports_ratio, "
                       "imports_mirror_usd, imports_mirror_source, imports_ratio, "
                       "mirror_source from mart.national_mirror where year = 2019 "
                       "order by partner_iso3")
    rate = MAD_PER_USD[2019]
    assert rows == [
        ("ESP", 110.0, "reconciled", "baci", 6, pytest.approx(962 / rate / 110), None, None,
         None, "reconciled"),
        ("FRA", 220.0, "declared", "comtrade", 0, pytest.approx(1924 / rate / 220), 40.0,
         "reconciled", pytest.approx(481 / rate / 40), "mixed"),
    ]


def _truncated(data: bytes) -> bytes:
    """Cut three bytes into the third year's quoted value of a line past the middle."""
    position = data.index(b"\n", len(data) // 2) + 1
    for _ in range(6):
        position = data.index(b";", position) + 1
    return data[: position + 3]


@pytest.mark.parametrize(("name", "make", "expected"), [
    ("cp1252.csv",
     lambda data: data.decode("utf-8-sig").encode("cp1252"),
     "cp1252.csv: line 1, field 'Libell\ufffd du pays': not valid UTF-8 (byte b'\\xe9'); "
     "Office des Changes files are UTF-8 (with a BOM): save the file as UTF-8"),
    ("page.csv",
     lambda data: b"<!DOCTYPE html>\n<html><body>Office des changes</body></html>\n",
     "page.csv: line 1, field 'Code du pays': an HTML or XML page (a web page saved under "
     "the file's name?) where the Office des Changes table's header should be"),
    ("cut.csv", _truncated, None),
])
def test_unreadable_files_fail_in_one_line_naming_file_line_and_field(
        tmp_path: Path, name: str, make: Any, expected: str | None) -> None:
    cfg = _workspace(tmp_path)
    data = real_sample(FOLDER, ANNUAL).read_bytes()
    path = tmp_path / name
    path.write_bytes(make(data))
    (outcome,), verdicts = _run(cfg, [path])
    assert outcome.status == "failed" and not verdicts
    assert "\n" not in outcome.message
    if expected is None:  # cut inside the quoted value of the year 2012
        line = path.read_bytes().count(b"\n") + 1
        assert outcome.message == (
            f"cut.csv: line {line}, field 'Valeur DHS 2012': the file ends inside a quoted "
            "value (unexpected end of data: a truncated file?)")
    else:
        assert outcome.message == expected
    assert _query(cfg, "select status, message from ops.load_ledger") == [
        ("failed", outcome.message)]


def test_a_line_with_fields_missing_names_the_first_missing_field(tmp_path: Path) -> None:
    cfg = _workspace(tmp_path)
    path = tmp_path / "short.csv"
    path.write_text(_small_table(['"FR";"FRANCE";"24";"Exportations FAB";"100,5"']),
                    encoding="utf-8")
    (outcome,), _ = _run(cfg, [path])
    assert outcome.message == ("short.csv: line 2, field 'Valeur DHS 2020': missing (the line "
                               "has 5 of the header's 7 fields: a truncated file?)")


def test_the_monthly_workbook_is_scaled_to_dirhams_and_kept_apart(tmp_path: Path) -> None:
    cfg = _workspace(tmp_path, monthly={"2024-08": 9.8})
    path = real_sample(FOLDER, WORKBOOK)
    (outcome,), (verdict,) = _run(cfg, [path])
    assert outcome.status == "loaded" and verdict.passed, outcome
    book = openpyxl.load_workbook(path, data_only=True)
    total = book["TOTAL CVS-CJO"]
    assert total["A321"].value.strftime("%Y-%m") == "2024-08"
    assert total["B1"].value == "Total Export CVS-CJO"
    ((exports, adjusted, usd),) = _query(
        cfg, "select value_mad, adjusted, value_usd from staging.stg_national_series_usd "
             "where series = 'total' and flow = 'X' and year = 2024 and month = 8")
    assert exports == pytest.approx(total["B321"].value * 1e9, rel=1e-15)  # billions
    assert adjusted and usd == pytest.approx(exports / 9.8)
    energy = book[" Import GU CVS-CJO"]
    assert energy["C1"].value == "ENERGIE ET LUBRIFIANTS CVS-CJO"
    ((imports,),) = _query(
        cfg, "select value_mad from core.national_series where series = 'imports_gu' and "
             "groupement = 'ENERGIE ET LUBRIFIANTS' and year = 1998 and month = 1")
    assert imports == pytest.approx(energy["C2"].value * 1e6, rel=1e-15)  # millions
    # 320 months: 2 totals and 2 × 7 groupements; none of it among the trade statistics.
    assert _query(cfg, "select count(*), count(distinct groupement), bool_and(adjusted) "
                       "from core.national_series") == [(320 * 16, 7, True)]
    assert _query(cfg, "select count(*) from core.trade_flows") == [(0,)]
    assert _query(cfg, "select count(*) from staging.stg_national_series_usd "
                       "where not has_rate and value_usd is null") == [(320 * 16 - 16,)]
    assert "5,120 monthly values 1998-01 to 2024-08 from 3 sheet(s)" in outcome.message


def test_the_synthetic_demo_table_loads_through_the_configured_paths(tmp_path: Path) -> None:
    from observatory.demo.national import write_national_demo

    written = write_national_demo(tmp_path / "national", "TUN", 2019, 2024, seed=7)
    assert [p.name for p in written] == [
        "oc_annual_by_country_flow_2019_2024_synthetic_demo.csv", "README.txt"]
    data = written[0].read_bytes()
    assert data.startswith(b"\xef\xbb\xbf\"Code du pays\";") and b";\n" in data
    cfg = _workspace(tmp_path, paths='["national/*.csv"]', home="TUN")
    (outcome,), (verdict,) = _run(cfg)
    assert outcome.status == "loaded" and verdict.passed, outcome
    assert outcome.is_synthetic
    # The home country (TN) is a pseudo-partner; Morocco (MA) is a partner like any other.
    assert "TN" in outcome.changes["pseudo_partner_codes"]
    assert outcome.changes["component_rows"] > 0
    assert [(c["partner_code"], c["year"]) for c in outcome.changes["components_over_total"]] \
        == [("TN", 2019)]
    frame = pd.read_csv(written[0], sep=";", dtype=str, keep_default_na=False,
                        encoding="utf-8-sig")
    exports = frame[frame["Code du flux"] == "24"]
    values = _dirhams(exports, 2022)
    expected = values[exports["Code du pays"] == "MA"].sum() / values.sum()
    ((share,),) = _query(cfg, "select exports_share from mart.national_mirror where "
                              "partner_iso3 = 'MAR' and year = 2022")
    assert share == pytest.approx(expected, rel=1e-12)
    assert _query(cfg, "select distinct reporter_iso3 from core.trade_totals") == [("TUN",)]
    assert _query(cfg, "select is_synthetic from ops.load_ledger") == [(True,)]


def test_a_file_unchanged_is_not_read_again(real: dict[str, Any], tmp_path: Path) -> None:
    (outcome,), _ = _run(real["cfg"], [real_sample(FOLDER, ANNUAL)])
    assert outcome.status == "unchanged"


@pytest.mark.parametrize(("value", "message"), [
    ("[1987]", "sources.national.partial_years[0]: expected a year in 1988..2100, got 1987"),
    ('["2021"]', "sources.national.partial_years[0]: expected a year in 1988..2100, got "
                 "'2021'"),
    ("[2021, 2021]", "sources.national.partial_years: a year is listed twice"),
])
def test_partial_years_are_checked(tmp_path: Path, value: str, message: str) -> None:
    with pytest.raises(ConfigError) as caught:
        _workspace(tmp_path, partial_years=value)
    assert str(caught.value) == message
