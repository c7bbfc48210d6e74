"""ePing resources: normalise notifications, plan the incremental window, fetch it.

Two tables:
- `raw.eping_notifications`, one row per notification (key `notification_id`, merged: a
  re-fetched notification replaces its earlier row);
- `raw.eping_notification_products`, one row per notification and HS code, replaced per
  notification (a re-fetched notification that lost a code loses its row).

Symbol rule (`parse_symbol`). A WTO document symbol is a base notification
`G/<SPS|TBT>/N/<member>/<number>` followed by zero or more suffixes `Rev.n`, `Add.n`,
`Corr.n`, `Suppl.n`:
- `base_symbol` is the symbol up to its first suffix: the original notification that every
  follow-up document belongs to (`G/TBT/N/USA/1234/Rev.1/Add.1` -> `G/TBT/N/USA/1234`);
- `revision_kind` / `revision_number` come from the LAST suffix: what this document is
  (`…/Rev.1/Add.1` is addendum 1; `…/Add.2/Corr.1` is corrigendum 1);
- `parent_symbol` is the symbol minus its last suffix: the document this one directly
  amends (`…/Rev.1/Add.1` -> `…/Rev.1`, i.e. an addendum to revision 1); null for a base.
A symbol outside this grammar keeps itself as `base_symbol`, with a null kind.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, timedelta
from html.parser import HTMLParser
from typing import Any

import pandas as pd
import pycountry

from observatory.errors import ConfigError, SourceError
from observatory.reference.countries import match_country_name
from observatory.sources.base import Resource
from observatory.sources.eping import settings
from observatory.sources.eping.client import EpingClient

log = logging.getLogger(__name__)

EPING_NOTIFICATIONS = Resource(
    table="raw.eping_notifications",
    primary_key=("notification_id",),
    load_mode="merge",
)
EPING_NOTIFICATION_PRODUCTS = Resource(
    table="raw.eping_notification_products",
    primary_key=("notification_id", "hs_code"),
    load_mode="replace_partition",
    partition=("notification_id",),
)

_SUFFIX = re.compile(r"^(Rev|Add|Corr|Suppl)\.(\d+)$", re.IGNORECASE)
_SUFFIX_KIND = {"rev": "revision", "add": "addendum", "corr": "corrigendum",
                "suppl": "supplement"}
_BASE = re.compile(r"^G/(SPS|TBT)/N/[^/]+/\d+(?=/|$)", re.IGNORECASE)
_URL = re.compile(r"https?://[^\s,;\"'<>]+", re.IGNORECASE)
_ISO_DATE = re.compile(r"^(\d{4})-(\d{2})-(\d{2})")


# ---- document symbols ------------------------------------------------------------------------

def clean_symbol(raw: Any) -> str | None:
    """The symbol with every whitespace removed (`" G/SPS/N/KOR/1/Add. 2"` ->
    `"G/SPS/N/KOR/1/Add.2"`); None when empty."""
    if raw is None:
        return None
    text = re.sub(r"\s+", "", str(raw))
    return text or None


def parse_symbol(symbol: str) -> dict[str, Any]:
    """{base_symbol, parent_symbol, revision_kind, revision_number} by the module's rule."""
    empty = {"parent_symbol": None, "revision_kind": None, "revision_number": None}
    base = _BASE.match(symbol)
    if base is None:
        log.debug("document symbol outside the G/SPS|TBT/N grammar: %s", symbol)
        return {"base_symbol": symbol, **empty}
    rest = symbol[base.end():]
    if not rest:
        return {"base_symbol": symbol, **empty}
    suffixes = rest.lstrip("/").split("/")
    matches = [_SUFFIX.match(part) for part in suffixes]
    if not rest.startswith("/") or any(m is None for m in matches):
        log.debug("document symbol with an unknown suffix: %s", symbol)
        return {"base_symbol": base.group(0), **empty}
    last = matches[-1]
    assert last is not None
    return {
        "base_symbol": base.group(0),
        "parent_symbol": symbol.rsplit("/", 1)[0],
        "revision_kind": _SUFFIX_KIND[last.group(1).lower()],
        "revision_number": int(last.group(2)),
    }


def area_of(item_area: Any, symbol: str | None) -> str | None:
    """SPS or TBT: the item's `area`, else the symbol's `G/SPS/` or `G/TBT/` prefix."""
    if isinstance(item_area, str) and item_area.strip().upper() in settings.AREAS:
        return item_area.strip().upper()
    if symbol:
        for prefix, area in settings.DOCUMENT_SYMBOL_PREFIXES.items():
            if symbol.upper().startswith(prefix):
                return area
    return None


# ---- text ------------------------------------------------------------------------------------

class _TextExtractor(HTMLParser):
    """Collects the text of an HTML fragment; drops script/style content and all markup."""

    _SKIP = {"script", "style", "template", "noscript"}
    _BREAK = {"p", "br", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "ul", "ol",
              "table"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skipping = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in self._SKIP:
            self._skipping += 1
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag in self._SKIP:
            self._skipping = max(0, self._skipping - 1)
        elif tag in self._BREAK:
            self.parts.append(" ")

    def handle_data(self, data: str) -> None:
        if not self._skipping:
            self.parts.append(data)


def html_to_text(fragment: str) -> str:
    """Plain text of an HTML fragment: markup removed (never interpreted), script and style
    content dropped, entities decoded, whitespace folded to single spaces."""
    parser = _TextExtractor()
    parser.feed(fragment)
    parser.close()
    return " ".join("".join(parser.parts).split())


def plain_text(item: Mapping[str, Any], field: str) -> str | None:
    """`<field>Plain` when the API sent it, else `<field>` with its HTML removed."""
    plain = item.get(f"{field}Plain")
    if isinstance(plain, str) and plain.strip():
        # The *Plain fields are text already; folding their whitespace is all we do.
        return " ".join(plain.split())
    raw = item.get(field)
    if not isinstance(raw, str) or not raw.strip():
        return None
    return html_to_text(raw) or None


# ---- values ----------------------------------------------------------------------------------

def parse_date(value: Any, field: str, item_id: Any, *, strict: bool = False) -> date | None:
    """The date of an ISO timestamp (`2026-07-02T00:00:00+00:00` -> 2026-07-02).

    Empty -> None. Unreadable -> `SourceError` when `strict`, else None with a warning.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    found = _ISO_DATE.match(str(value).strip())
    try:
        if found:
            return date(int(found.group(1)), int(found.group(2)), int(found.group(3)))
    except ValueError:
        pass
    message = f"ePing notification {item_id}: {field} {str(value)[:40]!r} is not a date"
    if strict:
        raise SourceError(message)
    log.warning("%s; left empty", message)
    return None


def normalise_hs_code(code: Any, name: Any = None) -> str | None:
    """A 2-, 4- or 6-digit HS string from an `hsCodes[]` entry.

    Codes that lost their leading zero (`30617`, sent as a number or a string) get it back:
    the digits of `name` ("030617 - Frozen shrimps") are used when they are the same code,
    else an odd number of digits is padded with one zero. Longer national lines are cut to
    their HS6 heading. None when there are no digits.
    """
    digits = re.sub(r"\D", "", str(code)) if code is not None else ""
    if isinstance(name, str):
        named = re.match(r"\s*([\d.]+)", name)
        named_digits = re.sub(r"\D", "", named.group(1)) if named else ""
        if named_digits and (not digits or named_digits.lstrip("0") == digits.lstrip("0")):
            digits = named_digits
    if not digits:
        return None
    if len(digits) % 2:
        digits = "0" + digits
    return digits[:6]


def hs_codes_of(item: Mapping[str, Any]) -> list[str]:
    """The item's HS codes, normalised, deduplicated, in the API's order."""
    out: list[str] = []
    for entry in item.get("hsCodes") or []:
        if isinstance(entry, Mapping):
            code = normalise_hs_code(entry.get("code"), entry.get("name"))
        else:
            code = normalise_hs_code(entry)
        if code is None:
            log.warning("ePing notification %s: HS entry %r has no code", item.get("id"), entry)
        elif code not in out:
            out.append(code)
    return out


def names_of(values: Any) -> list[str]:
    """The `name`s of a list of `{name}` objects (plain strings accepted), deduplicated."""
    out: list[str] = []
    for value in values or []:
        name = value.get("name") if isinstance(value, Mapping) else value
        if isinstance(name, str):
            text = html_to_text(name)
            if text and text not in out:
                out.append(text)
    return out


def document_links(value: Any) -> list[str]:
    """The http(s) URLs of `notifiedDocumentLink` (separated by newlines, commas, spaces;
    an `<a href>` fragment works too), deduplicated, in order."""
    if not isinstance(value, str):
        return []
    out: list[str] = []
    for url in _URL.findall(value):
        url = url.rstrip(".")
        if url not in out:
            out.append(url)
    return out


def _bool(value: Any) -> bool | None:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return None


def member_iso3(name: Any) -> str | None:
    """ISO3 of an ePing member name ("Korea, Republic of" -> KOR); the EU -> `EUR`."""
    if not isinstance(name, str) or not name.strip():
        return None
    if name.strip().lower() in settings.EU_NAMES:
        return settings.EU_ISO3
    return match_country_name(name)


# ---- normalisation ---------------------------------------------------------------------------

def normalise_notification(item: Mapping[str, Any]) -> dict[str, Any]:
    """One ePing item as a row of `raw.eping_notifications` (see `settings.NOTIFICATION_COLUMNS`
    and `parent_symbol`). Raises `SourceError` when the item has no `id`."""
    item_id = item.get("id")
    if item_id is None or isinstance(item_id, bool) or not str(item_id).strip().isdigit():
        raise SourceError(f"ePing item without a numeric id (symbol "
                          f"{clean_symbol(item.get('documentSymbol'))!r})")
    symbol = clean_symbol(item.get("documentSymbol"))
    parsed = parse_symbol(symbol) if symbol else {
        "base_symbol": None, "parent_symbol": None, "revision_kind": None,
        "revision_number": None}
    member = item.get("notifyingMember")
    member = member.strip() if isinstance(member, str) and member.strip() else None
    link = item.get("linkToNotification")
    notification_type = item.get("notificationType")
    return {
        "notification_id": int(str(item_id).strip()),
        "symbol": symbol,
        **parsed,
        "area": area_of(item.get("area"), symbol),
        "notification_type": (str(notification_type).strip() or None
                              if notification_type is not None else None),
        "notifying_member": member,
        "notifying_iso3": member_iso3(member),
        "distribution_date": parse_date(item.get("distributionDate"), "distributionDate",
                                        item_id, strict=True),
        "comment_deadline": parse_date(item.get("commentDeadlineDate"),
                                       "commentDeadlineDate", item_id),
        "entry_into_force": parse_date(item.get("proposedEntryIntoForceDate"),
                                       "proposedEntryIntoForceDate", item_id),
        "title": plain_text(item, "title"),
        "description": plain_text(item, "description"),
        "products_text": plain_text(item, "productsFreeText"),
        "hs_codes": hs_codes_of(item),
        "objectives": names_of(item.get("objectives")),
        "keywords": names_of([*(item.get("spsKeywords") or []),
                              *(item.get("keywords") or [])]),
        "document_links": document_links(item.get("notifiedDocumentLink")),
        "link": link.strip() if isinstance(link, str) and link.strip() else None,
        "is_open_for_comments": _bool(item.get("isOpenForComments")),
    }


NOTIFICATION_FRAME_COLUMNS = list(settings.NOTIFICATION_COLUMNS)


def to_frames(items: Iterable[Mapping[str, Any]]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(notifications, notification_products) frames for the two resources.

    An id seen twice keeps its last item (pages can shift while a search is paged). Members
    without an ISO3 are logged once and listed in `notifications.attrs["unknown_members"]`.
    """
    rows: dict[int, dict[str, Any]] = {}
    for item in items:
        row = normalise_notification(item)
        rows[row["notification_id"]] = row
    notifications = pd.DataFrame(list(rows.values()), columns=NOTIFICATION_FRAME_COLUMNS)
    notifications["revision_number"] = notifications["revision_number"].astype("Int64")
    # Missing text stays None (not NaN), so that the warehouse reads NULL.
    text_columns = [c for c, t in settings.NOTIFICATION_COLUMNS.items() if t == "varchar"]
    notifications[text_columns] = notifications[text_columns].astype(object).where(
        notifications[text_columns].notna(), None)
    notifications["notification_id"] = notifications["notification_id"].astype("int64")
    products = pd.DataFrame(
        [{"notification_id": row["notification_id"], "symbol": row["symbol"],
          "hs_code": code, "hs_level": len(code)}
         for row in rows.values() for code in row["hs_codes"]],
        columns=list(settings.PRODUCT_COLUMNS),
    ).astype({"notification_id": "int64", "hs_level": "int64"})
    unknown = sorted({r["notifying_member"] for r in rows.values()
                      if r["notifying_member"] and r["notifying_iso3"] is None})
    if unknown:
        log.warning("ePing members without an ISO3 code: %s", "; ".join(unknown))
    notifications.attrs["unknown_members"] = unknown
    return notifications, products


# ---- incremental fetch -----------------------------------------------------------------------

def plan_window(last_distribution_date: date | None, today: date, overlap_days: int = 7,
                initial_days: int = settings.INITIAL_LOOKBACK_DAYS) -> tuple[date, date]:
    """(from, to) distribution dates to fetch, both inclusive.

    From `overlap_days` before the last distribution date already stored (late-published
    notifications and corrections are fetched again and merged), or `initial_days` back on a
    first run; never after `today`. To is `today`.
    """
    if overlap_days < 0 or initial_days < 0:
        raise ConfigError("plan_window: overlap_days and initial_days must be >= 0")
    if last_distribution_date is None:
        return today - timedelta(days=initial_days), today
    start = min(last_distribution_date, today) - timedelta(days=overlap_days)
    return start, today


def fetch_since(client: EpingClient, date_from: date, date_to: date,
                country_ids: Sequence[str] | None = None,
                page_size: int = settings.DEFAULT_PAGE_SIZE) -> list[dict[str, Any]]:
    """Every notification distributed from `date_from` to `date_to` (inclusive), all pages,
    optionally for some ePing member ids (`C504`, `U918`, ...); duplicates across pages
    dropped (first kept)."""
    if date_from > date_to:
        raise ConfigError(f"fetch_since: {date_from} is after {date_to}")
    params: dict[str, Any] = {
        "distributionDateFrom": date_from.isoformat(),
        "distributionDateTo": date_to.isoformat(),
        "pageSize": page_size,
    }
    if country_ids:
        params["countryIds"] = list(country_ids)
    seen: set[Any] = set()
    out: list[dict[str, Any]] = []
    for item in client.search_all(params):
        key = item.get("id")
        if key is not None and key in seen:
            continue
        seen.add(key)
        out.append(item)
    log.info("ePing: %d notifications distributed %s..%s", len(out), date_from, date_to)
    return out


# ---- member ids (unverified pattern) ---------------------------------------------------------

def eping_member_id(iso3: str) -> str:
    """The ePing member id of a country: "C" + ISO numeric (MAR -> C504); the EU -> U918.

    UNVERIFIED: the pattern is inferred from C156 (China) and C840 (USA) in third-party
    clients (reference notes C5); check against `GET /members` before relying on it.
    """
    code = iso3.strip().upper()
    if code in (settings.EU_ISO3, "EU", "EUU"):
        return settings.EU_MEMBER_ID
    country = pycountry.countries.get(alpha_3=code)
    if country is None:
        raise ConfigError(f"no ISO 3166 country with the code {iso3!r}")
    return f"{settings.COUNTRY_ID_PREFIX}{int(country.numeric):03d}"


def eping_member_ids(iso3_codes: Iterable[str], include_eu_for: Iterable[str] = ()) -> list[str]:
    """Member ids of `iso3_codes`, plus U918 when one of them is in `include_eu_for` (EU
    members: the EU notifies for them). Order kept, duplicates dropped."""
    eu = {c.upper() for c in include_eu_for}
    out: list[str] = []
    for code in iso3_codes:
        ids = [eping_member_id(code)]
        if code.upper() in eu:
            ids.append(settings.EU_MEMBER_ID)
        out.extend(i for i in ids if i not in out)
    return out
