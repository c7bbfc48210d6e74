"""Which publication the reports in `report.dir` were rendered from.

The published database and the reports are swapped one after the other; a run killed
between the two swaps leaves a new database beside the old reports. The manifest
(`report.dir/.reports.json`, written last) names the run whose database the reports show and
the files; a later run compares it with the published database and renders the reports
again when they differ, even when no input changed.
"""

from __future__ import annotations

import json
from pathlib import Path

MANIFEST = ".reports.json"
INDEX = {"fr": "index.html", "en": "index.en.html"}


def write(report_dir: Path, run_id: str, paths: list[Path], langs: tuple[str, ...]) -> Path:
    """Record that `paths` (in report_dir) show run `run_id`'s database."""
    path = report_dir / MANIFEST
    previous = read(report_dir)
    kept_langs = set(langs)
    if previous and previous.get("run_id") == run_id:
        kept_langs |= set(previous.get("langs", []))
    body = {"run_id": run_id, "langs": sorted(kept_langs),
            "files": sorted({p.name for p in paths}
                            | (set(previous.get("files", [])) if previous
                               and previous.get("run_id") == run_id else set()))}
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(body, indent=2), encoding="utf-8")
    tmp.replace(path)
    return path


def read(report_dir: Path) -> dict[str, object] | None:
    try:
        body = json.loads((report_dir / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    return body if isinstance(body, dict) else None


def stale(report_dir: Path, published_run: str | None, langs: tuple[str, ...]) -> str | None:
    """Why the reports are not those of the published database (None: they are, or nothing
    is published yet)."""
    if published_run is None:
        return None
    manifest = read(report_dir)
    if manifest is None:
        return "no record of which publication the reports show"
    if manifest.get("run_id") != published_run:
        return (f"the reports show run {manifest.get('run_id')}, the published database is "
                f"run {published_run}")
    files = manifest.get("files")
    missing = [name for name in (files if isinstance(files, list) else [])
               if not (report_dir / str(name)).is_file()]
    missing += [INDEX[lang] for lang in langs if lang in INDEX
                and not (report_dir / INDEX[lang]).is_file() and INDEX[lang] not in missing]
    if missing:
        return f"report file(s) missing: {', '.join(missing[:5])}"
    return None
