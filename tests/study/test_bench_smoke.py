"""The study benchmark runs end to end at a tiny scale and prints its figures."""

from __future__ import annotations

from bench.study import main


def test_benchmark_prints_its_figures(tmp_path, capsys):
    steps = main(["--countries", "20", "--products", "50", "--workdir", str(tmp_path)])
    out = capsys.readouterr().out
    for heading in ("step", "seconds", "peak RSS MiB", "increase MiB",
                    "complexity, HS6, one year", "complexity marts, HS4+HS6, 1 year(s)",
                    "its target (<= 3 s"):
        assert heading in out, heading
    assert "study refresh" in out
    for name in ("complexity", "marts"):
        assert steps[name].seconds > 0 and steps[name].peak_mib > 0, name
    assert "mart.home_product_space" in steps["marts"].notes[0]
