"""Data sources: one sub-package per source, each with the same shape.

- `client`: reads the source (an HTTP API or files in the source's own format);
- `settings`: names, URLs, file patterns, code lists;
- `resources`: one per target table, each declaring its key and load mode (`Resource`).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Resource:
    """A target table filled by a source, with its key and how a batch is loaded into it.

    load_mode: "replace_partition" replaces the rows of the batch's partition (e.g. one source
    year) in one transaction; "merge" upserts on the key; "append" adds rows.
    """

    table: str
    primary_key: tuple[str, ...]
    load_mode: str
    partition: tuple[str, ...] = ()
