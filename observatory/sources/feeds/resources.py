"""Feed resources: items into `raw.feed_items`, keyword matches into `raw.feed_item_hs`.

- `raw.feed_items` (key `feed, item_id`, merge): one row per item; a re-read item replaces
  its earlier row (feeds repeat their recent items on every read).
- `raw.feed_item_hs` (key `feed, item_id, hs_prefix`; replaced per item): the HS prefixes an
  item is matched to by its feed's keyword rules, with the text that matched.
- `raw.feed_markets` (key `feed, market_iso3`; replaced per feed): the markets a feed
  concerns, from its settings.

Matching ignores case and accents on both sides: `Clémentines` matches the rule
`clementine`, and `CLEMENTINES` matches `clémentine`. Everything here is plain pandas and
runs without Prefect or the warehouse.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict

import pandas as pd

from observatory.config import HttpConfig
from observatory.sources.base import Resource
from observatory.sources.feeds import settings
from observatory.sources.feeds.client import FeedBatch, FeedClient, FeedItem
from observatory.sources.feeds.settings import FeedSettings

FEED_ITEMS = Resource(table="raw.feed_items", primary_key=("feed", "item_id"),
                      load_mode="merge")
FEED_ITEM_HS = Resource(table="raw.feed_item_hs",
                        primary_key=("feed", "item_id", "hs_prefix"),
                        load_mode="replace_partition", partition=("feed", "item_id"))
FEED_MARKETS = Resource(table="raw.feed_markets", primary_key=("feed", "market_iso3"),
                        load_mode="replace_partition", partition=("feed",))

ITEM_COLUMNS = list(settings.ITEM_COLUMNS)
MATCH_COLUMNS = list(settings.MATCH_COLUMNS)

CompiledRules = list[tuple[re.Pattern[str], tuple[str, ...]]]


def fold(text: str) -> str:
    """Lower case without accents (`Clémentines` -> `clementines`), for matching only."""
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()


def compile_rules(rules: Mapping[str, Sequence[str]]) -> CompiledRules:
    """Keyword rules (pattern -> HS prefixes), folded and compiled, in their order.

    Validate untrusted rules through `FeedSettings` first: it names the bad key.
    """
    return [(re.compile(fold(pattern), re.IGNORECASE), tuple(str(c) for c in codes))
            for pattern, codes in rules.items()]


def match_items(items: Iterable[FeedItem],
                rules: Mapping[str, Sequence[str]] | CompiledRules) -> pd.DataFrame:
    """One row per item and HS prefix its title + summary match: [feed, item_id, hs_prefix,
    keyword]. `keyword` is the first text that matched for that prefix (folded). A prefix
    reached by several rules appears once, from the first rule in configuration order."""
    compiled = compile_rules(rules) if isinstance(rules, Mapping) else rules
    rows: list[dict[str, str]] = []
    for item in items:
        text = fold(f"{item.title}\n{item.summary}")
        seen: set[str] = set()
        for pattern, codes in compiled:
            found = pattern.search(text)
            if found is None:
                continue
            for code in codes:
                if code not in seen:
                    seen.add(code)
                    rows.append({"feed": item.feed, "item_id": item.item_id,
                                 "hs_prefix": code, "keyword": found.group(0)})
    return pd.DataFrame(rows, columns=MATCH_COLUMNS).astype("string")


def items_frame(items: Iterable[FeedItem]) -> pd.DataFrame:
    """The rows of `raw.feed_items` (categories as a list, `published_at` in UTC)."""
    records = []
    for item in items:
        record = asdict(item)
        record["categories"] = list(item.categories)
        records.append(record)
    frame = pd.DataFrame(records, columns=ITEM_COLUMNS)
    frame["published_at"] = pd.to_datetime(frame["published_at"], utc=True)
    return frame


def markets_frame(feeds: Iterable[FeedSettings]) -> pd.DataFrame:
    """The rows of `raw.feed_markets`: [feed, market_iso3]."""
    rows = [{"feed": f.name, "market_iso3": m} for f in feeds for m in f.markets]
    return pd.DataFrame(rows, columns=["feed", "market_iso3"]).astype("string")


def read_feed(feed: FeedSettings, client: FeedClient | None = None,
              http: HttpConfig | None = None) -> tuple[FeedBatch, pd.DataFrame, pd.DataFrame]:
    """Read one feed: its batch (with notes), its items frame and its matches frame.
    `http`: the shared `[http]` settings of a new client (when `client` is None)."""
    batch = (client or FeedClient(http=http)).read(feed)
    return batch, items_frame(batch.items), match_items(batch.items, feed.keywords)
