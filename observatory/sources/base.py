"""What every source is: its declaration, and what its stages hand on.

A source is one folder of `observatory/sources/` whose `source.py` defines `SOURCE`, an
instance of a `Source` subclass; `observatory.sources.registry` finds them. A source
declares its name, its group (the scheduled deployments run the trade or the regulatory
sources), its raw tables and the core tables it fills (`Resource`: key and load mode), and
implements three stages over a `RunContext`:

- `ingest`: discover what is new this run (files matched by the configuration's globs,
  API requests), land each input under `warehouse.raw_dir` and load it into raw, one batch
  per input; an input that cannot be read is a failed `InputOutcome` with its reason;
- `validate`: the batch's Great Expectations suite (and SQL checks), failing rows to
  quarantine (`observatory.sources.batches.run_gate`);
- `merge`: the validated batch into core, under the partition rule
  (`observatory.sources.batches.merge_batch`), its SQL in `sql/core/merges/`.

A source may also take files given to `observatory ingest file --profile NAME`
(`handles_profile`, `ingest_file`).
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, ClassVar

from observatory.config import Config
from observatory.orchestration import SEQUENTIAL, Fetches

GROUPS = {"trade": "trade statistics", "regulatory": "regulatory and market-access sources"}


@dataclass(frozen=True)
class Resource:
    """A target table filled by a source, with its key and how a batch is loaded into it.

    load_mode: "replace_partition" replaces the rows of the batch's partitions (e.g. one
    source year) under the partition rule; "merge_history" merges by id and keeps earlier
    versions; "replace_by_key" replaces rows of the keys the batch brings.
    """

    table: str
    primary_key: tuple[str, ...]
    load_mode: str
    partition: tuple[str, ...] = ()


@dataclass
class InputOutcome:
    """What happened to one input (a file, an API answer) in this run.

    `source` is the ledger's source of the batch (`file:<profile>` for analysts' files);
    `handler` the registered source whose gate and merge it goes through (its name by
    default)."""

    source: str
    file_name: str
    status: str  # loaded | unchanged | failed | rejected | refused
    batch_id: str | None = None
    release: str | None = None
    hs_revision: str | None = None
    year: int | None = None
    rows_read: int = 0
    is_synthetic: bool = False
    previous_status: str | None = None
    message: str | None = None
    # What the merge did to the partitions the batch replaces (rows added, replaced,
    # deleted, per partition): `observatory.warehouse.partitions`.
    changes: dict[str, Any] | None = None
    handler: str | None = None

    def __post_init__(self) -> None:
        if self.handler is None:
            self.handler = self.source


@dataclass
class BatchVerdict:
    """The gate's verdict on one batch, with the failed checks and the located defects."""

    batch_id: str
    file_name: str
    passed: bool
    rows_rejected: int
    failed_checks: list[dict[str, Any]] = field(default_factory=list)
    defects: list[dict[str, Any]] = field(default_factory=list)


@dataclass(frozen=True)
class MergeResult:
    """What merging a validated batch did: `merged` (rows now in core), `refused` (the
    partition rule: nothing changed) or `failed` (its data cannot be merged: nothing
    changed), with a one-line message and the partition changes."""

    status: str
    rows: int
    message: str | None = None
    changes: dict[str, Any] | None = None

    def apply(self, outcome: InputOutcome) -> None:
        """Carry the merge's outcome into the input's (the run summary reads it)."""
        outcome.changes = self.changes
        if self.status != "merged":
            outcome.status, outcome.message = self.status, self.message


@dataclass(frozen=True)
class RunContext:
    """What a stage of a run needs: the configuration, the run's id, and how network
    fetches run (one at a time here; Prefect tasks on threads or Dask in the flow)."""

    cfg: Config
    run_id: str
    fetches: Fetches = SEQUENTIAL


class Source:
    """The base of every source; subclasses declare the class variables and implement the
    stages they have."""

    name: ClassVar[str]
    label: ClassVar[str]  # for people: "CEPII BACI"
    group: ClassVar[str]  # a key of GROUPS
    order: ClassVar[int]  # the nightly job ingests sources in this order
    raw_tables: ClassVar[tuple[str, ...]] = ()
    resources: ClassVar[tuple[Resource, ...]] = ()
    # Network fetch functions (submitted through `RunContext.fetches`) and the name of the
    # Prefect task each becomes in the flow.
    fetchers: ClassVar[dict[str, str]] = {}
    # Profiles of `observatory ingest file` that are this source's own format.
    profiles: ClassVar[tuple[str, ...]] = ()
    # Whether its batches feed the trade marts, the study and the watch's trade marts (a
    # run whose new batches all come from sources that do not skips those steps).
    feeds_trade_marts: ClassVar[bool] = True
    # Whether the nightly job reads it (analysts' files come only through `ingest file`).
    scheduled: ClassVar[bool] = True

    def enabled(self, cfg: Config) -> bool:
        """Whether the configuration asks the nightly job to read this source."""
        return True

    def needs_fetches(self, cfg: Config) -> bool:
        """Whether this run fetches from the network (the flow then starts a task runner)."""
        return False

    def without(self, cfg: Config) -> Config:
        """The configuration with this source turned off (a run of the other group)."""
        return cfg

    def ingest(self, run: RunContext) -> list[InputOutcome]:
        """Discover, land and load into raw what is new this run."""
        return []

    def handles_profile(self, cfg: Config, profile: str) -> bool:
        """Whether `observatory ingest file --profile <profile>` goes through this source."""
        return profile in self.profiles

    def ingest_file(self, run: RunContext, path: Path, profile: str) -> InputOutcome:
        raise NotImplementedError(f"{self.name} takes no file through a profile")

    def validate(self, run: RunContext, outcome: InputOutcome) -> BatchVerdict:
        raise NotImplementedError(f"{self.name}: no gate")

    def settle_abandoned(self, con: Any, batch_ids: list[str]) -> None:
        """Batches a killed run left unsettled (of any source) were marked failed; a source
        with its own ledger (Comtrade's requests) brings it in line here."""

    def merge(self, run: RunContext, outcome: InputOutcome) -> Any:
        raise NotImplementedError(f"{self.name}: no merge")


def without_paths(cfg: Config, section: str, **fields: Any) -> Config:
    """`cfg` with fields of one source section replaced (a source turned off)."""
    return replace(cfg, **{section: replace(getattr(cfg, section), **fields)})
