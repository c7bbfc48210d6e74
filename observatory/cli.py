"""The `observatory` command. Errors are one-line messages with a non-zero exit code."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from observatory.errors import ObservatoryError

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

    sub.add_parser("status", help=COMMANDS_HELP["status"], description=COMMANDS_HELP["status"])

    p = sub.add_parser("report", help=COMMANDS_HELP["report"],
                       description=COMMANDS_HELP["report"])
    p.add_argument("--market", action="append", metavar="ISO3",
                   help="only this priority market's watch page (repeatable)")
    p.add_argument("--lang", action="append", choices=["fr", "en"],
                   help="report language (repeatable; default: report.language)")

    p = sub.add_parser("sql", help=COMMANDS_HELP["sql"], description=COMMANDS_HELP["sql"])
    p.add_argument("query", help="one SELECT statement")
    p.add_argument("--format", choices=["table", "csv"], default="table",
                   help="output format (default: table)")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return _dispatch(args)
    except ObservatoryError as exc:
        print(f"observatory: error: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("observatory: interrupted", file=sys.stderr)
        return 130


def _dispatch(args: argparse.Namespace) -> int:
    from observatory.config import load_config

    cfg = load_config(args.config)
    if args.command == "sql":
        from observatory import sqlshell

        columns, rows = sqlshell.run_query(cfg.warehouse.published, args.query)
        out = (sqlshell.format_csv if args.format == "csv" else sqlshell.format_table)(
            columns, rows)
        sys.stdout.write(out)
        return 0
    if args.command == "report":
        from observatory import pipeline

        langs = tuple(dict.fromkeys(args.lang)) if args.lang else (cfg.report.language,)
        for path in pipeline.render_published_reports(cfg, langs, markets=args.market):
            print(f"Report: {path}")
        return 0
    if args.command == "status":
        from observatory.status import status_lines

        print("\n".join(status_lines(cfg)))
        return 0
    if args.command == "ingest":
        from pathlib import Path

        from observatory.nightly import run_file_ingest
        from observatory.runsummary import console_lines

        langs = tuple(dict.fromkeys(args.lang)) if args.lang else None
        summary = run_file_ingest(cfg, Path(args.path), args.profile, langs=langs)
        print("\n".join(console_lines(summary)))
        print(f"Database: {summary['published_path']}")
        return 0 if summary["status"] != "completed_with_rejections" else 1
    if args.command == "demo":
        from datetime import date

        from observatory.demo.generate import generate_demo
        from observatory.demo.regulatory import generate_regulatory_demo

        archive = generate_demo(cfg.demo.dir, seed=cfg.demo.seed,
                                years=cfg.study.years, home_iso3=cfg.study.home)
        regulatory = generate_regulatory_demo(cfg.demo.dir, today=date.today(),
                                              seed=cfg.demo.seed, home_iso3=cfg.study.home)
        print(f"demo data (synthetic) written: {archive}, "
              + ", ".join(str(p) for p in regulatory.values()))
    return _nightly(args, cfg)


def _nightly(args: argparse.Namespace, cfg: object) -> int:
    from observatory.config import Config
    from observatory.runsummary import console_lines

    assert isinstance(cfg, Config)
    langs = tuple(dict.fromkeys(args.lang)) if args.lang else None
    what = (args.command,) if args.command in ("study", "watch") else None
    if args.without_prefect:
        from observatory.nightly import run_nightly, run_refresh

        summary = (run_refresh(cfg, what, langs=langs) if what
                   else run_nightly(cfg, langs=langs))
    else:
        _prefect_defaults()
        # The CLI is a launcher for the flow; the flow itself only imports the package.
        from flows.nightly import nightly, refresh

        lang_list = list(langs) if langs else None
        summary = (refresh(config_path=str(cfg.path), what=list(what), langs=lang_list)
                   if what else nightly(config_path=str(cfg.path), langs=lang_list))
    print("\n".join(console_lines(summary)))
    for path in summary["report_paths"]:
        print(f"Report: {path}")
    print(f"Database: {summary['published_path']}")
    return 0 if summary["status"] != "completed_with_rejections" else 1


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
