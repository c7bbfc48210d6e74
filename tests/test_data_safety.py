"""No bad input may delete, corrupt or wedge published data.

Each test plants one defect seen in the field (a header-only BACI year, infinite values, a
subset file, a file restored to an earlier version…) after a clean publication, and checks
that the published database is byte for byte the one before, that the defect is reported on
one line naming the file, and that the data can still be changed on purpose.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb
import pytest

from observatory.config import load_config
from observatory.nightly import run_file_ingest, run_nightly
from observatory.runsummary import console_lines
from tests.conftest import REPO, write_config
from tests.test_fault_injection import small_archive, write_small_workspace

REAL = REPO / "tests" / "fixtures" / "real" / "comtrade-eu27-wood-imports"


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rewrite_year(archive: Path, year: int, change: Callable[[list[str]], list[str]]) -> None:
    """Rewrite one yearly CSV of a BACI archive in place (its lines through `change`)."""
    tmp = archive.with_name(archive.name + ".new")
    with zipfile.ZipFile(archive) as src, zipfile.ZipFile(tmp, "w", zipfile.ZIP_DEFLATED) as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith(f"BACI_HS22_Y{year}_"):
                lines = data.decode("utf-8").splitlines()
                data = ("\n".join(change(lines)) + "\n").encode("utf-8")
            dst.writestr(info, data)
    tmp.replace(archive)


@pytest.fixture(scope="module")
def _published_small_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A small workspace (two years, 30 countries) published once, for the module."""
    root = tmp_path_factory.mktemp("published_small")
    archive = small_archive(root / "gen", seed=5)
    cfg = load_config(write_small_workspace(root / "ws", archive))
    first = run_nightly(cfg)
    assert first["status"] == "published", first
    return root / "ws"


@pytest.fixture
def published_small(tmp_path: Path, _published_small_template: Path) -> dict[str, Any]:
    """A private copy of the small workspace published once."""
    shutil.copytree(_published_small_template, tmp_path / "ws")
    cfg = load_config(tmp_path / "ws" / "observatory.toml")
    return {"cfg": cfg, "archive": next((tmp_path / "ws" / "inputs").glob("BACI_*.zip")),
            "sha": _sha(cfg.warehouse.published)}


def _year_rows(cfg: Any, year: int) -> int:
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        return con.execute("select count(*) from core.trade_flows where year = ?",
                           [year]).fetchall()[0][0]


def test_a_header_only_year_is_refused_and_deletes_nothing(published_small: dict[str, Any]
                                                            ) -> None:
    cfg, archive = published_small["cfg"], published_small["archive"]
    before = _year_rows(cfg, 2024)
    assert before > 1000
    _rewrite_year(archive, 2024, lambda lines: lines[:1])

    summary = run_nightly(cfg)
    assert summary["status"] == "completed_with_rejections"
    (refused,) = [i for i in summary["inputs"] if i["year"] == 2024]
    assert refused["status"] == "refused"
    assert "holds no data rows" in refused["message"]
    assert f"delete the {before:,} rows" in refused["message"]
    assert "--allow-deletions" in refused["message"]
    assert _sha(cfg.warehouse.published) == published_small["sha"]
    line = next(x for x in console_lines(summary) if "Y2024" in x)
    assert "REFUSED" in line and "\n" not in line
    # The same file again: settled as refused, not read again, still reported.
    again = run_nightly(cfg)
    (same,) = [i for i in again["inputs"] if i["year"] == 2024]
    assert same["status"] == "unchanged" and same["previous_status"] == "refused"
    assert "refused by the partition rule" in next(x for x in console_lines(again)
                                                   if "Y2024" in x)
    assert _sha(cfg.warehouse.published) == published_small["sha"]

    # Said explicitly, the deletion goes through and is counted.
    from dataclasses import replace
    allowed = replace(cfg, validation=replace(cfg.validation, allow_deletions=True))
    forced = run_nightly(allowed)
    (done,) = [i for i in forced["inputs"] if i["year"] == 2024]
    assert done["status"] == "loaded", done
    assert (done["changes"]["deleted"], done["changes"]["added"]) == (before, 0)
    assert _year_rows(cfg, 2024) == 0


def test_a_revised_year_counts_its_changes_per_partition(published_small: dict[str, Any]
                                                         ) -> None:
    cfg, archive = published_small["cfg"], published_small["archive"]
    before = _year_rows(cfg, 2023)
    _rewrite_year(archive, 2023, lambda lines: lines[:1] + lines[11:])  # 10 flows withdrawn
    summary = run_nightly(cfg)
    assert summary["status"] == "published", summary
    (loaded,) = [i for i in summary["inputs"] if i["year"] == 2023]
    assert loaded["changes"]["by_partition"] == [{
        "table": "core.trade_flows", "partition": "year 2023", "rows_before": before,
        "rows_after": before - 10, "replaced": before - 10, "added": 0, "deleted": 10,
        "partners_before": loaded["changes"]["by_partition"][0]["partners_before"],
        "partners_after": loaded["changes"]["by_partition"][0]["partners_after"]}]
    assert _year_rows(cfg, 2023) == before - 10
    line = next(x for x in console_lines(summary) if "Y2023" in x)
    assert "0 added, " in line and "10 deleted" in line


def test_infinite_and_overlong_values_are_rejected_with_their_lines(
        published_small: dict[str, Any]) -> None:
    cfg, archive = published_small["cfg"], published_small["archive"]

    def plant(lines: list[str]) -> list[str]:
        for line_no, value in ((5, "inf"), (7, "9" * 200_000), (9, "1e999")):
            fields = lines[line_no - 1].split(",")
            fields[4] = value
            lines[line_no - 1] = ",".join(fields)
        return lines

    _rewrite_year(archive, 2024, plant)
    summary = run_nightly(cfg)
    assert summary["status"] == "completed_with_rejections"
    (verdict,) = summary["validation"]
    located = {(d["line_number"], d["field"]): d["reason"] for d in verdict["defects"]}
    for line_no in (5, 7, 9):
        assert "not a finite number" in located[(line_no, "value_usd")]
    assert _sha(cfg.warehouse.published) == published_small["sha"]
    # Nothing echoed whole: the summary and every console line stay short.
    text = json.dumps(summary)
    assert len(text) < 50_000
    assert max(len(x) for x in console_lines(summary)) < 1_200
    # Lost nowhere: the quarantine keeps the row with its line, and the landed file it
    # points to keeps the value as the source wrote it.
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        (landed,) = con.execute(
            "select l.file_path from ops.quarantine q join ops.load_ledger l using (batch_id) "
            "where q.line_number = 7 and q.field = 'value_usd'").fetchall()[0]
    assert "9" * 200_000 in Path(landed).read_text(encoding="utf-8").splitlines()[6]


def test_an_analyst_file_with_an_infinite_value_is_rejected(tmp_path: Path) -> None:
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    cfg = load_config(tmp_path / "observatory.toml")
    good = tmp_path / "exports.csv"
    good.write_text("Pays;Code SH;Année;Valeur (USD);Poids (kg)\nEspagne;070200;2023;10;1\n",
                    encoding="utf-8")
    assert run_file_ingest(cfg, good, "exports_by_country_fr")["status"] == "published"
    sha = _sha(cfg.warehouse.published)
    bad = tmp_path / "exports2.csv"
    bad.write_text("Pays;Code SH;Année;Valeur (USD);Poids (kg)\nEspagne;070200;2023;10;1\n"
                   "France;070200;2023;1e999;1\n", encoding="utf-8")
    summary = run_file_ingest(cfg, bad, "exports_by_country_fr")
    assert summary["status"] == "completed_with_rejections"
    (verdict,) = summary["validation"]
    assert [(d["line_number"], d["field"]) for d in verdict["defects"]] == [(3, "value_usd")]
    assert "not a finite number" in verdict["defects"][0]["reason"]
    assert _sha(cfg.warehouse.published) == sha


def test_a_subset_file_is_refused_and_the_published_data_stay(tmp_path: Path) -> None:
    """The real EU imports extract, then its partner-Morocco subset through the same profile:
    the subset would delete every other partner's rows of the partitions it replaces."""
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    cfg = load_config(tmp_path / "observatory.toml")
    full = REAL / "data_eu_imports_ESP_FRA_2022.csv"
    subset = REAL / "data_eu_imports_partner_MAR_ESP_FRA_2022.csv"
    first = run_file_ingest(cfg, full, "comtrade")
    assert first["status"] == "published", first["validation"]
    (loaded,) = first["inputs"]
    assert loaded["changes"]["added"] == 4168 and loaded["changes"]["deleted"] == 0
    sha = _sha(cfg.warehouse.published)

    summary = run_file_ingest(cfg, subset, "comtrade")
    assert summary["status"] == "completed_with_rejections"
    (refused,) = summary["inputs"]
    assert refused["status"] == "refused"
    assert "data_eu_imports_partner_MAR_ESP_FRA_2022.csv: refused" in refused["message"]
    assert "would delete" in refused["message"] or "would leave" in refused["message"]
    assert " M A 2022" in refused["message"]
    assert _sha(cfg.warehouse.published) == sha
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchall()[0][0] == 4168

    # Through a profile that says so, the subset replaces the partitions, counted.
    from dataclasses import replace
    profile = replace(cfg.profiles["comtrade"], allow_deletions=True)
    allowed = replace(cfg, profiles={**cfg.profiles, "comtrade": profile})
    forced = run_file_ingest(allowed, subset, "comtrade")
    assert forced["status"] == "published", forced
    (done,) = forced["inputs"]
    assert done["changes"]["replaced"] == 41
    assert done["changes"]["deleted"] == 4168 - 41
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select count(*) from core.trade_flows").fetchall()[0][0] == 41
        status = con.execute("select status, rows_live from ops.load_ledger "
                             "where file_name = ?", [full.name]).fetchall()
    assert status == [("replaced", 0)]
    # status counts the rows still in core, not those of replaced batches
    from observatory.status import status_lines

    (line,) = [x for x in status_lines(cfg) if x.strip().startswith("file:comtrade ")]
    assert "1 batch, 41 rows" in line


def test_a_file_restored_to_an_earlier_version_is_loaded_again(tmp_path: Path) -> None:
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    cfg = load_config(tmp_path / "observatory.toml")
    path = tmp_path / "exports.csv"
    v1 = "Pays;Code SH;Année;Valeur (USD);Poids (kg)\nEspagne;070200;2023;10;1\n" \
         "France;070200;2023;20;1\n"
    v2 = v1.replace(";20;", ";25;")

    def values() -> list[tuple[str, float]]:
        with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
            return con.execute("select importer_iso3, value_usd from core.trade_flows "
                               "order by 1").fetchall()

    for text, expected in ((v1, 20.0), (v2, 25.0), (v1, 20.0)):
        path.write_text(text, encoding="utf-8")
        summary = run_file_ingest(cfg, path, "exports_by_country_fr")
        assert summary["status"] == "published", summary["inputs"]
        assert values() == [("ESP", 10.0), ("FRA", expected)]
    # Unchanged since its latest load: reported so, nothing published.
    again = run_file_ingest(cfg, path, "exports_by_country_fr")
    assert again["inputs"][0]["status"] == "unchanged" and again["published"] is False


def test_a_transaction_ended_by_duckdb_reports_the_real_error() -> None:
    """When DuckDB ends a transaction itself (a full disk, a damaged file), the rollback that
    follows fails ("no transaction is active"); the error raised must be the real one."""
    from observatory.warehouse.transaction import transaction

    con = duckdb.connect()
    con.execute("create table t (x integer)")
    with pytest.raises(RuntimeError, match="the real cause"), transaction(con):
        con.execute("insert into t values (1)")
        con.execute("rollback")  # as DuckDB does on a fatal error
        raise RuntimeError("the real cause")
    assert con.execute("select count(*) from t").fetchall() == [(0,)]


CHILD = """
import resource, signal, sys
signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
limit = int(sys.argv[1])
resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
from observatory.cli import main
sys.exit(main(sys.argv[2:]))
"""


def test_a_full_disk_is_one_line_naming_the_cause(published_small: dict[str, Any],
                                                  tmp_path: Path) -> None:
    """A run whose writes fail for lack of space (simulated with a file-size limit in a child
    process: writes past it fail with EFBIG) ends with one line naming the cause, records it
    as the failure reason, leaves the published database as it was, and the next run with
    space completes."""
    import subprocess
    import sys

    cfg, archive = published_small["cfg"], published_small["archive"]
    _rewrite_year(archive, 2024, lambda lines: lines[:1] + lines[1:][::-1])  # new content
    done = subprocess.run(
        [sys.executable, "-c", CHILD, str(2_000_000), "--config", str(cfg.path), "nightly",
         "--without-prefect"], capture_output=True, text=True, cwd=REPO, timeout=300)
    assert done.returncode == 1, done.stderr
    # The progress lines of the steps, then one line naming the cause.
    lines = [x for x in done.stderr.splitlines() if x.strip() and not x.startswith("step ")]
    assert len(lines) == 1, done.stderr
    assert "File too large" in lines[0] and "the disk is full" in lines[0]
    assert "cannot rollback" not in done.stderr and "Traceback" not in done.stderr
    assert _sha(cfg.warehouse.published) == published_small["sha"]
    failed = sorted(cfg.warehouse.runs_dir.glob("*.json"))[-1]
    recorded = json.loads(failed.read_text(encoding="utf-8"))
    assert recorded["status"] == "failed" and "File too large" in recorded["error"]
    after = run_nightly(cfg)
    assert after["status"] == "published", after
    assert _year_rows(cfg, 2024) == _year_rows(cfg, 2024)


def _kill_at(cfg: Any, point: str) -> None:
    import os
    import subprocess
    import sys

    env = {**os.environ, "OBSERVATORY_FAULT": point}
    done = subprocess.run(
        [sys.executable, "-m", "observatory.cli", "--config", str(cfg.path), "nightly",
         "--without-prefect"], env=env, cwd=REPO, capture_output=True, timeout=300)
    assert done.returncode == -9, done.stderr[-2000:]


def test_a_run_killed_before_its_swap_is_settled_by_the_next(published_small: dict[str, Any]
                                                             ) -> None:
    """Killed with its publication staged and its reports rendered: the next run marks it
    abandoned (and says so in status), withdraws the publication that did not happen,
    removes its staging folder, and publishes."""
    from observatory.status import status_lines

    cfg, archive = published_small["cfg"], published_small["archive"]
    _rewrite_year(archive, 2024, lambda lines: lines[:1] + lines[1:][::-1])
    _kill_at(cfg, "reports_rendered")
    assert list(cfg.report.dir.glob(".staging-*"))  # what the killed run left
    with duckdb.connect(str(cfg.warehouse.work), read_only=True) as con:
        (killed,) = con.execute("select run_id from ops.runs where status = 'running'"
                                ).fetchall()[0]
        assert con.execute("select count(*) from ops.publications where run_id = ?",
                           [killed]).fetchall() == [(1,)]
    assert _sha(cfg.warehouse.published) == published_small["sha"]

    summary = run_nightly(cfg)
    assert summary["abandoned_runs"] == [killed]
    assert summary["publications_withdrawn"] == [killed]
    assert summary["status"] == "published"
    assert not list(cfg.report.dir.glob(".staging-*"))
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        assert con.execute("select status from ops.runs where run_id = ?",
                           [killed]).fetchall() == [("abandoned",)]
        assert con.execute("select count(*) from ops.publications where run_id = ?",
                           [killed]).fetchall() == [(0,)]
        assert con.execute("select count(*) from ops.runs where status = 'running'"
                           ).fetchall() == [(1,)]  # the publishing run itself, still running
    shown = "\n".join(status_lines(cfg))
    assert f"{killed}: abandoned" in shown


def test_reports_left_stale_by_a_kill_after_the_database_swap_are_rendered_again(
        published_small: dict[str, Any]) -> None:
    cfg, archive = published_small["cfg"], published_small["archive"]
    _rewrite_year(archive, 2024, lambda lines: lines[:1] + lines[1:][::-1])
    _kill_at(cfg, "database_swapped")
    from observatory.warehouse import publish

    new_run = publish.publication(cfg.warehouse.published).run_id
    index = (cfg.report.dir / "index.html").read_text(encoding="utf-8")
    assert new_run not in index  # the old reports beside the new database

    summary = run_nightly(cfg)  # inputs unchanged since the killed run merged them
    assert summary["published"] is False
    assert "reports show run" in summary["reports_rerendered"]
    assert new_run in (cfg.report.dir / "index.html").read_text(encoding="utf-8")
    again = run_nightly(cfg)
    assert "reports_rerendered" not in again


def test_a_second_run_while_one_runs_is_refused_without_failing(
        published_small: dict[str, Any], capsys: pytest.CaptureFixture[str]) -> None:
    """Another run holds the warehouse: one line, exit code 75, no run summary, nothing
    recorded as failed, with or without Prefect (the refusal comes before Prefect starts)."""
    from observatory.cli import main
    from observatory.warehouse import publish

    cfg = published_small["cfg"]
    summaries = set(cfg.warehouse.runs_dir.glob("*.json"))
    with publish.run_lock(cfg.warehouse.work):
        for extra in (["--without-prefect"], []):
            code = main(["--config", str(cfg.path), "nightly", *extra])
            err = capsys.readouterr().err
            assert code == 75
            assert err.count("\n") == 1 and "another run is in progress" in err
            assert "Traceback" not in err
    assert set(cfg.warehouse.runs_dir.glob("*.json")) == summaries


@pytest.mark.parametrize("key", ["published", "report"])
def test_unwritable_places_stop_the_run_at_start_on_one_line(
        tmp_path: Path, key: str, capsys: pytest.CaptureFixture[str]) -> None:
    """`warehouse.published` that is a folder, or `report.dir` under a path that is a file:
    one line naming the key, before any work, exit code 1."""
    from observatory.cli import main

    path = write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    text = path.read_text(encoding="utf-8")
    if key == "published":
        (tmp_path / "pub.duckdb").mkdir()
        text = text.replace('published = "data/warehouse/observatory.duckdb"',
                            'published = "pub.duckdb"')
        expected = "warehouse.published: "
    else:
        (tmp_path / "a-file").write_text("x", encoding="utf-8")
        text = text.replace('dir = "data/reports"', 'dir = "a-file/reports"')
        expected = "report.dir: cannot write in "
    path.write_text(text, encoding="utf-8")
    code = main(["--config", str(path), "nightly", "--without-prefect"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1 and expected in err and "Traceback" not in err
    assert not (tmp_path / "data" / "warehouse" / "work.duckdb").exists()


def test_padded_product_codes_are_counted_in_the_run_summary(published_small: dict[str, Any]
                                                             ) -> None:
    """BACI writes codes as numbers (010121 as 10121); staging pads them back, and the run
    summary says how many rows it repaired, counted here on the CSV itself."""
    import io

    import pandas as pd

    cfg, archive = published_small["cfg"], published_small["archive"]
    with zipfile.ZipFile(archive) as zf:
        name = next(n for n in zf.namelist() if n.startswith("BACI_HS22_Y2024_"))
        frame = pd.read_csv(io.BytesIO(zf.read(name)), dtype=str, keep_default_na=False)
    short = int((frame["k"].str.len() < 6).sum())
    assert short > 0
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        (message,) = con.execute("select message from ops.load_ledger where file_name = ?",
                                 [name]).fetchall()[0]
    assert f"{short:,} product code(s) of fewer than six digits padded" in message


def test_control_characters_and_long_headers_never_reach_the_terminal(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A file whose header carries ANSI escape sequences and a 200 kB column name: the error
    names the file, shows the header cut short, and holds no control character."""
    from observatory.cli import main

    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    hostile = tmp_path / "hostile.csv"
    header = "\x1b[2J\x1b[31mPays;" + "X" * 200_000 + ";Année\x07"
    hostile.write_text(header + "\nEspagne;1;2023\n", encoding="utf-8")
    code = main(["--config", str(tmp_path / "observatory.toml"), "ingest", "file",
                 str(hostile), "--profile", "exports_by_country_fr"])
    captured = capsys.readouterr()
    text = captured.out + captured.err
    assert code == 1
    assert "hostile.csv" in text
    assert "\x1b" not in text and "\x07" not in text
    assert "\\x1b[2J" in text  # shown, inert
    assert max(len(line) for line in text.splitlines()) < 1_200


def test_the_same_content_under_another_name_keeps_the_live_batch(tmp_path: Path) -> None:
    """A file whose content equals a published file's, read under another name: it is a
    batch of its own (the published one keeps its ledger row, then is replaced by it)."""
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    cfg = load_config(tmp_path / "observatory.toml")
    text = "Pays;Code SH;Année;Valeur (USD);Poids (kg)\nEspagne;070200;2023;10;1\n"
    first = tmp_path / "exports.csv"
    first.write_text(text, encoding="utf-8")
    assert run_file_ingest(cfg, first, "exports_by_country_fr")["status"] == "published"
    (batch,) = run_file_ingest(cfg, first, "exports_by_country_fr")["inputs"]
    assert batch["status"] == "unchanged"
    copy = tmp_path / "copy.csv"
    copy.write_text(text, encoding="utf-8")
    (outcome,) = run_file_ingest(cfg, copy, "exports_by_country_fr")["inputs"]
    assert outcome["batch_id"] == batch["batch_id"] + "~2"
    assert outcome["changes"]["replaced"] == 1
    with duckdb.connect(str(cfg.warehouse.published), read_only=True) as con:
        ledger = con.execute("select batch_id, file_name, status from ops.load_ledger "
                             "order by seq").fetchall()
        flows = con.execute("select batch_id, value_usd from core.trade_flows").fetchall()
    assert ledger == [(batch["batch_id"], "exports.csv", "replaced"),
                      (outcome["batch_id"], "copy.csv", "published")]
    assert flows == [(outcome["batch_id"], 10.0)]
