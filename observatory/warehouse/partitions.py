"""What a batch does to the partitions it replaces, and the rule that refuses silent deletions.

A batch of BACI, Comtrade, an analyst's file or a tariff file replaces whole partitions of
core (a BACI year; a reporter's flow, frequency and year; an importer's tariff year). Before
it is merged, each partition's rows before and after are compared on the partition's key:
rows *replaced* (a key present before and after), *added* (a new key) and *deleted* (a key
the batch does not bring again). Every ingest reports these counts.

The rule (README, "How a run works"): a batch is **refused**, and core and the published
database stay exactly as they were, when

- it holds no rows at all (a header-only or empty file), or
- in any partition it replaces it would delete more than `validation.max_deleted_share` of
  the rows there, or leave fewer than (1 − `max_deleted_share`) of the partition's partners
  (the other countries of its flows): a subset of an earlier file, a partial download, a
  file of one partner given in place of a file of all of them.

Saying so explicitly lets it through: `--allow-deletions` on `observatory nightly` and
`observatory ingest file`, or `allow_deletions = true` in a file profile. A refused batch is
settled as `refused` (not read again while its file is unchanged); with the flag it is read
again and merged.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any

import duckdb

from observatory.errors import SourceError

DEFAULT_MAX_DELETED_SHARE = 0.5


@dataclass(frozen=True)
class PartitionChange:
    """One partition a batch replaces: its rows and partners before and after."""

    table: str
    partition: str
    rows_before: int
    rows_after: int
    replaced: int
    partners_before: int
    partners_after: int

    @property
    def added(self) -> int:
        return self.rows_after - self.replaced

    @property
    def deleted(self) -> int:
        return self.rows_before - self.replaced

    def as_dict(self) -> dict[str, Any]:
        return {**asdict(self), "added": self.added, "deleted": self.deleted}


@dataclass
class ChangeReport:
    """Every partition a batch replaces, and how many rows of each earlier batch it removes."""

    changes: list[PartitionChange] = field(default_factory=list)
    removed_by_batch: dict[str, int] = field(default_factory=dict)

    @property
    def rows_after(self) -> int:
        return sum(c.rows_after for c in self.changes)

    def totals(self) -> dict[str, int]:
        return {"added": sum(c.added for c in self.changes),
                "replaced": sum(c.replaced for c in self.changes),
                "deleted": sum(c.deleted for c in self.changes),
                "partitions": len(self.changes)}

    def refusal(self, max_deleted_share: float) -> str | None:
        """Why the rule refuses this batch (one line), or None."""
        if self.rows_after == 0:
            before = sum(c.rows_before for c in self.changes)
            what = f"; it would delete the {before:,} rows there" if before else ""
            return f"holds no data rows{what}"
        for c in self.changes:
            if c.rows_before and c.deleted > max_deleted_share * c.rows_before:
                return (f"would delete {c.deleted:,} of the {c.rows_before:,} rows of "
                        f"{c.table} {c.partition} (keeping {c.replaced:,}, adding "
                        f"{c.added:,}): more than {max_deleted_share:.0%}")
            if (c.partners_before and
                    c.partners_after < (1 - max_deleted_share) * c.partners_before):
                return (f"would leave {c.partners_after} of the {c.partners_before} partners "
                        f"of {c.table} {c.partition} ({c.rows_before:,} rows before, "
                        f"{c.rows_after:,} after)")
        return None

    def summary(self) -> str:
        t = self.totals()
        return (f"{t['added']:,} added, {t['replaced']:,} replaced, {t['deleted']:,} deleted "
                f"in {t['partitions']} partition(s)")


class PartitionRefused(SourceError):
    """A batch would delete rows it does not bring again; nothing of it was merged."""

    def __init__(self, message: str, report: ChangeReport) -> None:
        super().__init__(message)
        self.report = report


def measure(con: duckdb.DuckDBPyConnection, table: str, old_sql: str, new_sql: str,
            params: dict[str, Any], report: ChangeReport | None = None) -> ChangeReport:
    """Compare the rows a batch replaces with those it brings, partition by partition.

    `old_sql` and `new_sql` (named statements of `sql/core/merges/`) each select `part` (a
    readable partition name), `partner` (the other country of the flow, or null), `key` (a
    hash of the row's key within its partition) and `batch_id`; `params` binds their `$names`.
    Keys are unique on each side (the gate checks the batch's; core's follow from its loads).
    """
    report = report or ChangeReport()
    query = f"""
        with old as ({old_sql}),
        new as ({new_sql}),
        o as (select part, count(*) as n, count(distinct partner) as p from old group by part),
        n as (select part, count(*) as n, count(distinct partner) as p from new group by part),
        m as (select part, count(*) as n from old join new using (part, key) group by part)
        select part, coalesce(o.n, 0), coalesce(n.n, 0), coalesce(m.n, 0), coalesce(o.p, 0),
               coalesce(n.p, 0)
        from o full join n using (part) left join m using (part)
        order by part
        """
    rows = con.execute(query, _used(query, params)).fetchall()
    report.changes += [PartitionChange(table, str(part), int(before), int(after),
                                       int(kept), int(partners_before), int(partners_after))
                       for part, before, after, kept, partners_before, partners_after in rows]
    by_batch = f"select batch_id, count(*) from ({old_sql}) group by batch_id"
    for batch_id, n in con.execute(by_batch, _used(by_batch, params)).fetchall():
        report.removed_by_batch[batch_id] = report.removed_by_batch.get(batch_id, 0) + int(n)
    return report


def _used(sql: str, params: dict[str, Any]) -> dict[str, Any]:
    """The parameters a statement names (DuckDB refuses the others)."""
    import re

    named = set(re.findall(r"\$([a-z_][a-z0-9_]*)", sql))
    return {k: v for k, v in params.items() if k in named}


def enforce(report: ChangeReport, *, max_deleted_share: float, allow_deletions: bool,
            what: str) -> None:
    """Raise `PartitionRefused` when the rule refuses the batch (`what` names it)."""
    if allow_deletions:
        return
    reason = report.refusal(max_deleted_share)
    if reason is not None:
        raise PartitionRefused(
            f"{what}: refused: it {reason}; nothing was merged (to replace the data anyway, "
            "run again with --allow-deletions)", report)


def settle_replaced(con: duckdb.DuckDBPyConnection, report: ChangeReport,
                    batch_id: str) -> list[str]:
    """After a merge: what is left in core of each earlier batch whose rows it removed
    (`ops.load_ledger.rows_live`); a batch with nothing left is `replaced`. Returns those."""
    replaced = []
    for other, removed in sorted(report.removed_by_batch.items()):
        if other == batch_id:
            continue
        row = con.execute(
            "update ops.load_ledger set rows_live = greatest(coalesce(rows_live, rows_loaded, 0)"
            " - ?, 0) where batch_id = ? returning rows_live, status", [removed, other]
        ).fetchall()
        if row and row[0][0] == 0 and row[0][1] in ("merged", "published"):
            con.execute("update ops.load_ledger set status = 'replaced', message = "
                        "concat_ws('; ', message, ?) where batch_id = ?",
                        [f"replaced by batch {batch_id}", other])
            replaced.append(other)
    return replaced


@dataclass(frozen=True)
class Guard:
    """The partition rule's settings for a run: the share of a partition's rows (and
    partners) a batch may delete, and whether the user allowed deletions explicitly."""

    max_deleted_share: float = DEFAULT_MAX_DELETED_SHARE
    allow_deletions: bool = False

    def check(self, report: ChangeReport, what: str) -> None:
        enforce(report, max_deleted_share=self.max_deleted_share,
                allow_deletions=self.allow_deletions, what=what)


def record(con: duckdb.DuckDBPyConnection, report: ChangeReport, batch_id: str, run_id: str,
           outcome: str) -> None:
    """Keep the report in `ops.partition_changes` (outcome: merged or refused)."""
    from observatory.warehouse.ledger import now

    con.execute("delete from ops.partition_changes where batch_id = ?", [batch_id])
    if report.changes:
        con.executemany(
            "insert into ops.partition_changes values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [[batch_id, run_id, c.table, c.partition, c.rows_before, c.rows_after, c.replaced,
              c.added, c.deleted, c.partners_before, c.partners_after, outcome, now()]
             for c in report.changes])
