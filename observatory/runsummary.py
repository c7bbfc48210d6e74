"""Turn a nightly run's summary into text for the console and Markdown for Prefect."""

from __future__ import annotations

from typing import Any

from observatory.text import one_line
from observatory.watch import baselines

STATUS_TEXT = {
    "published": "published",
    "unchanged": "inputs unchanged; published database left as it was",
    "completed_with_rejections": "completed, but some inputs were rejected, refused or failed",
}


def console_lines(summary: dict[str, Any]) -> list[str]:
    """The run summary as console lines: each on one line, with nothing read from an input
    able to act on the terminal (control characters escaped, long values cut)."""
    return [_indented(line) for line in _lines(summary)]


def _indented(line: str) -> str:
    body = line.lstrip(" ")
    return " " * (len(line) - len(body)) + one_line(body)


def _changes(item: dict[str, Any]) -> str:
    changes = item.get("changes")
    return f"; {changes['summary']}" if changes and changes.get("summary") else ""


def _lines(summary: dict[str, Any]) -> list[str]:
    lines = [f"run {summary['run_id']}: {STATUS_TEXT.get(summary['status'], summary['status'])}"]
    for item in summary.get("inputs", []):
        previous = item.get("previous_status")
        detail = {
            # rows_read counts the file's rows; the message says what they held (e.g. RASFF:
            # "8,386 notifications (27 exported twice, loaded once)") and any notes.
            "loaded": f"{item['rows_read']:,} rows read"
                      + (f", {item['message']}" if item.get("message") else "")
                      + _changes(item),
            "unchanged": f"unchanged since batch {item['batch_id']}" + {
                "rejected": " (rejected)",
                "refused": " (refused by the partition rule; --allow-deletions reads it again)",
            }.get(previous or "", ""),
            "rejected": "REJECTED by validation",
            "refused": f"REFUSED: {item.get('message')}",
            "failed": f"FAILED: {item.get('message')}",
        }.get(item["status"], item["status"])
        lines.append(f"  {item['source']} {item['file_name']}: {detail}")
    if summary.get("abandoned_runs"):
        withdrawn = summary.get("publications_withdrawn") or []
        lines.append(f"  settled {len(summary['abandoned_runs'])} run(s) that ended before "
                     f"finishing: {', '.join(summary['abandoned_runs'])} (marked abandoned"
                     + (f"; unpublished publication of {', '.join(withdrawn)} withdrawn"
                        if withdrawn else "") + ")")
    if summary.get("reports_rerendered"):
        lines.append(f"  reports rendered again from the published database "
                     f"({summary['reports_rerendered']})")
    for verdict in summary.get("validation", []):
        if verdict["passed"]:
            continue
        lines.append(f"  {verdict['file_name']}: {verdict['rows_rejected']} row(s) quarantined")
        for check in verdict["failed_checks"]:
            lines.append(f"    failed {check['expectation']} on {check['column']}: "
                         f"{check['unexpected_count']} row(s)")
        for defect in verdict["defects"]:
            lines.append(f"    line {defect['line_number']}, field {defect['field']}: "
                         f"{defect['reason']}")
    lines += _refresh_lines(summary)
    if summary.get("published"):
        lines.append("published a new database and report")
    return lines


def _refresh_lines(summary: dict[str, Any]) -> list[str]:
    """One line per source on what fed the indicators, then one for the study refresh and
    one for the watch, when the run did them."""
    lines = [f"inputs: {line}" for line in summary.get("coverage", [])]
    study = summary.get("study")
    if study and "skipped" in study:
        lines.append(f"study: not recomputed ({study['skipped']})")
    elif study:
        version = ("new version" if study["new_version"] else "unchanged since version")
        lines.append(f"study: {version} {study['study_id']}, {study['changes']} product "
                     f"change(s) since the previous version")
        lines += [f"  note: {note}" for note in study.get("notes", [])]
    watch = summary.get("watch")
    if watch:
        alerts = watch["alerts"]
        raised = ", ".join(f"{rule} {n}" for rule, n in alerts["raised"].items() if n)
        lines.append(f"watch: {sum(alerts['raised'].values())} alert(s) raised"
                     + (f" ({raised})" if raised else "")
                     + f", {alerts['cleared']} cleared, {alerts['open']} open")
        if (line := baselines.summary_line(alerts.get("baseline"))) is not None:
            lines.append(line)
    return lines


def markdown_summary(summary: dict[str, Any]) -> str:
    rows = ["| source | file | status | rows read | note |", "|---|---|---|---|---|"]
    for item in summary.get("inputs", []):
        note = (item.get("message") or "").replace("|", "\\|")
        rows.append(f"| {item['source']} | {item['file_name']} | {item['status']} | "
                    f"{item['rows_read']:,} | {note} |")
    failed = [v for v in summary.get("validation", []) if not v["passed"]]
    parts = [
        f"# {summary.get('kind', 'nightly').capitalize()} run `{summary['run_id']}`",
        f"**Status:** {STATUS_TEXT.get(summary['status'], summary['status'])}  ",
        f"**Home country:** {summary['home']}, years {summary['years'][0]}–{summary['years'][1]}",
        "",
        "## Inputs",
        *rows,
        "",
        "## Validation",
        "All batches passed." if not failed else
        "\n".join(f"- {v['file_name']}: {v['rows_rejected']} row(s) quarantined"
                  for v in failed),
        "",
        "## Study and watch",
        "\n".join(f"- {line.strip()}" for line in _refresh_lines(summary))
        or "Not refreshed (nothing changed).",
        "",
        f"Published database: `{summary.get('published_path')}`  ",
        "Reports: " + ", ".join(f"`{p}`" for p in summary.get("report_paths", [])),
    ]
    return "\n".join(parts)
