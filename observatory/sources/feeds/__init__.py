"""RSS 2.0 and Atom 1.0 feeds (news, alerts, regulators' announcements), read safely.

Our own small reader on `requests` and `defusedxml` (`client`): a size limit enforced while
streaming, item and field-length limits, no entity expansion and no DTD retrieval, titles
kept as literal text and summaries converted from HTML to plain text, http/https links only.
The feed names, limits and validated per-feed settings (`settings`), and the resources that
fill `raw.feed_items`, `raw.feed_item_hs` (keyword rules -> HS prefixes, accent- and
case-insensitive) and `raw.feed_markets` (`resources`). Which feeds and markets to follow is
the configuration's choice; nothing here names a home country.
"""

from observatory.sources.feeds.client import FeedBatch, FeedClient, FeedItem, parse_feed
from observatory.sources.feeds.resources import (
    FEED_ITEM_HS,
    FEED_ITEMS,
    FEED_MARKETS,
    items_frame,
    match_items,
    read_feed,
)
from observatory.sources.feeds.settings import FeedLimits, FeedSettings, feeds_from_config

__all__ = [
    "FEED_ITEMS", "FEED_ITEM_HS", "FEED_MARKETS", "FeedBatch", "FeedClient", "FeedItem",
    "FeedLimits", "FeedSettings", "feeds_from_config", "items_frame", "match_items",
    "parse_feed", "read_feed",
]
