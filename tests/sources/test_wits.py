"""WITS SDMX-JSON tariff answers (hand-written fixtures in the documented format)."""

from __future__ import annotations

from pathlib import Path

import pytest

from observatory.errors import SourceError
from observatory.sources.wits.resources import parse_tariffs

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "wits"


def test_series_are_read_by_dimension_id_and_attributes_resolved() -> None:
    path = FIXTURES / "handwritten_tariff_usa_world_2017.json"
    frame = parse_tariffs(path.read_text(encoding="utf-8"), path.name)
    rows = frame.sort_values(["partner_iso3", "product_code"]).to_dict("records")
    assert [(r["importer_iso3"], r["partner_iso3"], r["regime"], r["product_code"],
             r["ad_valorem_pct"], r["classification"], r["tariff_lines"]) for r in rows] == [
        ("USA", "MAR", "PRF", "070200", 0.0, "HS17", 2),
        ("USA", "W00", "MFN", "010130", 6.0, "HS17", 1),
        ("USA", "W00", "MFN", "070200", 2.5, "HS17", 2),
    ]
    assert all(r["year"] == 2017 and r["is_ad_valorem"] for r in rows)


def test_xml_error_messages_and_broken_json_are_one_line_errors() -> None:
    xml = ('<?xml version="1.0"?><wits:error xmlns:wits="x"><wits:message id="150" '
           'key="Invalid Indicator Code."/></wits:error>')
    with pytest.raises(SourceError, match=r"answer.json: WITS answered with an XML message, "
                                          r"not data: Invalid Indicator Code\."):
        parse_tariffs(xml, "answer.json")
    with pytest.raises(SourceError, match=r"answer.json: not valid JSON \(line 1"):
        parse_tariffs('{"dataSets": [', "answer.json")
    with pytest.raises(SourceError, match="not an SDMX-JSON data message"):
        parse_tariffs('{"data": []}', "answer.json")


def test_ingest_tariff_file_publishes_core_tariffs(tmp_path: Path) -> None:
    import duckdb

    from observatory.config import load_config
    from observatory.nightly import run_file_ingest
    from tests.conftest import write_config

    cfg = load_config(write_config(tmp_path, baci_paths=["inputs/none-*.zip"]))
    path = FIXTURES / "handwritten_tariff_usa_world_2017.json"
    summary = run_file_ingest(cfg, path, "wits_tariffs")
    assert summary["status"] == "published", summary
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        rows = con.execute(
            "select importer_iso3, partner_iso3, regime, product_code, ad_valorem_pct "
            "from core.tariffs order by partner_iso3, product_code").fetchall()
    assert rows == [("USA", "MAR", "PRF", "070200", 0.0), ("USA", "W00", "MFN", "010130", 6.0),
                    ("USA", "W00", "MFN", "070200", 2.5)]
    assert run_file_ingest(cfg, path, "wits_tariffs")["status"] == "unchanged"


def test_nightly_fetches_wits_tariffs_from_the_api(tmp_path: Path, httpserver) -> None:
    """The WITS API (a local server replaying the hand-written answer) is called for each
    reporter with the documented URL, and its answer goes through the tariffs gate."""
    import duckdb

    from observatory.config import load_config
    from observatory.nightly import run_nightly
    from tests.conftest import write_config

    answer = (FIXTURES / "handwritten_tariff_usa_world_2017.json").read_text(encoding="utf-8")
    path = "/reporter/840/partner/all/product/all/year/2017/datatype/reported"
    httpserver.expect_request(path).respond_with_data(answer, content_type="application/json")
    config = write_config(tmp_path)
    text = config.read_text(encoding="utf-8").replace(
        "[sources.baci]\n# CEPII BACI bulk archives (zip holding BACI_<rev>_Y<year>_V<release>"
        ".csv files).\nenabled = true", "[sources.baci]\nenabled = false")
    text = (text.replace("wits_enabled = false", "wits_enabled = true")
                .replace('wits_base_url = "http://wits.worldbank.org/API/V1/SDMX/V21/'
                         'datasource/trn"', f'wits_base_url = "{httpserver.url_for("")[:-1]}"')
                .replace("wits_reporters = []", 'wits_reporters = ["USA"]')
                .replace("wits_year = 2023", "wits_year = 2017"))
    config.write_text(text, encoding="utf-8")
    cfg = load_config(config)
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary
    (request,) = [r for r, _ in httpserver.log]
    assert request.args["format"] == "JSON"
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*) from core.tariffs where importer_iso3 = 'USA'"
                           ).fetchone() == (3,)
