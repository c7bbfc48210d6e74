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


class ReadOnlyViolation(ObservatoryError):
    """A statement sent to the read-only SQL entry point would change the database."""
