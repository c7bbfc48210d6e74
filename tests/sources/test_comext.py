"""Eurostat Comext: the real API answers (vendored under `tests/fixtures/real/`) through the gate
into core, the API replayed by a local server (an HTML page, a 429 with Retry-After), bulk
files built here in the documented `full_v2` layout, missing rates, unknown codes, damaged
archives, the demo writers. Rates come from files written by the tests; no test sleeps (the
waits are recorded)."""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import date, datetime
from pathlib import Path

import duckdb
import pandas as pd
import py7zr
import pytest
from pytest_httpserver import HTTPServer
from werkzeug import Response

from observatory.config import load_config
from observatory.errors import ConfigError, SourceError
from observatory.nightly import run_file_ingest, run_nightly
from observatory.reference.countries import build_countries
from observatory.sources.comext import settings
from observatory.sources.comext import source as comext_source
from observatory.sources.comext.client import ComextClient, ComextQuery
from tests.conftest import real_sample, write_config

SAMPLE = "comext-ds045409-sdmx-csv"
FILES = ("CN_32121000.csv", "CN_39201081.csv", "CN_48064010.csv")
ISO3 = dict(zip(build_countries()["iso2"], build_countries()["iso3"], strict=True))
DAT_HEADER = ",".join(settings.BULK_COLUMNS)


class Sleeps(list[float]):
    """An injected `sleep` that records the waits instead of waiting."""

    def __call__(self, seconds: float) -> None:
        self.append(seconds)


def eur_usd(year: int, month: int) -> float:
    """The test's rate: dollars for one euro, a different one every month."""
    return round(1.05 + month / 100 + (year - 2023) / 50, 4)


def write_rates(folder: Path, months: list[tuple[int, int]]) -> Path:
    """A long rate file (`date,base,quote,rate`) where the configuration looks for rates."""
    path = folder / "data" / "demo" / "rates" / "eur_usd.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    lines = ["date,base,quote,rate"] + [f"{y}-{m:02d},EUR,USD,{eur_usd(y, m)}"
                                         for y, m in months]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def months(first: tuple[int, int], last: tuple[int, int]) -> list[tuple[int, int]]:
    out, (y, m) = [], first
    while (y, m) <= last:
        out.append((y, m))
        y, m = (y + 1, 1) if m == 12 else (y, m + 1)
    return out


def config(folder: Path, **comext: str) -> Path:
    """The committed configuration in `folder`, BACI off, `[sources.comext]` keys replaced
    (values as TOML text)."""
    path = write_config(folder)
    text = path.read_text(encoding="utf-8")
    text = text.replace("[sources.baci]\n# CEPII BACI bulk archives (zip holding "
                        "BACI_<rev>_Y<year>_V<release>.csv files).\nenabled = true",
                        "[sources.baci]\nenabled = false")
    start = text.index("[sources.comext]")
    end = text.index("\n[", start + 1)
    section = text[start:end]
    for key, value in comext.items():
        lines = section.splitlines()
        index = next(i for i, line in enumerate(lines) if line.startswith(f"{key} = "))
        lines[index] = f"{key} = {value}"
        section = "\n".join(lines)
    path.write_text(text[:start] + section + text[end:], encoding="utf-8")
    return path


def sample(name: str) -> pd.DataFrame:
    return pd.read_csv(real_sample(SAMPLE, name), dtype=str, keep_default_na=False)


def published(cfg_path: Path) -> duckdb.DuckDBPyConnection:
    return duckdb.connect(str(load_config(cfg_path).warehouse.published), read_only=True)


# ---- the real answers through the gate ------------------------------------------------------


@pytest.fixture(scope="module")
def real_workspace(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    """The three real answers ingested one after the other (`--profile comext`)."""
    folder = tmp_path_factory.mktemp("comext_real")
    write_rates(folder, months((2023, 1), (2025, 12)))
    # China at home, France and Spain watched: the watch tests below read the same run.
    path = config(folder)
    text = path.read_text(encoding="utf-8").replace('home = "MAR"', 'home = "CHN"', 1)
    start = text.index("priority_markets = [")
    end = text.index("]", start) + 1
    path.write_text(text[:start] + 'priority_markets = ["FRA", "ESP"]' + text[end:],
                    encoding="utf-8")
    cfg = load_config(path)
    summaries = [run_file_ingest(cfg, real_sample(SAMPLE, name), "comext") for name in FILES]
    return {"cfg": cfg, "summaries": summaries}


def test_each_real_answer_passes_the_gate_and_fills_core(real_workspace: dict) -> None:
    cfg = real_workspace["cfg"]
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        for name, summary in zip(FILES, real_workspace["summaries"], strict=True):
            assert summary["status"] == "published", summary
            ((verdict,),) = [summary["validation"]]
            assert verdict["passed"] and verdict["rows_rejected"] == 0
            (outcome,) = summary["inputs"]
            assert outcome["status"] == "loaded" and outcome["release"] == "2026-02-13T11:00:00"
            frame = sample(name)
            assert outcome["rows_read"] == len(frame)
            # One figure per series and month: its value and quantity lines side by side.
            figures = frame.groupby(["reporter", "partner", "flow", "TIME_PERIOD"]).size()
            world = figures.xs("WORLD", level="partner")
            product = name[3:11]
            flows, totals = con.execute(
                "select (select count(*) from core.trade_flows where product_code = ?), "
                "(select count(*) from core.trade_totals where product_code = ?)",
                [product, product]).fetchone()
            assert (flows, totals) == (len(figures) - len(world), len(world))
            # A later answer for another product left the earlier ones alone (partitions by
            # product), so every product is still whole.
            assert outcome["changes"]["deleted"] == 0
        rows = con.execute(
            "select distinct source, reported_by, classification, hs_level, freq "
            "from core.trade_flows order by all").fetchall()
    assert rows == [("comext", "exporter", "HS22", 8, "M"), ("comext", "importer", "HS22", 8, "M")]


def test_values_are_converted_at_their_months_rate_and_codes_mapped(real_workspace) -> None:
    frame = sample("CN_32121000.csv")
    row = frame[(frame.reporter == "GR") & (frame.flow == "1") & (frame.partner == "DE")
                & (frame.TIME_PERIOD == "2024-05")]
    value = float(row[row.indicators == "VALUE_IN_EUROS"].OBS_VALUE.iloc[0])
    quantity = float(row[row.indicators == "QUANTITY_IN_100KG"].OBS_VALUE.iloc[0])
    with duckdb.connect(str(real_workspace["cfg"].warehouse.published), read_only=True) as con:
        got = con.execute(
            "select value_usd, quantity_t, reported_by from core.trade_flows "
            "where importer_iso3 = 'GRC' and exporter_iso3 = 'DEU' and year = 2024 "
            "and month = 5 and product_code = '32121000' and reported_by = 'importer'"
        ).fetchall()
        zeros = con.execute("select count(*) from core.trade_flows where value_usd = 0"
                            ).fetchone()[0]
    assert got == [(pytest.approx(value * eur_usd(2024, 5), rel=1e-12),
                    pytest.approx(quantity / 10, rel=1e-12), "importer")]
    kept = sum(int((f.OBS_VALUE.astype(float) == 0)[(f.indicators == "VALUE_IN_EUROS")
                                                    & (f.partner != "WORLD")].sum())
               for f in map(sample, FILES))
    assert zeros == kept > 0  # a zero value is a figure, kept as such


def test_a_partners_share_of_a_members_imports_equals_the_file(real_workspace) -> None:
    """Partner value / WORLD value, from core (USD), against pandas on the file (euros): the
    share of China in France's imports of stamping foils in June 2025, and every other."""
    frame = sample("CN_32121000.csv")
    values = frame[(frame.indicators == "VALUE_IN_EUROS") & (frame.flow == "1")].assign(
        value=lambda f: f.OBS_VALUE.astype(float))
    world = values[values.partner == "WORLD"].set_index(["reporter", "TIME_PERIOD"])["value"]
    partners = values[values.partner != "WORLD"].join(world.rename("world"),
                                                      on=["reporter", "TIME_PERIOD"])
    partners = partners[partners.world > 0]
    expected = {(ISO3[r.reporter], ISO3[r.partner], r.TIME_PERIOD): r.value / r.world
                for r in partners.itertuples()}
    with duckdb.connect(str(real_workspace["cfg"].warehouse.published), read_only=True) as con:
        rows = con.execute(
            """
            select f.importer_iso3, f.exporter_iso3,
                   f.year || '-' || lpad(f.month::varchar, 2, '0'), f.value_usd / t.value_usd
            from core.trade_flows as f
            join core.trade_totals as t
              on t.reporter_iso3 = f.importer_iso3 and t.flow = 'M' and t.year = f.year
             and t.month = f.month and t.product_code = f.product_code
            where f.reported_by = 'importer' and f.product_code = '32121000'
              and t.value_usd > 0
            """).fetchall()
    shares = {(a, b, c): d for a, b, c, d in rows}
    assert shares[("FRA", "CHN", "2025-06")] == pytest.approx(
        expected[("FRA", "CHN", "2025-06")], rel=1e-12)
    assert 0 < expected[("FRA", "CHN", "2025-06")] < 1
    assert shares.keys() == expected.keys()
    for key, share in expected.items():
        assert shares[key] == pytest.approx(share, rel=1e-12), key


def test_the_same_answer_again_is_unchanged(real_workspace: dict) -> None:
    cfg = real_workspace["cfg"]
    again = run_file_ingest(cfg, real_sample(SAMPLE, FILES[0]), "comext")
    assert [i["status"] for i in again["inputs"]] == ["unchanged"]


# ---- missing rates, unknown codes -----------------------------------------------------------


def _answer(tmp_path: Path, name: str, keep: Callable[[list[str]], bool],
            edit: Callable[[list[str]], list[str]] | None = None) -> Path:
    """Lines of the real answer CN_32121000 (header kept), some of them edited."""
    lines = real_sample(SAMPLE, "CN_32121000.csv").read_text(encoding="utf-8").splitlines()
    out = [lines[0]]
    for line in lines[1:]:
        cells = line.split(",")
        if keep(cells):
            out.append(",".join(edit(cells) if edit else cells))
    path = tmp_path / name
    path.write_text("\n".join(out) + "\n", encoding="utf-8")
    return path


def test_a_period_without_a_rate_is_quarantined_naming_it(tmp_path: Path) -> None:
    write_rates(tmp_path, months((2023, 1), (2025, 11)))  # no rate for December 2025
    cfg_path = config(tmp_path)
    cfg = load_config(cfg_path)
    answer = _answer(tmp_path, "fr_2025.csv",
                     lambda c: c[3] == "FR" and c[8].startswith("2025"))
    summary = run_file_ingest(cfg, answer, "comext")
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "rejected" and summary["status"] == "completed_with_rejections"
    frame = pd.read_csv(answer, dtype=str, keep_default_na=False)
    december = frame[(frame.TIME_PERIOD == "2025-12") & (frame.indicators == "VALUE_IN_EUROS")]
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        rows = con.execute("select line_number, field, reason from ops.quarantine "
                           "where source = 'comext' order by line_number").fetchall()
        merged = con.execute("select count(*) from core.trade_flows").fetchone()[0]
    assert merged == 0  # a rejected batch changes nothing
    assert [r[0] for r in rows] == [i + 2 for i in december.index]  # file lines
    assert {r[1] for r in rows} == {"value_usd"}
    assert rows[0][2].startswith("no EUR rate for 2025-12 in ref.exchange_rates")
    # The rate comes: the same answer is read again (its rates changed) and merged.
    write_rates(tmp_path, months((2023, 1), (2025, 12)))
    again = run_file_ingest(cfg, answer, "comext")
    assert [i["status"] for i in again["inputs"]] == ["loaded"], again["inputs"]
    assert again["status"] == "published"


def test_unknown_codes_are_quarantined_and_aggregates_kept_out(tmp_path: Path) -> None:
    write_rates(tmp_path, months((2023, 1), (2025, 12)))
    cfg = load_config(config(tmp_path))

    def edit(cells: list[str]) -> list[str]:
        if cells[4] == "BE":  # a partner code no table knows
            cells[4] = "ZZ"
        elif cells[4] == "BG":  # the EU as a partner: an aggregate
            cells[4] = "EU27_2020"
        return cells

    answer = _answer(tmp_path, "es_2024.csv",
                     lambda c: c[3] == "ES" and c[8].startswith("2024"), edit)
    summary = run_file_ingest(cfg, answer, "comext")
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "loaded" and summary["status"] == "published", outcome
    frame = pd.read_csv(answer, dtype=str, keep_default_na=False)
    unknown = frame[frame.partner == "ZZ"]
    aggregate = frame[frame.partner == "EU27_2020"]
    assert len(unknown) and len(aggregate)
    assert f"{len(aggregate):,} rows to aggregates and areas (EU27_2020): not merged" \
        in outcome["message"]
    values = unknown[unknown.indicators == "VALUE_IN_EUROS"]
    assert (f"{len(unknown):,} rows with unknown country codes (ZZ): {len(values):,} "
            "figure(s) quarantined") in outcome["message"]
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        quarantined = con.execute("select line_number, field, reason from ops.quarantine "
                                  "order by line_number").fetchall()
        partners = {r[0] for r in con.execute(
            "select distinct exporter_iso3 from core.trade_flows").fetchall()}
        raw_left = con.execute("select count(*) from raw.comext_records").fetchone()[0]
    # One row per figure, at its value's line (its quantity is on another one).
    assert [r[0] for r in quarantined] == [i + 2 for i in values.index]
    assert quarantined[0][1:] == ("partner", "partner ZZ is neither a country code of "
                                  "ref.countries nor a known Comext aggregate or area; the "
                                  "row is not merged")
    assert "BEL" not in partners and "BGR" not in partners and "DEU" in partners
    assert raw_left == 0  # raw is cleared once the batch is merged


# ---- the API, replayed by a local server ----------------------------------------------------


def _fr_answer() -> bytes:
    """The real answer's lines of one reporter (France), as the API answers one request."""
    lines = real_sample(SAMPLE, "CN_32121000.csv").read_bytes().splitlines(keepends=True)
    return b"".join([lines[0], *[ln for ln in lines[1:] if ln.split(b",")[3] == b"FR"]])


KEY = "M.FR.MA+ES+CN+WORLD.32121000.1.VALUE_IN_EUROS+QUANTITY_IN_100KG"
HTML = ("<html><head><title>503 Service Temporarily Unavailable</title></head>"
        "<body>Eurostat is under maintenance</body></html>")


def _api_config(tmp_path: Path, httpserver: HTTPServer) -> Path:
    write_rates(tmp_path, months((2023, 1), (2025, 12)))
    return config(tmp_path, enabled="true", reporters='["FRA"]',
                  partners='["MAR", "ESP", "CHN", "WORLD"]', products='["32121000"]',
                  start_period='"2023-01"', files="[]",
                  base_url=f'"{httpserver.url_for("/comext/DS-045409")}"')


def test_nightly_fetches_the_api_through_an_html_page_and_a_429(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    answers = iter([Response(HTML, status=200, content_type="text/html"),
                    Response("Too many requests", status=429, headers={"Retry-After": "7"}),
                    Response(_fr_answer(), status=200, content_type="text/csv")])
    httpserver.expect_request(f"/comext/DS-045409/{KEY}").respond_with_handler(
        lambda _request: next(answers))
    waits = Sleeps()
    monkeypatch.setattr(comext_source, "ComextClient", functools.partial(ComextClient,
                                                                         sleep=waits))
    cfg = load_config(_api_config(tmp_path, httpserver))
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary["inputs"]
    requests = [r for r, _ in httpserver.log]
    assert len(requests) == 3
    assert dict(requests[-1].args) == {"format": "SDMX-CSV", "startPeriod": "2023-01"}
    # The HTML page is asked again after a backoff; the 429 after the wait it asked for.
    assert waits == [1.0, 7.0]
    (outcome,) = summary["inputs"]
    assert outcome["file_name"] == "comext_FR_M_from_2023-01.csv"
    frame = pd.read_csv(real_sample(SAMPLE, "CN_32121000.csv"), dtype=str,
                        keep_default_na=False)
    figures = frame[(frame.reporter == "FR") & (frame.indicators == "VALUE_IN_EUROS")]
    with published(cfg.path) as con:
        flows, totals = con.execute("select (select count(*) from core.trade_flows), "
                                    "(select count(*) from core.trade_totals)").fetchone()
    assert flows + totals == len(figures)
    # The next night the same answer is unchanged: nothing merged again.
    httpserver.clear()
    httpserver.expect_request(f"/comext/DS-045409/{KEY}").respond_with_data(
        _fr_answer(), content_type="text/csv")
    assert [i["status"] for i in run_nightly(cfg)["inputs"]] == ["unchanged"]


def test_an_html_page_every_time_is_a_failed_input_in_one_line(
        tmp_path: Path, httpserver: HTTPServer, monkeypatch: pytest.MonkeyPatch) -> None:
    httpserver.expect_request(f"/comext/DS-045409/{KEY}").respond_with_data(
        HTML, content_type="text/html")
    monkeypatch.setattr(comext_source, "ComextClient", functools.partial(ComextClient,
                                                                         sleep=Sleeps()))
    cfg = load_config(_api_config(tmp_path, httpserver))
    summary = run_nightly(cfg)
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "failed" and "\n" not in outcome["message"]
    assert outcome["message"] == (
        f"comext DS-045409/{KEY}: HTTP 200 with an HTML page instead of SDMX-CSV "
        "(503 Service Temporarily Unavailable)")
    assert summary["status"] == "completed_with_rejections"


def test_client_builds_the_documented_url_and_reads_errors(httpserver: HTTPServer) -> None:
    query = ComextQuery("GR", ("MA", "WORLD"), ("07020000",), ("1", "2"), "M", "2024-01")
    client = ComextClient(httpserver.url_for("/data/DS-045409"), sleep=Sleeps())
    assert client.url(query) == httpserver.url_for(
        "/data/DS-045409/M.GR.MA+WORLD.07020000.1+2.VALUE_IN_EUROS+QUANTITY_IN_100KG"
        "?format=SDMX-CSV&startPeriod=2024-01")
    httpserver.expect_request(f"/data/DS-045409/{query.key}").respond_with_data(
        "No Results Found", status=404)
    with pytest.raises(SourceError, match=r"HTTP 404: no data for this query"):
        client.get_answer(query)
    httpserver.clear()
    httpserver.expect_request(f"/data/DS-045409/{query.key}").respond_with_data(
        "<?xml version='1.0'?><S:Error>too big</S:Error>", content_type="application/xml")
    with pytest.raises(SourceError, match=r"HTTP 200 with an XML message instead of SDMX-CSV"):
        client.get_answer(query)


# ---- bulk files -----------------------------------------------------------------------------


def _dat_line(reporter: str, partner: str, product: str, flow: str, procedure: str,
              period: str, value: int, kg: int) -> str:
    """A line of the documented .dat layout (classification columns filled as Eurostat
    does: SITC, CPA, BEC, section; supplementary unit none)."""
    trade_type = "I" if partner in ("DE", "ES", "IT") else "E"
    return ",".join([reporter, partner, trade_type, product, "05459", "0113", "0113", "112",
                     "111110", "02", flow, procedure, "NO_SU", period, str(value), str(value),
                     str(kg), "0"])


def write_bulk(folder: Path, period: str, lines: list[str], *, name: str | None = None
               ) -> Path:
    """A bulk file as Eurostat publishes it: full_v2_<period>.7z holding full_<period>.dat."""
    folder.mkdir(parents=True, exist_ok=True)
    dat = folder / f"full_{period}.dat"
    dat.write_text("\n".join([DAT_HEADER, *lines]) + "\n", encoding="utf-8")
    archive = folder / (name or f"full_v2_{period}.7z")
    with py7zr.SevenZipFile(archive, "w") as zf:
        zf.write(dat, dat.name)
    dat.unlink()
    return archive


BULK_202402 = [
    # France's imports of tomatoes (two CN8 codes of one HS6) from Morocco, by procedure.
    _dat_line("FR", "MA", "07020010", "1", "1", "202402", 1_000_000, 800_000),
    _dat_line("FR", "MA", "07020010", "1", "2", "202402", 200_000, 150_000),
    _dat_line("FR", "MA", "07020090", "1", "1", "202402", 300_000, 250_000),
    _dat_line("FR", "ES", "07020010", "1", "1", "202402", 2_500_000, 2_000_000),
    # The United Kingdom's two parts since 2021 add up to GBR.
    _dat_line("FR", "XI", "07020010", "2", "1", "202402", 40_000, 30_000),
    _dat_line("FR", "XU", "07020010", "2", "1", "202402", 60_000, 45_000),
    # Greece (GR), an area (stores and provisions), a confidential product.
    _dat_line("GR", "MA", "03075200", "1", "1", "202402", 500_000, 100_000),
    _dat_line("GR", "QS", "03075200", "2", "1", "202402", 7_000, 1_000),
    _dat_line("GR", "TR", "39XXXXXX", "1", "1", "202402", 9_000, 2_000),
]


def test_a_bulk_file_loads_cn8_and_its_hs6_sums(tmp_path: Path) -> None:
    write_rates(tmp_path, months((2024, 1), (2024, 3)))
    archive = write_bulk(tmp_path / "bulk", "202402", BULK_202402)
    cfg = load_config(config(tmp_path, bulk_paths='["bulk/full_v2_*.7z"]'))
    summary = run_nightly(cfg)
    (outcome,) = summary["inputs"]
    assert summary["status"] == "published", outcome
    assert outcome["rows_read"] == len(BULK_202402)
    assert outcome["release"].startswith("202402@")
    assert "1 rows to aggregates and areas (QS): not merged" in outcome["message"]
    assert "1 rows of product codes that core does not take (39XXXXXX" in outcome["message"]
    rate = eur_usd(2024, 2)
    with published(cfg.path) as con:
        rows = con.execute(
            "select reported_by, exporter_iso3, importer_iso3, hs_level, product_code, "
            "classification, freq, year, month, value_usd, quantity_t "
            "from core.trade_flows order by all").fetchall()
    expected = [
        ("exporter", "FRA", "GBR", 6, "070200", "HS22", "M", 2024, 2, 100_000 * rate, 75.0),
        ("exporter", "FRA", "GBR", 8, "07020010", "HS22", "M", 2024, 2, 100_000 * rate, 75.0),
        ("importer", "ESP", "FRA", 6, "070200", "HS22", "M", 2024, 2, 2_500_000 * rate, 2000.0),
        ("importer", "ESP", "FRA", 8, "07020010", "HS22", "M", 2024, 2, 2_500_000 * rate,
         2000.0),
        ("importer", "MAR", "FRA", 6, "070200", "HS22", "M", 2024, 2, 1_500_000 * rate, 1200.0),
        ("importer", "MAR", "FRA", 8, "07020010", "HS22", "M", 2024, 2, 1_200_000 * rate, 950.0),
        ("importer", "MAR", "FRA", 8, "07020090", "HS22", "M", 2024, 2, 300_000 * rate, 250.0),
        ("importer", "MAR", "GRC", 6, "030752", "HS22", "M", 2024, 2, 500_000 * rate, 100.0),
        ("importer", "MAR", "GRC", 8, "03075200", "HS22", "M", 2024, 2, 500_000 * rate, 100.0),
    ]
    assert len(rows) == len(expected)
    for got, want in zip(rows, expected, strict=True):
        assert got[:9] == want[:9]
        assert got[9:] == (pytest.approx(want[9], rel=1e-12), pytest.approx(want[10]))
    # The next month's file adds its month and leaves February alone (partitions by month).
    write_bulk(tmp_path / "bulk", "202403", [line.replace("202402", "202403")
                                             for line in BULK_202402])
    march = run_nightly(cfg)
    assert [i["status"] for i in march["inputs"]] == ["unchanged", "loaded"]
    assert march["inputs"][1]["changes"]["deleted"] == 0
    with published(cfg.path) as con:
        assert con.execute("select month, count(*) from core.trade_flows group by 1 "
                           "order by 1").fetchall() == [(2, 9), (3, 9)]
    assert archive.is_file()


def test_a_rejected_bulk_file_cites_its_lines(tmp_path: Path) -> None:
    """Bulk rows are loaded without line numbers (the parallel scan stays fast); a rejected
    file is read again with them, so quarantine cites real lines."""
    write_rates(tmp_path, months((2024, 1), (2024, 3)))
    lines = [*BULK_202402, BULK_202402[0]]  # the first line again: a duplicate figure
    archive = write_bulk(tmp_path / "bulk", "202402", lines)
    cfg = load_config(config(tmp_path))
    summary = run_file_ingest(cfg, archive, "comext")
    assert [i["status"] for i in summary["inputs"]] == ["rejected"]
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        rows = con.execute("select line_number, reason from ops.quarantine order by 1"
                           ).fetchall()
    assert [r[0] for r in rows] == [2, len(lines) + 1]
    assert rows[0][1] == (f"duplicate figure (FR, MA, 07020010, 1, 202402, 1) on lines 2, "
                          f"{len(lines) + 1}")


@pytest.mark.parametrize("damage", ["truncated", "corrupt", "not_7z"])
def test_a_damaged_archive_is_one_line_naming_the_file(tmp_path: Path, damage: str) -> None:
    write_rates(tmp_path, months((2024, 1), (2024, 3)))
    rows = [_dat_line("FR", "MA", f"0702{n:04d}", "1", "1", "202402", 1000 + n, n)
            for n in range(3000)]
    archive = write_bulk(tmp_path / "bulk", "202402", rows)
    data = bytearray(archive.read_bytes())
    if damage == "truncated":
        data = data[: len(data) // 2]
    elif damage == "corrupt":
        for i in range(64, 2048, 7):
            data[i] ^= 0xFF
    else:
        data = bytearray(b"<html><title>Not found</title></html>")
    archive.write_bytes(bytes(data))
    cfg = load_config(config(tmp_path, bulk_paths='["bulk/*.7z"]'))
    summary = run_nightly(cfg)
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "failed" and "\n" not in outcome["message"]
    assert outcome["message"].startswith("full_v2_202402.7z: "), outcome["message"]
    if damage == "not_7z":
        assert "not a 7z archive" in outcome["message"]
    else:
        assert "truncated or damaged" in outcome["message"]
    assert summary["status"] == "completed_with_rejections"


def test_a_bulk_file_with_another_header_is_refused_naming_line_1(tmp_path: Path) -> None:
    write_rates(tmp_path, months((2024, 1), (2024, 3)))
    archive = write_bulk(tmp_path, "202402", BULK_202402)
    with py7zr.SevenZipFile(archive, "r") as zf:
        zf.extractall(tmp_path / "x")
    dat = tmp_path / "x" / "full_202402.dat"
    dat.write_text(dat.read_text().replace("QUANTITY_KG", "QTY_KG"), encoding="utf-8")
    other = tmp_path / "other" / "full_v2_202402.7z"
    other.parent.mkdir()
    with py7zr.SevenZipFile(other, "w") as zf:
        zf.write(dat, dat.name)
    summary = run_file_ingest(load_config(config(tmp_path)), other, "comext")
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "failed"
    assert outcome["message"].startswith("full_v2_202402.7z: line 1: expected columns "
                                         "REPORTER,PARTNER,TRADE_TYPE,")


# ---- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(("key", "value", "message"), [
    ("freq", '"Q"', "sources.comext.freq: 'Q' is not one of M, A"),
    ("reporters", '["USA"]', "sources.comext.reporters[0]: USA is not an EU member"),
    ("products", '["0702"]', None),
    ("products", "[\"7020000\"]", "sources.comext.products[0]: '7020000' is not a CN8 code"),
    ("start_period", '"2024-13"', "sources.comext.start_period: '2024-13' is not YYYY-MM"),
    ("flows", '["I"]', "sources.comext.flows[0]: 'I' is not one of M, X"),
    ("base_url", '"ftp://x"', "sources.comext.base_url: must start with http:// or https://"),
])
def test_configuration_errors_are_one_line(tmp_path: Path, key: str, value: str,
                                           message: str | None) -> None:
    path = config(tmp_path, **{key: value})
    if message is None:
        assert load_config(path).comext.products == ("0702",)
        return
    with pytest.raises(ConfigError) as info:
        load_config(path)
    assert str(info.value).startswith(message) and "\n" not in str(info.value)


def test_default_query_is_the_eu_priority_markets_home_competitors_and_world(
        tmp_path: Path) -> None:
    cfg = load_config(config(tmp_path, enabled="true"))
    queries = comext_source.queries(cfg, today=datetime(2026, 3, 5))
    assert [q.reporter for q in queries] == ["ES", "FR", "IT", "DE", "NL"]
    first = queries[0]
    assert first.partners == ("MA", "ES", "TR", "EG", "TN", "IT", "PT", "CN", "WORLD")
    assert (first.flows, first.freq, first.start_period, first.products) == (
        ("1",), "M", "2024-01", ())


# ---- demo writers ---------------------------------------------------------------------------


def test_demo_writers_produce_files_the_source_loads(tmp_path: Path) -> None:
    from observatory.demo.comext import write_comext_demo
    from observatory.demo.rates import write_demo_rates

    today = date(2026, 3, 5)
    demo = tmp_path / "data" / "demo"
    rates = write_demo_rates(demo / "rates", 2019, today)
    (answer,) = write_comext_demo(demo / "comext", today, ["ESP", "FRA", "IND", "USA"], 7)
    assert "synthetic" in rates.name and "synthetic" in answer.name
    assert write_comext_demo(demo / "none", today, ["USA", "IND"], 7) == []
    cfg = load_config(config(tmp_path))  # the default globs read data/demo/comext, rates
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary["inputs"]
    (outcome,) = [i for i in summary["inputs"] if i["source"] == "comext"]
    assert outcome["status"] == "loaded" and outcome["is_synthetic"] is True
    with published(cfg.path) as con:
        markets = con.execute("select distinct importer_iso3 from core.trade_flows "
                              "order by 1").fetchall()
        partners = {r[0] for r in con.execute(
            "select distinct exporter_iso3 from core.trade_flows").fetchall()}
        span = con.execute("select min(year * 100 + month), max(year * 100 + month), "
                           "count(distinct year * 100 + month) from core.trade_totals"
                           ).fetchone()
        rates_rows = con.execute(
            "select currency, min(usd_per_unit), max(usd_per_unit), count(*) "
            "from ref.exchange_rates where freq = 'M' group by 1 order by 1").fetchall()
        shares = con.execute(
            "select max(f.value_usd / t.value_usd) from core.trade_flows as f "
            "join core.trade_totals as t on t.reporter_iso3 = f.importer_iso3 "
            "and t.year = f.year and t.month = f.month and t.product_code = f.product_code"
            ).fetchone()[0]
    assert markets == [("ESP",), ("FRA",)]
    assert {"MAR", "TUR", "CHN"} <= partners
    assert span == (202401, 202602, 26)  # through last month
    assert [r[0] for r in rates_rows] == ["EUR", "MAD"]
    eur, mad = rates_rows
    assert 1.0 < eur[1] < eur[2] < 1.25 and 0.09 < mad[1] < mad[2] < 0.11
    assert eur[3] == mad[3] == (2026 - 2019) * 12 + 2
    assert 0 < shares < 1  # WORLD is every partner, above the listed ones


def test_a_saved_answer_that_is_not_sdmx_csv_is_a_failed_input(tmp_path: Path) -> None:
    """A saved answer that is not SDMX-CSV is a failed input naming its first line."""
    write_rates(tmp_path, months((2023, 1), (2025, 12)))
    bad = tmp_path / "answer.csv"
    bad.write_text("reporter;partner\nFR;MA\n", encoding="utf-8")
    summary = run_file_ingest(load_config(config(tmp_path)), bad, "comext")
    (outcome,) = summary["inputs"]
    assert outcome["status"] == "failed"
    assert outcome["message"].startswith("answer.csv: line 1: expected the SDMX-CSV columns")


# ---- the watch on the latest months, from the markets' own declarations ----------------------


@pytest.fixture(scope="module")
def watch_workspace(real_workspace: dict[str, object]) -> dict[str, object]:
    """The real answers as `real_workspace` published them: China is the home country there
    and France and Spain the priority markets, so the watch reads the markets' monthly CN8
    declarations (nothing hard-codes the home country)."""
    return real_workspace


def _usd_sums(product: str, reporter: str, partner: str, periods: list[str]) -> float:
    """The file's euros of those months, each converted at its month's test rate."""
    frame = sample(f"CN_{product}.csv")
    rows = frame[(frame.indicators == "VALUE_IN_EUROS") & (frame.flow == "1")
                 & (frame.reporter == reporter) & (frame.partner == partner)
                 & frame.TIME_PERIOD.isin(periods)]
    return sum(float(r.OBS_VALUE) * eur_usd(int(r.TIME_PERIOD[:4]), int(r.TIME_PERIOD[5:]))
               for r in rows.itertuples())


@pytest.mark.parametrize(("kind", "current", "previous"), [
    ("rolling12", [f"2025-{m:02d}" for m in range(1, 13)],
     [f"2024-{m:02d}" for m in range(1, 13)]),
    ("ytd", [f"2025-{m:02d}" for m in range(1, 13)], [f"2024-{m:02d}" for m in range(1, 13)]),
    ("month", ["2025-12"], ["2024-12"]),
])
def test_the_home_share_of_a_markets_monthly_cn8_imports_equals_the_file(
    watch_workspace: dict, kind: str, current: list[str], previous: list[str]
) -> None:
    """China's share of Spain's imports of stamping foils (CN 3212 10 00) in the latest
    window of each kind: partner rows over the market's WORLD row, in USD at each month's
    rate, computed on the file with pandas."""
    with duckdb.connect(str(watch_workspace["cfg"].warehouse.published), read_only=True) as con:
        row = con.execute(
            "select period, market_imports_usd, home_exports_usd, home_share, "
            "market_imports_prev_usd, home_exports_prev_usd, source, data_through "
            "from mart.watch_market_shares where market_iso3 = 'ESP' and level = 'cn8' "
            "and code = '32121000' and period_kind = ?", [kind]).fetchone()
    assert row is not None, kind
    period, imports, home, share, imports_prev, home_prev, source, through = row
    world = _usd_sums("32121000", "ES", "WORLD", current)
    china = _usd_sums("32121000", "ES", "CN", current)
    assert imports == pytest.approx(world, rel=1e-9)
    assert home == pytest.approx(china, rel=1e-9)
    assert share == pytest.approx(china / world, rel=1e-9)
    assert 0 < share < 1
    assert imports_prev == pytest.approx(_usd_sums("32121000", "ES", "WORLD", previous), rel=1e-9)
    assert home_prev == pytest.approx(_usd_sums("32121000", "ES", "CN", previous), rel=1e-9)
    assert source == "comext"
    assert str(through).startswith("2025-12")


def test_a_window_whose_world_rows_miss_a_month_has_no_share(watch_workspace: dict) -> None:
    """France declared no WORLD row for December 2025 in the file (its partner rows are
    there): the latest month has no total, so no share and no rank, rather than a share of
    the few partners the extract holds."""
    frame = sample("CN_32121000.csv")
    december = frame[(frame.reporter == "FR") & (frame.flow == "1")
                     & (frame.TIME_PERIOD == "2025-12")]
    assert "WORLD" not in set(december.partner) and "CN" in set(december.partner)
    with duckdb.connect(str(watch_workspace["cfg"].warehouse.published), read_only=True) as con:
        row = con.execute(
            "select period, market_imports_usd, home_exports_usd, home_share, home_rank, "
            "partners_complete, total_from from mart.watch_market_shares "
            "where market_iso3 = 'FRA' and level = 'cn8' and code = '32121000' "
            "and period_kind = 'month'").fetchone()
    period, imports, home, share, rank, complete, total_from = row
    assert period == "2025-12"
    assert home == pytest.approx(_usd_sums("32121000", "FR", "CN", ["2025-12"]), rel=1e-9)
    assert (imports, share, rank, complete, total_from) == (
        0, None, None, False, "world_row_incomplete")
