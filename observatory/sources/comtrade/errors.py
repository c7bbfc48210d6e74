"""Exceptions of the Comtrade connector, all `SourceError`s: one line, no key in them."""

from __future__ import annotations

from observatory.errors import SourceError


class QuotaExhausted(SourceError):
    """403 "Out of call volume quota": stop now; the remaining requests wait for the next run.

    `replenished_in` is the server's "HH:MM:SS" until the quota comes back, when it says so.
    """

    def __init__(self, message: str, replenished_in: str | None = None) -> None:
        super().__init__(message)
        self.replenished_in = replenished_in


class SourceUnavailable(SourceError):
    """The API kept failing (5xx, rate limit, connection error, timeout) after every retry."""


class RowCapReached(SourceError):
    """A request that cannot be split further still returns exactly the row cap."""
