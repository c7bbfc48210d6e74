"""Exception classes of the observatory; only the CLI turns them into one-line messages."""


class ObservatoryError(Exception):
    """Base class: every error the CLI reports as a one-line message."""


class ReferenceDataError(ObservatoryError):
    """Reference data (countries, HS nomenclature, sectors) is missing or inconsistent."""


class ConfigError(ObservatoryError):
    """The configuration file is missing, malformed, or holds an unknown code or a bad value."""


class SourceError(ObservatoryError):
    """A source file or answer cannot be read: it names the file, row and field when it can."""


class ValidationFailed(ObservatoryError):
    """A batch failed its validation gate; nothing of it was published."""


class WarehouseError(ObservatoryError):
    """The warehouse cannot be opened, migrated or published."""


class DamagedDatabase(WarehouseError):
    """A database file is damaged: it no longer matches its checksum manifest, or DuckDB
    finds it corrupt."""


class RunInProgress(WarehouseError):
    """Another run holds the warehouse: this one did nothing (not a failure of the job)."""


class ReadOnlyViolation(ObservatoryError):
    """A statement sent to the read-only SQL entry point would change the database."""


class QueryLimitReached(ObservatoryError):
    """A query of the SQL entry point was stopped by its time or memory limit ([sql])."""


class SourceUnavailable(SourceError):
    """A source kept failing (5xx, rate limit, connection error, timeout) after every retry
    its deadline allowed."""


class QuotaExhausted(SourceError):
    """403 "Out of call volume quota" of an API gateway: stop now; the remaining requests
    wait for the next run.

    `replenished_in` is the server's "HH:MM:SS" until the quota comes back, when it says so.
    """

    def __init__(self, message: str, replenished_in: str | None = None) -> None:
        super().__init__(message)
        self.replenished_in = replenished_in


class RowCapReached(SourceError):
    """A request that cannot be split further still returns exactly the row cap (Comtrade)."""
