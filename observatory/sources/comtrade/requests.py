"""The Comtrade ledgers' records: a planned request, and a dataset whose availability
changed. Plain data, shared by the planner and runner (`resources`) and the ledgers
(`state`)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from observatory.sources.comtrade import settings


@dataclass(frozen=True)
class ComtradeRequest:
    """One concrete API call: a path and its parameters (never the key)."""

    path: str
    params: tuple[tuple[str, str], ...]

    @property
    def request_id(self) -> str:
        """A stable id: the same path and parameters always give the same id."""
        canonical = json.dumps({"path": self.path, "params": dict(sorted(self.params))},
                               sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode("utf-8")).hexdigest()[:16]

    @property
    def params_dict(self) -> dict[str, str]:
        return dict(self.params)

    @property
    def row_cap(self) -> int:
        value = self.params_dict.get("maxRecords")
        return int(value) if value else settings.PREVIEW_ROW_CAP

    def values(self, name: str) -> list[str]:
        value = self.params_dict.get(name)
        return value.split(",") if value else []

    def with_values(self, name: str, values: Sequence[str]) -> ComtradeRequest:
        return ComtradeRequest(
            self.path,
            tuple((k, ",".join(values) if k == name else v) for k, v in self.params),
        )

    @classmethod
    def build(cls, path: str, params: Mapping[str, str]) -> ComtradeRequest:
        ordered = [(k, params[k]) for k in settings.PARAM_ORDER if k in params]
        ordered += sorted((k, v) for k, v in params.items() if k not in settings.PARAM_ORDER)
        return cls(path, tuple(ordered))


@dataclass(frozen=True)
class AvailabilityChange:
    """A dataset (reporter, period, classification) that is new or was republished."""

    reporter_code: int
    period: str
    classification_code: str
    fingerprint: str
    publication_date: str | None
    previous_fingerprint: str | None
