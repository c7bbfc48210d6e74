"""The study benchmark runs end to end at a tiny scale, and what it prints is what it did:
the flows it reports are those in its warehouse, the counts of its steps those of the tables
they wrote, the table's seconds and memory those it measured, and its verdict follows them."""

from __future__ import annotations

import re

import duckdb
import pytest

from bench.scale import scaled_flows
from bench.study import TARGET_MIB, TARGET_SECONDS, main
from observatory.config import load_config


@pytest.mark.slow
def test_benchmark_prints_its_figures(tmp_path, capsys):
    steps = main(["--countries", "20", "--products", "50", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    for heading in ("step", "seconds", "peak RSS MiB", "increase MiB",
                    "complexity, HS6, one year", "complexity marts, HS4+HS6, 1 year(s)",
                    "its target (<= 3 s"):
        assert heading in out, heading
    assert "study refresh" in out
    assert "FAILED" not in out
    for name in ("complexity", "marts"):
        assert steps[name].seconds > 0 and steps[name].peak_mib > 0, name

    # Counted again in the benchmark's warehouse.
    work = load_config(tmp_path / "observatory.toml").warehouse.work
    with duckdb.connect(str(work), read_only=True) as con:
        (flows,) = con.execute("select count(*) from core.trade_flows").fetchone()
        exporters, products, cells = con.execute(
            "select count(distinct exporter_iso3), count(distinct product_code), count(*) "
            "from (select exporter_iso3, product_code from core.trade_flows "
            "where year = 2024 group by all)").fetchone()
        marts = {f"mart.{name}": con.execute(f"select count(*) from mart.{name}").fetchone()[0]
                 for (name,) in con.execute("select table_name from duckdb_tables() "
                                            "where schema_name = 'mart'").fetchall()}
    assert re.search(rf"^warehouse: home MAR, {flows:,} flows \(1 year\(s\) 2024-2024, "
                     r"20 countries x 50 HS6\)", out, re.M), out
    assert flows == pytest.approx(scaled_flows(20, 50), rel=0.25)  # about that many a year
    assert (f"{exporters} exporters x {products:,} HS6: {cells:,} positive cells"
            in steps["complexity"].notes[1])
    # Every table the marts step counted has that many rows in the warehouse.
    counted = dict(re.findall(r"(mart\.\w+) ([\d,]+)", steps["marts"].notes[0]))
    assert "mart.home_product_space" in counted
    assert {name: int(rows.replace(",", "")) for name, rows in counted.items()} == {
        name: marts[name] for name in counted}

    # The table prints the measured seconds and memory of each step; the verdict follows.
    for step in steps.values():
        line = next(ln for ln in out.splitlines() if ln.startswith(step.name))
        seconds, peak, increase = line[len(step.name):].split()[:3]
        assert seconds == f"{step.seconds:.2f}", line
        assert peak == f"{step.peak_mib:.0f}" and increase == f"{step.increase_mib:.0f}", line
    c = steps["complexity"]
    meets = c.seconds <= TARGET_SECONDS and c.increase_mib <= TARGET_MIB
    assert (f"complexity step {'meets' if meets else 'MISSES'} its target "
            f"(<= {TARGET_SECONDS:.0f} s, <= {TARGET_MIB:.0f} MiB over the baseline): "
            f"{c.seconds:.2f} s, +{c.increase_mib:.0f} MiB") in out
