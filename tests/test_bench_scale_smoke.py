"""The scale benchmark runs end to end at a tiny scale and writes its Markdown report.

Not timed: the figures only have to be numbers; the real run is `python -m bench.scale`.
"""

from __future__ import annotations

import re

from bench.scale import main


def test_benchmark_writes_its_report(tmp_path):
    report = tmp_path / "BENCHMARKS.md"
    results = main(["--years", "2", "--countries", "20", "--products", "60",
                    "--workdir", str(tmp_path / "work"), "--in-process",
                    "--write-benchmarks", str(report)])

    (result,) = results
    assert [s.name for s in result.steps.values() if not s.ok] == []
    text = report.read_text(encoding="utf-8")
    for heading in ("# Benchmarks", "## Targets", "## Summary across N",
                    "## 2 years (2023–2024)"):
        assert re.search(rf"^{re.escape(heading)}$", text, re.M), heading
    for line in ("- Command: `", "- Date: ", "- CPU: ", "- RAM: ", "- OS: ", "- Python: ",
                 "- DuckDB: ", "- DuckDB settings ([warehouse]): memory_limit = "):
        assert f"\n{line}" in text, line

    # One table per N: every step has seconds and a peak that are numbers.
    section = text.split("## 2 years (2023–2024)")[1]
    rows = {cells[0]: cells[1:] for cells in (
        [c.strip() for c in line.strip("|").split("|")]
        for line in section.splitlines() if line.startswith("| ") and "---" not in line)}
    for step in ("**ingest + validation**", "merge into core (merge_baci_batch)",
                 "study refresh (refresh_study)", "watch refresh (refresh_watch)",
                 "**study + watch refresh (marts + study + watch)**",
                 "publish (checkpoint, snapshot copy, swap)",
                 "floor: DuckDB read_csv → table, closed", "floor: group-by year, product"):
        seconds, peak = rows[step][0], rows[step][1]
        assert float(seconds) >= 0 and float(peak) > 0, (step, rows[step])
    assert re.fullmatch(r"\d+\.\d × CSV load", rows["**ingest + validation**"][2])
    assert re.fullmatch(r"\d+\.\d × group-by",
                        rows["**study + watch refresh (marts + study + watch)**"][2])

    # The summary row of N = 2: the flows read back equal those the archive holds.
    flows = int(result.steps["ingest"].figures["rows"])
    summary = re.search(r"^\| 2 \| ([\d,]+) \|", text, re.M)
    assert summary and int(summary.group(1).replace(",", "")) == flows
    assert result.steps["floor_csv"].figures["rows"] == flows
    # Targets not run at this scale say so instead of inventing a verdict.
    assert "| 10 years: study + watch refresh ≤ 60 s | n/a | not run (add --years 10) |" in text

    # Incremental runs: nothing new publishes nothing; a republished year is ingested again.
    quiet = result.steps["quiet_nightly"].figures
    assert quiet["published"] is False and quiet["statuses"] == ["unchanged"]
    again = result.steps["republished_year"].figures
    assert again["member"] == "BACI_HS22_Y2024_V202602.csv"
    for step in ("**nothing new: the whole nightly job** (run_nightly; Prefect's start-up not "
                 "included)", "**one year republished: the whole nightly job** (run_nightly)",
                 "of which validation", "of which study"):
        assert float(rows[step][0]) >= 0, step
    # Only the republished year's complexity is recomputed; the other year is reused.
    complexity = again["study_complexity"]
    assert {tuple(v) for v in complexity["recomputed"].values()} == {(2024,)}
    assert {tuple(v) for v in complexity["reused"].values()} == {(2023,)}
