"""Demo RSS 2.0 feed: news about the priority markets' rules, SYNTHETIC.

`data/demo/feeds/demo_market_news.xml` is read every night through the configuration's
`[feeds.demo_market_news]` (a local file: the demo runs offline). Its items name products
that the feed's keyword rules map to HS prefixes (tomatoes, citrus, phosphates, fertilisers,
sardines, octopus, wiring harnesses), in English and French, accents included.

One item is hostile on purpose, as a real feed can be: its title carries markup
(`<img src=x onerror=alert(1)>`, `<b>`) and its link is a `javascript:` URL. The feed reader
keeps the title as literal text and drops the link; every page must render it as text. It is
the demo's end-to-end check that feed-supplied text never becomes markup.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import escape

from observatory.sources.batches import DEMO_MARKER

FEED_NAME = "demo_market_news"
LINK_BASE = "https://demo.observatory.invalid/news/"

# (days before `today`, title, description (HTML, as feeds send it), link: a path under
# LINK_BASE, or a full URL, categories)
FEED_ITEMS: list[tuple[int, str, str, str, tuple[str, ...]]] = [
    (2, "France: stricter border checks on imported tomatoes and peppers",
     "<p>The DGAL announces reinforced <b>pesticide residue</b> controls on fresh tomatoes "
     "from third countries from next month.</p>", "fra-tomatoes", ("FRA", "SPS")),
    (4, "Union européenne : nouvelles conditions d'importation des agrumes (clémentines, "
        "mandarines)",
     "<p>Le règlement d'exécution impose un traitement par le froid contre la "
     "<i>fausse teigne</i> des agrumes.</p>", "eu-agrumes", ("EUR", "SPS")),
    (6, "Brazil: labelling rules for mineral fertilizers enter public consultation",
     "<p>MAPA opens a 60-day consultation on the labelling of phosphate fertilizers "
     "(MAP, DAP, NPK).</p>", "bra-fertilizers", ("BRA", "TBT")),
    # The hostile item: markup in the title, a javascript: link, a script in the summary.
    (7, "Règlement <img src=x onerror=alert(1)> sur les <b>phosphates</b> importés",
     "<p>Cadmium limits for phosphate rock and phosphoric acid.</p>"
     "<script>alert('summary')</script>", "javascript:alert(document.cookie)",
     ("IND", "SPS")),
    (9, "United Kingdom: histamine limits for canned sardines revised",
     "<p>The FSA revises sampling plans for <b>sardines</b> and other scombroid fish.</p>",
     "gbr-sardines", ("GBR", "SPS")),
    (12, "Spain and Italy: traceability of frozen octopus imports",
     "<p>Catch certificates are now checked for every consignment of octopus and "
     "other cephalopods.</p>", "esp-ita-octopus", ("ESP", "ITA", "SPS")),
    (15, "United States: safety standard for wiring harnesses in motor vehicles",
     "<p>NHTSA proposes flammability tests for vehicle wiring harnesses.</p>",
     "usa-wiring-harnesses", ("USA", "TBT")),
]


def write_demo_feed(out_dir: Path, *, today: date) -> Path:
    """Write `out_dir/feeds/demo_market_news.xml` (RSS 2.0, items dated back from `today`)
    and a README.txt with the demo marker beside it; return the feed's path."""
    path = Path(out_dir) / "feeds" / f"{FEED_NAME}.xml"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(demo_feed_xml(today), encoding="utf-8")
    (path.parent / "README.txt").write_text(
        f"Observatoire du Commerce Extérieur: embedded demo data (feeds)\n{DEMO_MARKER}\n\n"
        "SYNTHETIC RSS 2.0 feed of market news. It describes no real measure; one item is "
        "hostile on purpose (markup in its title, a javascript: link).\n", encoding="utf-8")
    return path


def demo_feed_xml(today: date) -> str:
    """The feed's text: every field XML-escaped, so markup in a title arrives as text."""
    items = []
    for n, (days, title, description, link, categories) in enumerate(FEED_ITEMS, start=1):
        when = datetime.combine(today - timedelta(days=days), time(6, 0))
        url = link if ":" in link else LINK_BASE + link
        items.append(
            "  <item>\n"
            f"   <title>{escape(title)}</title>\n"
            f"   <link>{escape(url)}</link>\n"
            f"   <description>{escape(description)}</description>\n"
            + "".join(f"   <category>{escape(c)}</category>\n" for c in categories)
            + f"   <guid isPermaLink=\"false\">demo-market-news-{n}</guid>\n"
            f"   <pubDate>{_rfc822(when)}</pubDate>\n"
            "  </item>\n")
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<rss version="2.0">\n'
        " <channel>\n"
        "  <title>Market rules news (demo, SYNTHETIC)</title>\n"
        f"  <link>{LINK_BASE}</link>\n"
        f"  <description>{escape(DEMO_MARKER)}. Synthetic news items about the priority "
        "markets' rules, written by `observatory demo`. Not real news.</description>\n"
        "  <language>en</language>\n"
        f"  <lastBuildDate>{_rfc822(datetime.combine(today, time(6, 0)))}</lastBuildDate>\n"
        + "".join(items)
        + " </channel>\n</rss>\n")


def _rfc822(when: datetime) -> str:
    """RFC 822 date in UTC (`Sun, 29 Nov 2026 06:00:00 GMT`), as RSS 2.0 wants it."""
    return format_datetime(when.replace(tzinfo=UTC), usegmt=True)
