"""Data sources: one sub-package per source, each with the same shape.

- `client`: reads the source (an HTTP API through `observatory.sources.http`, or files in
  the source's own format);
- `settings`: names, URLs, file patterns, code lists;
- `resources`: how the source's records become rows (normalisation, raw loads);
- `source`: `SOURCE`, the source's declaration and stages (`observatory.sources.base.Source`:
  ingest, validate, merge), which `observatory.sources.registry` finds.

Shared by every source: `base` (what a source is), `batches` (landing, the gate and
quarantine, merges under the partition rule), `http` (the one HTTP client), `formats`
(file formats several sources read).
"""
