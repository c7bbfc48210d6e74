"""Former home of the texts and number formats, kept so that older imports still work:
the texts are now in `messages` (read from `messages/<lang>.toml`), the formats in
`formatting`. New code imports from those modules."""

from observatory.report.formatting import (
    DEFAULT_LANGUAGE,
    LANGUAGES,
    MISSING,
    NBSP,
    NNBSP,
    Formatter,
    check_language,
    format_date,
    format_datetime,
    format_decimal,
    format_integer,
    format_percent,
    format_signed,
    format_usd,
    format_years,
)
from observatory.report.texts import (
    COLUMN_PREFIX,
    MESSAGES,
    SOURCE_LABELS,
    code_label,
    column_label,
    source_label,
    status_label,
    translations,
)

# {column: {language: header}} of the study workbook (the messages wb_col_<column>).
COLUMN_LABELS: dict[str, dict[str, str]] = {
    key.removeprefix(COLUMN_PREFIX): texts
    for key, texts in MESSAGES.items()
    if key.startswith(COLUMN_PREFIX)
}

__all__ = [
    "COLUMN_LABELS",
    "DEFAULT_LANGUAGE",
    "LANGUAGES",
    "MESSAGES",
    "MISSING",
    "NBSP",
    "NNBSP",
    "SOURCE_LABELS",
    "Formatter",
    "check_language",
    "code_label",
    "column_label",
    "format_date",
    "format_datetime",
    "format_decimal",
    "format_integer",
    "format_percent",
    "format_signed",
    "format_usd",
    "format_years",
    "source_label",
    "status_label",
    "translations",
]
