"""The `observatory` command. Errors are one-line messages with a non-zero exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from observatory.errors import ObservatoryError, RunInProgress

COMMANDS_HELP = {
    "nightly": "run the nightly job: ingest, validate, transform, indicators, report, publish",
    "study": "refresh the exportable-offer study alone on the data already loaded, then "
             "report and publish",
    "watch": "refresh the market watch alone (indicators, alerts, digest) on the data "
             "already loaded, then report and publish",
    "demo": "write the embedded demo data (synthetic, real formats) and run the nightly job",
    "status": "show the last runs, freshness per source and the validation outcome",
    "sql": "run a read-only SQL query against the published database",
    "report": "render the reports again from the published database (all, or one market's "
              "watch page)",
    "ingest": "ingest one input outside the nightly job (validated and published the same way)",
    "serve": "register the scheduled deployments ([schedule]) on the Prefect server at "
             "PREFECT_API_URL and run them until interrupted",
    "deploy": "register the scheduled deployments ([schedule]) on a process work pool of the "
              "Prefect server at PREFECT_API_URL (created if missing), for `prefect worker "
              "start --pool NAME` to run",
    "rollback": "restore the previous published database (or run RUN_ID's) from its snapshot "
                "and render the reports again",
    "recover": "replace a damaged working database with a verified copy of the published "
               "database (or of run RUN_ID's snapshot); the damaged file is moved aside",
    "tables": "list the published tables and views with their description and row count "
              "(read-only)",
    "describe": "the columns of one published table or view: name, type, description "
                "(read-only)",
    "fiche": "write the adviser's fiche of one exporter (confidential) into "
             "[fabric] restricted_output; prints its path only",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="observatory",
        description="Observatoire du Commerce Extérieur: trade and regulatory watch platform.",
    )
    parser.add_argument("--config", help="configuration file (default: $OBSERVATORY_CONFIG "
                                         "or ./observatory.toml)")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    for name in ("nightly", "study", "watch", "demo"):
        p = sub.add_parser(name, help=COMMANDS_HELP[name], description=COMMANDS_HELP[name])
        p.add_argument("--lang", action="append", choices=["fr", "en"],
                       help="report language (repeatable; default: report.language)")
        p.add_argument("--without-prefect", action="store_true",
                       help="run the same stages without the Prefect engine (debugging)")
        if name in ("nightly", "demo"):
            p.add_argument("--allow-deletions", action="store_true",
                           help="let batches delete rows of the partitions they replace beyond "
                                "validation.max_deleted_share (the partition rule), and read "
                                "again the files it refused")

    p = sub.add_parser("ingest", help=COMMANDS_HELP["ingest"],
                       description=COMMANDS_HELP["ingest"])
    ingest = p.add_subparsers(dest="what", required=True, metavar="WHAT")
    f = ingest.add_parser("file", help="an analyst's CSV, XLSX or Parquet file, through a "
                                       "profile declared in the configuration")
    f.add_argument("path", help="the file")
    f.add_argument("--profile", required=True,
                   help="profile name: baci, comtrade, wits_tariffs (a WITS SDMX-JSON "
                        "tariff answer), rasff (an EU RASFF export), or a "
                        "[profiles.<name>] of the configuration")
    f.add_argument("--lang", action="append", choices=["fr", "en"],
                   help="report language (repeatable; default: report.language)")
    f.add_argument("--allow-deletions", action="store_true",
                   help="let the file delete rows of the partitions it replaces beyond "
                        "validation.max_deleted_share (the partition rule)")

    sub.add_parser("status", help=COMMANDS_HELP["status"], description=COMMANDS_HELP["status"])
    sub.add_parser("serve", help=COMMANDS_HELP["serve"], description=COMMANDS_HELP["serve"])
    p = sub.add_parser("deploy", help=COMMANDS_HELP["deploy"],
                       description=COMMANDS_HELP["deploy"])
    p.add_argument("--pool", required=True, metavar="NAME", help="the work pool")

    p = sub.add_parser("report", help=COMMANDS_HELP["report"],
                       description=COMMANDS_HELP["report"])
    p.add_argument("--market", action="append", metavar="ISO3",
                   help="only this priority market's watch page (repeatable)")
    p.add_argument("--lang", action="append", choices=["fr", "en"],
                   help="report language (repeatable; default: report.language)")

    p = sub.add_parser("sql", help=COMMANDS_HELP["sql"], description=COMMANDS_HELP["sql"])
    p.add_argument("query", help="one SELECT statement")
    p.add_argument("--format", choices=["table", "csv"], default="table",
                   help="output format (default: table); CSV text cells starting with = + - "
                        "@ get a leading ' so that spreadsheets do not run them")
    p.add_argument("--timeout", type=_positive_number, metavar="SECONDS",
                   help="stop the query after this long (default: sql.timeout_seconds)")
    p.add_argument("--max-rows", type=_positive_integer, metavar="N",
                   help="write at most N rows (default: sql.max_rows)")

    p = sub.add_parser("rollback", help=COMMANDS_HELP["rollback"],
                       description=COMMANDS_HELP["rollback"])
    p.add_argument("--to", metavar="RUN_ID",
                   help="the run whose published database to restore (default: the one "
                        "published before the current one)")
    p.add_argument("--lang", action="append", choices=["fr", "en"],
                   help="report language (repeatable; default: the languages of the "
                        "reports in report.dir)")

    p = sub.add_parser("recover", help=COMMANDS_HELP["recover"],
                       description=COMMANDS_HELP["recover"])
    p.add_argument("--from", dest="from_run", metavar="RUN_ID",
                   help="copy that run's database: the published one or a snapshot "
                        "(default: the published database)")

    p = sub.add_parser("tables", help=COMMANDS_HELP["tables"],
                       description=COMMANDS_HELP["tables"])
    p.add_argument("pattern", nargs="?", help="only the names matching this glob, e.g. "
                                              "'mart.watch_*' (case-insensitive)")
    p = sub.add_parser("describe", help=COMMANDS_HELP["describe"],
                       description=COMMANDS_HELP["describe"])
    p.add_argument("table", help="schema.table (or a table name found in one schema only)")
    p = sub.add_parser("fiche", help=COMMANDS_HELP["fiche"], description=COMMANDS_HELP["fiche"])
    p.add_argument("exporter_id", help="the exporter's identifier ([fabric] id_format)")
    p.add_argument("--lang", choices=("fr", "en"), default=None)
    return parser


# Set to 1 to see the traceback behind a one-line error (debugging).
TRACEBACK_ENV = "OBSERVATORY_TRACEBACK"
# Another run holds the warehouse: nothing was done (sysexits' EX_TEMPFAIL, "try again").
EXIT_RUN_IN_PROGRESS = 75


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except RunInProgress as exc:  # not a failure: nothing was done, try again later
        print(f"observatory: {error_line(exc)}", file=sys.stderr)
        return EXIT_RUN_IN_PROGRESS
    except KeyboardInterrupt:
        print("observatory: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # every error ends as one line (the traceback on request)
        if os.environ.get(TRACEBACK_ENV) == "1" or not _expected(exc):
            raise
        print(f"observatory: error: {error_line(exc)}", file=sys.stderr)
        return 1


def _expected(exc: BaseException) -> bool:
    """Errors the user can act on: the observatory's own, DuckDB's (a full disk, a damaged
    file) and the operating system's (permissions, missing folders)."""
    import duckdb

    return isinstance(exc, ObservatoryError | duckdb.Error | OSError)


def error_line(exc: BaseException) -> str:
    """One line for an error: the observatory's message, or what DuckDB or the system said
    and where, with what to do for the usual causes."""
    import duckdb

    from observatory.text import one_line

    if isinstance(exc, ObservatoryError):
        return one_line(f"{exc}{_hint(str(exc))}")
    if isinstance(exc, duckdb.Error):
        first = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        hint = _hint(first)
        return one_line(f"DuckDB: {first}{hint}")
    assert isinstance(exc, OSError)
    where = f"{exc.filename}: " if getattr(exc, "filename", None) else ""
    return one_line(f"{where}{exc.strerror or exc}{_hint(str(exc))}")


def _hint(text: str) -> str:
    lowered = text.lower()
    if "no space left" in lowered or "file too large" in lowered or "disk is full" in lowered:
        return ("; the disk is full: free space and run again (the published database is "
                "left as it was)")
    if "permission denied" in lowered:
        return "; check the file's and folder's permissions"
    return ""


def _dispatch(args: argparse.Namespace) -> int:
    from observatory.config import load_config

    cfg = load_config(args.config)
    if args.command == "sql":
        return _sql(args, cfg)
    if args.command == "fiche":
        from observatory.fabric.fiche import write_fiche

        print(write_fiche(cfg, args.exporter_id, args.lang or cfg.report.language))
        return 0
    if args.command == "report":
        from observatory.stages.publication import render_published_reports

        langs = tuple(dict.fromkeys(args.lang)) if args.lang else (cfg.report.language,)
        from observatory.report.filenames import is_product_file

        paths = render_published_reports(cfg, langs, markets=args.market)
        for path in paths:
            if not is_product_file(path.name):
                print(f"Report: {path}")
        if fiches := sum(1 for path in paths if is_product_file(path.name)):
            print(f"Product fiches: {fiches} (product-<code>.html)")
        return 0
    if args.command == "serve":
        return _serve(cfg)
    if args.command == "deploy":
        return _deploy(cfg, args.pool)
    if args.command == "status":
        from observatory.status import status_lines

        print("\n".join(status_lines(cfg)))
        return 0
    if args.command == "ingest":
        from pathlib import Path

        from observatory.config import allowing_deletions
        from observatory.nightly import run_file_ingest
        from observatory.runsummary import console_lines

        langs = tuple(dict.fromkeys(args.lang)) if args.lang else None
        if args.allow_deletions:
            cfg = allowing_deletions(cfg)
        summary = run_file_ingest(cfg, Path(args.path), args.profile, langs=langs)
        print("\n".join(console_lines(summary)))
        print(f"Database: {summary['published_path']}")
        return 0 if summary["status"] != "completed_with_rejections" else 1
    if args.command == "demo":
        from datetime import UTC, datetime

        from observatory.demo.generate import generate_demo
        from observatory.demo.regulatory import generate_regulatory_demo
        from observatory.demo.sources import write_source_demos

        today = datetime.now(UTC).date()
        archive = generate_demo(cfg.demo.dir, seed=cfg.demo.seed,
                                years=cfg.study.years, home_iso3=cfg.study.home)
        regulatory = generate_regulatory_demo(cfg.demo.dir, today=today,
                                              seed=cfg.demo.seed, home_iso3=cfg.study.home)
        others = write_source_demos(cfg.demo.dir, home=cfg.study.home, years=cfg.study.years,
                                    markets=cfg.study.priority_markets, today=today,
                                    seed=cfg.demo.seed)
        print(f"demo data (synthetic) written: {archive}, "
              + ", ".join(str(p) for p in [*regulatory.values(), *others]))
    if args.command == "rollback":
        return _rollback(args, cfg)
    if args.command == "recover":
        return _recover(args, cfg)
    if args.command in ("tables", "describe"):
        return _dictionary(args, cfg)
    return _nightly(args, cfg)


def _dictionary(args: argparse.Namespace, cfg: object) -> int:
    """`observatory tables [PATTERN]` and `observatory describe TABLE`, on the published
    database opened read-only."""
    from observatory.config import Config
    from observatory.errors import WarehouseError
    from observatory.warehouse import db, descriptions, publish

    assert isinstance(cfg, Config)
    publish.refuse_damaged(cfg.warehouse.published)
    con = db.open_published(cfg.warehouse.published)
    try:
        if args.command == "tables":
            rows = descriptions.list_tables(con, args.pattern)
            if not rows:
                raise WarehouseError(f"{args.pattern}: no published table matches")
            print(descriptions.format_rows(("table", "kind", "rows", "description"), rows))
            return 0
        try:
            rel, text, columns = descriptions.describe_table(con, args.table)
        except LookupError as exc:
            raise WarehouseError(str(exc)) from exc
        print(f"{rel.qualified} ({rel.kind}): {text}")
        print(descriptions.format_rows(("column", "type", "description"), columns))
        return 0
    finally:
        con.close()


def _sql(args: argparse.Namespace, cfg: object) -> int:
    """One read-only query within the [sql] limits (`--timeout`, `--max-rows` override two);
    CSV rows are written as they come, a table once every row (at most the cap) is in."""
    from dataclasses import replace

    from observatory import sqlshell
    from observatory.config import Config

    assert isinstance(cfg, Config)
    limits = cfg.sql
    if args.timeout is not None:
        limits = replace(limits, timeout_seconds=args.timeout)
    if args.max_rows is not None:
        limits = replace(limits, max_rows=args.max_rows)
    writer = (sqlshell.CsvWriter(sys.stdout) if args.format == "csv"
              else sqlshell.TableWriter(sys.stdout))
    try:
        sqlshell.run_query(cfg.warehouse.published, args.query, limits=limits, writer=writer)
    except BrokenPipeError:
        # The reader stopped reading (`| head`): not an error; silence the exit-time flush.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 0
    if writer.truncated:
        print(f"observatory: {sqlshell.truncation_note(limits.max_rows)}", file=sys.stderr)
    return 0


def _positive_number(text: str) -> float:
    import math

    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a number of seconds, got {text!r}") from None
    if not math.isfinite(value) or value <= 0:
        raise argparse.ArgumentTypeError(f"expected a number of seconds above 0, got {text!r}")
    return value


def _positive_integer(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value <= 0:
        raise argparse.ArgumentTypeError(f"expected a whole number above 0, got {text!r}")
    return value


def _nightly(args: argparse.Namespace, cfg: object) -> int:
    from observatory import notify
    from observatory.config import Config
    from observatory.runsummary import console_lines

    assert isinstance(cfg, Config)
    langs = tuple(dict.fromkeys(args.lang)) if args.lang else None
    if langs is None and args.command == "demo":
        langs = ("fr", "en")  # the demo shows both languages, each page linking the other
    what = (args.command,) if args.command in ("study", "watch") else None
    from observatory.config import allowing_deletions
    from observatory.nightly import new_run_id
    from observatory.warehouse.publish import check_not_running

    allow = bool(getattr(args, "allow_deletions", False))
    if allow:
        cfg = allowing_deletions(cfg)
    run_id = new_run_id()
    # A failure is recorded and notified, then re-raised. The flow does so itself for a
    # failure inside it; this covers the rest (e.g. Prefect's temporary server not starting).
    with notify.failures_notified(cfg, args.command, run_id):
        # Another run holds the warehouse: one line before starting anything (not recorded
        # as a failure); a lock that cannot even be taken (its folder is a file) is one.
        check_not_running(cfg.warehouse.work)
        if args.without_prefect:
            from observatory.nightly import run_nightly, run_refresh

            summary = (run_refresh(cfg, what, langs=langs, run_id=run_id) if what
                       else run_nightly(cfg, langs=langs, run_id=run_id))
            notify.notify_alerts(cfg, summary)
        else:
            _prefect_defaults()
            from observatory.orchestration.flows import nightly, refresh

            lang_list = list(langs) if langs else None
            summary = (refresh(config_path=str(cfg.path), what=list(what), langs=lang_list)
                       if what else nightly(config_path=str(cfg.path), langs=lang_list,
                                            allow_deletions=allow))
    print("\n".join(console_lines(summary)))
    for path in summary["report_paths"]:
        print(f"Report: {path}")
    print(f"Database: {summary['published_path']}")
    return 0 if summary["status"] != "completed_with_rejections" else 1


def _rollback(args: argparse.Namespace, cfg: object) -> int:
    """Restore a snapshot as the published database under the run lock (no run publishes
    meanwhile), render the reports from it, and record the rollback as a run summary."""
    import json
    from datetime import UTC, datetime

    from observatory.config import Config
    from observatory.stages import publication
    from observatory.stages.prepare import new_run_id
    from observatory.warehouse import publish

    assert isinstance(cfg, Config)
    if args.lang:
        langs = tuple(dict.fromkeys(args.lang))
    else:
        langs = tuple(lang for lang, index in (("fr", "index.html"), ("en", "index.en.html"))
                      if (cfg.report.dir / index).is_file()) or (cfg.report.language,)
    run_id = new_run_id()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    with publish.run_lock(cfg.warehouse.work):
        done = publish.roll_back(cfg.warehouse.published, cfg.warehouse.keep_snapshots,
                                 to=args.to)
        reports = publication.render_published_reports(cfg, langs)
        summary = {
            "run_id": run_id, "kind": "rollback", "status": "rolled_back",
            "started_at": started, "config": str(cfg.path),
            "restored_run_id": done.restored.run_id,
            "restored_from": str(done.restored.path),
            "replaced_run_id": done.replaced_run_id,
            "replaced_kept_as": str(done.kept) if done.kept else None,
            "published_path": str(cfg.warehouse.published),
            "report_paths": [str(p) for p in reports],
            "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        publication.write_run_summary(cfg, run_id, json.dumps(summary, indent=2))
    print(f"rolled back: the published database is run {done.restored.run_id}'s "
          f"(published {done.restored.published_at:%Y-%m-%d %H:%M:%S} UTC), "
          f"restored from {done.restored.path}")
    if done.replaced_run_id:
        kept = (f", kept as {done.kept} (`observatory rollback --to {done.replaced_run_id}` "
                "restores it)" if done.kept else "")
        print(f"replaced: run {done.replaced_run_id}'s database{kept}")
    if done.note:
        print(f"warning: {done.note}")
    print("the working database is unchanged: the next run republishes from it")
    for path in reports:
        print(f"Report: {path}")
    print(f"Database: {cfg.warehouse.published}")
    return 0


def _recover(args: argparse.Namespace, cfg: object) -> int:
    """Under the run lock, replace the working database with a verified copy of the published
    database (or of a snapshot), the damaged one moved aside; recorded as a run summary."""
    import json
    from datetime import UTC, datetime

    from observatory.config import Config
    from observatory.stages import publication
    from observatory.stages.prepare import new_run_id
    from observatory.warehouse import publish
    from observatory.warehouse.recover import recover_work

    assert isinstance(cfg, Config)
    run_id = new_run_id()
    started = datetime.now(UTC).isoformat(timespec="seconds")
    work = cfg.warehouse.work
    with publish.run_lock(work):
        done = recover_work(work, cfg.warehouse.published, args.from_run)
        publication.write_run_summary(cfg, run_id, json.dumps({
            "run_id": run_id, "kind": "recover", "status": "recovered",
            "started_at": started, "config": str(cfg.path),
            "recovered_run_id": done.run_id, "recovered_from": str(done.source),
            "sha256": done.sha256, "moved_aside": [str(p) for p in done.moved_aside],
            "work_path": str(work),
            "ended_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }, indent=2))
    when = f", published {done.published_at:%Y-%m-%d %H:%M:%S} UTC" if done.published_at else ""
    print(f"recovered: the working database is now a copy of run {done.run_id}'s database"
          f"{when}, from {done.source} (SHA-256 verified: {done.sha256[:16]}…)")
    if done.moved_aside:
        print("the damaged working database was moved aside, not deleted: "
              + ", ".join(str(p) for p in done.moved_aside))
    else:
        print(f"there was no working database at {work}")
    print(f"the next run loads again what came after that publication (inputs landed or "
          f"changed since run {done.run_id}); alert and study history is kept up to it")
    print(f"Database: {work}")
    return 0


def _serve(cfg: object) -> int:
    """Register the [schedule] deployments on the running Prefect server and serve them."""
    from observatory.config import Config
    from observatory.schedule import deployment_specs, require_server

    assert isinstance(cfg, Config)
    api_url = require_server()
    specs = deployment_specs(cfg)
    if not specs:
        raise ObservatoryError("nothing to serve: every cron of [schedule] is empty")
    for spec in specs:
        print(f"Deployment {spec.full_name}: cron {spec.cron!r} ({spec.timezone}), "
              f"sources {spec.sources}, languages {', '.join(spec.parameters['langs'])}")
    print(f"Prefect server: {api_url} (Ctrl-C stops serving and pauses the schedules)")
    _print_limits(cfg)
    from observatory.orchestration.deployments import serve_deployments

    serve_deployments(cfg)
    return 0


def _deploy(cfg: object, pool: str) -> int:
    """Register the [schedule] deployments on a process work pool (created if missing)."""
    from observatory.config import Config
    from observatory.schedule import deployment_specs, require_server

    assert isinstance(cfg, Config)
    api_url = require_server()
    specs = deployment_specs(cfg)
    if not specs:
        raise ObservatoryError("nothing to deploy: every cron of [schedule] is empty")
    from observatory.orchestration.deployments import deploy_to_pool

    for spec, name in zip(specs, deploy_to_pool(cfg, pool), strict=True):
        print(f"Deployment {name}: cron {spec.cron!r} ({spec.timezone}), sources "
              f"{spec.sources}, work pool {pool}")
    _print_limits(cfg)
    print(f"Prefect server: {api_url}; start a worker where the warehouse lives: "
          f"PREFECT_API_URL={api_url} prefect worker start --pool {pool} --limit 1")
    return 0


def _print_limits(cfg: object) -> None:
    """Create or update the Comtrade and ePing limits on the server, and say so."""
    from observatory.config import Config
    from observatory.orchestration import ensure_limits

    assert isinstance(cfg, Config)
    for spec in ensure_limits(cfg):
        what = (f"{spec.slot_decay_per_second * 60:g} requests a minute"
                if spec.slot_decay_per_second else f"{spec.limit} request(s) at once")
        print(f"Limit {spec.name}: {what}")


def _prefect_defaults() -> None:
    """Offline-friendly Prefect settings unless the user set them (measured: the default
    20 s start-up timeout of the temporary server is too short on 2 cores when cold, and
    analytics heartbeats log 'database is locked' errors)."""
    os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
    os.environ.setdefault("PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS", "90")
    os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")
    os.environ.setdefault("PREFECT_SERVER_UI_ENABLED", "false")


if __name__ == "__main__":
    sys.exit(main())
