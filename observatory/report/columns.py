"""What a table shown to readers is made of: columns with a label, a unit and a sort.

A `Table` declares, once, the rows a page table or a workbook sheet shows: the warehouse
table they come from (named in the page's caption and in the workbook), the columns in
order, and the sort. A `Column` names its field in the rows, the message key of its
header and its `Unit`. The unit says how a value reads everywhere: in a page (through the
`Formatter` of the page's language) and in a workbook cell (an Excel number format).
The declarations themselves are in `observatory.report.catalogue`.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from functools import cached_property
from typing import Any, Literal

from observatory.report.formatting import MISSING, Formatter
from observatory.report.sources import feeds_text, reason_text, source_name
from observatory.report.texts import code_label

UnitKind = Literal[
    "text",  # free text; a missing value shows as a dash
    "code",  # a code (HS, ISO3), in the page's code style
    "label",  # a code shown by its translation, the messages `<prefix>_<code>`
    "source",  # a ledger source ('baci', 'file:<profile>'), shown by its display name
    "reason",  # a reason of mart.input_coverage, translated
    "feeds",  # the indicators mart.input_coverage says an input feeds, translated
    "plain",  # a number shown as stored: years, ranks
    "integer",  # a count with thousands separators
    "decimal",  # a number with `decimals` digits: indices, ratios
    "usd",  # an amount in US dollars, with its unit (k, M, Md/bn)
    "percent",  # a fraction shown as a percentage
    "rate",  # a value already in percent (tariffs in % ad valorem, growth in %)
    "signed",  # a change, with its sign: share points
    "date",
    "datetime",
]
# Numbers are right-aligned in pages; dates read as text.
NUMERIC = frozenset({"plain", "integer", "decimal", "usd", "percent", "rate", "signed"})
TEXTUAL = frozenset({"text", "code", "label", "source", "reason", "feeds"})
# Units whose values a page or a workbook shows translated (codes and fixed texts).
TRANSLATED = frozenset({"label", "source", "reason", "feeds"})
_TRANSLATORS: dict[str, Callable[[Any, Mapping[str, str]], str]] = {
    "source": source_name,
    "reason": reason_text,
    "feeds": feeds_text,
}


@dataclass(frozen=True)
class Unit:
    kind: UnitKind
    decimals: int = 0
    prefix: str | None = None  # "label": the message family of the codes
    default: str | None = None  # "label": the code a missing value stands for

    @property
    def numeric(self) -> bool:
        return self.kind in NUMERIC

    @property
    def textual(self) -> bool:
        """Whether the values are text (a workbook gives them narrower columns)."""
        return self.kind in TEXTUAL

    @property
    def excel_format(self) -> str | None:
        """The Excel number format of the unit (None: a text column)."""
        if self.kind in ("usd", "integer"):
            return "#,##0"
        if self.kind == "plain":
            return "0"
        if self.kind == "percent":
            return "0." + "0" * self.decimals + "%" if self.decimals else "0%"
        if self.kind in ("decimal", "rate", "signed"):
            return "0." + "0" * self.decimals if self.decimals else "0"
        return None

    def page_text(self, value: Any, fmt: Formatter, messages: Mapping[str, str]) -> str:
        """The value as a page shows it, in the formatter's language."""
        kind = self.kind
        if kind in ("text", "code"):
            return MISSING if value is None or value == "" else str(value)
        if kind == "label":
            assert self.prefix is not None
            return code_label(self.prefix, value or self.default, messages)
        if kind in _TRANSLATORS:
            return _TRANSLATORS[kind](value, messages)
        if kind == "plain":
            return MISSING if value is None else str(value)
        if kind == "integer":
            return fmt.integer(value)
        if kind == "decimal":
            return fmt.decimal(value, self.decimals)
        if kind == "usd":
            return fmt.usd(value)
        if kind == "percent":
            return fmt.percent(value, self.decimals)
        if kind == "rate":
            return fmt.rate(value, self.decimals)
        if kind == "signed":
            return fmt.signed(value, self.decimals)
        if kind == "date":
            return fmt.date_only(value)
        return fmt.date_time(value)

    def workbook_value(self, value: Any, messages: Mapping[str, str]) -> Any:
        """The value a workbook cell holds: coded values translated, the others as stored."""
        if self.kind == "label" and value:
            assert self.prefix is not None
            return code_label(self.prefix, value, messages)
        if self.kind in _TRANSLATORS and value:
            return _TRANSLATORS[self.kind](value, messages)
        return value


TEXT = Unit("text")
CODE = Unit("code")
PLAIN = Unit("plain")
YEAR = PLAIN
INTEGER = Unit("integer")
USD = Unit("usd")
DATE = Unit("date")
DATETIME = Unit("datetime")
SOURCE = Unit("source")
REASON = Unit("reason")
FEEDS = Unit("feeds")


def label(prefix: str, default: str | None = None) -> Unit:
    return Unit("label", prefix=prefix, default=default)


def decimal(decimals: int) -> Unit:
    return Unit("decimal", decimals)


def percent(decimals: int = 1) -> Unit:
    return Unit("percent", decimals)


def rate(decimals: int = 1) -> Unit:
    return Unit("rate", decimals)


def signed(decimals: int = 2) -> Unit:
    return Unit("signed", decimals)


@dataclass(frozen=True)
class Column:
    """One column: `key` names it in its table; `field` is the row's field it shows
    (default: `key`); `label` is the message key of its header.

    Pages only: `row_header` draws the cell as the row's header; `css` replaces the cell's
    class (by default "num" for numbers, "code" for codes); `custom` leaves the cell to the
    page's template (links, tags, several values in one cell). Workbooks only: `wide` gives
    long text a wide column; `derived` marks a column the sheet's query adds to its table.
    """

    key: str
    label: str
    unit: Unit
    field: str = ""
    row_header: bool = False
    css: str | None = None
    custom: bool = False
    wide: bool = False
    derived: bool = False

    def __post_init__(self) -> None:
        if not self.field:
            object.__setattr__(self, "field", self.key)

    @property
    def numeric(self) -> bool:
        """Whether the page right-aligns the column (its header and cells)."""
        return "num" in self.cell_class.split()

    @cached_property  # read for every cell of a page
    def cell_class(self) -> str:
        if self.css is not None:
            return self.css
        if self.unit.kind == "signed":
            return "num change"
        if self.unit.numeric:
            return "num"
        return "code" if self.unit.kind == "code" else ""


@dataclass(frozen=True)
class Table:
    """A table shown to readers. `key` is the page table's id (or the workbook sheet's
    name); `source` the warehouse table(s) its rows come from; `order` its sort, as SQL
    order-by terms on its columns; `css` the page table's classes."""

    key: str
    source: str
    columns: tuple[Column, ...]
    order: tuple[str, ...] = ()
    css: str = "data"

    def __post_init__(self) -> None:
        keys = [c.key for c in self.columns]
        if len(set(keys)) != len(keys):
            raise ValueError(f"table {self.key}: a column is declared twice")

    @property
    def fields(self) -> list[str]:
        """The fields the rows carry, in the order of the columns, each once."""
        return list(dict.fromkeys(c.field for c in self.columns))

    def without(self, *keys: str) -> Table:
        """The table without some columns (a page that does not show them)."""
        unknown = set(keys) - {c.key for c in self.columns}
        if unknown:
            raise KeyError(f"table {self.key} has no column {sorted(unknown)}")
        return replace(self, columns=tuple(c for c in self.columns if c.key not in keys))

    def order_by(self, prefix: str = "") -> str:
        """` order by ...` of the declared sort ('' when there is none)."""
        return f" order by {', '.join(prefix + term for term in self.order)}" if self.order else ""


def sql_list(values: tuple[str, ...]) -> str:
    """A list literal of codes (written in code, never from input) for an order-by term."""
    return "[" + ", ".join(f"'{v}'" for v in values) + "]"


CellText = Callable[[Column, Any], str]


def cell_text(fmt: Formatter, messages: Mapping[str, str]) -> CellText:
    """The function templates call to show a value of a column, in one language."""

    def show(column: Column, value: Any) -> str:
        return column.unit.page_text(value, fmt, messages)

    return show
