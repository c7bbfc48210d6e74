"""Expectation suites, one function per table, and the SQL checks that go with them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from observatory.validation.gate import SqlCheck, SuiteSpec, gx_expectations

FIRST_TRADE_YEAR = 1988  # the first year of HS-classified trade statistics
# The largest finite double: a range check up to it rejects +inf (a value such as `inf`,
# `1e999` or a 200 kB run of digits reads as infinity), which `>= 0` alone lets through.
FINITE_MAX = sys.float_info.max


def this_year() -> int:
    """The current year in UTC, the time zone runs are dated in (`as_of`)."""
    return datetime.now(UTC).year


def _measures(gxe: Any) -> list[Any]:
    """Values present, finite and >= 0; quantities finite and >= 0 when present."""
    return [
        gxe.ExpectColumnValuesToNotBeNull(column="value_usd"),
        gxe.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0,
                                          max_value=FINITE_MAX),
        gxe.ExpectColumnValuesToBeBetween(column="quantity_t", min_value=0,
                                          max_value=FINITE_MAX),
    ]


def trade_flow_suite(
    batch_id: str,
    *,
    year: int,
    country_codes: list[int],
    product_codes: list[str] | None,
) -> SuiteSpec:
    """The suite for one yearly batch of bilateral flows in staging.

    Keys not null; year the file's own and within [1988, this year]; HS6 a six-character
    string of digits and, when the release ships its product dictionary, one of its codes;
    exporter and importer codes in the reference crosswalk; value and quantity >= 0;
    compound key unique.
    """
    gxe = gx_expectations()

    def codes(column: str) -> Callable[[], list[Any]]:
        return lambda: [gxe.ExpectColumnValuesToNotBeNull(column=column),
                        gxe.ExpectColumnValuesToBeInSet(column=column,
                                                        value_set=country_codes)]

    def hs6() -> list[Any]:
        out = [gxe.ExpectColumnValuesToNotBeNull(column="hs6"),
               gxe.ExpectColumnValuesToMatchRegex(column="hs6", regex=r"^[0-9]{6}$")]
        if product_codes:
            out.append(gxe.ExpectColumnValuesToBeInSet(column="hs6", value_set=product_codes))
        return out

    return SuiteSpec(
        name="trade_flows",
        query="select line_number, year, exporter_code, importer_code, hs6, value_usd, "
              "quantity_t from staging.stg_baci_flows where batch_id = ?",
        params=(batch_id,),
        by_value={
            "year": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="year"),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_TRADE_YEAR,
                                                  max_value=this_year()),
                gxe.ExpectColumnValuesToBeInSet(column="year", value_set=[year]),
            ],
            "exporter_code": codes("exporter_code"),
            "importer_code": codes("importer_code"),
            "hs6": hs6,
        },
        by_row=lambda: _measures(gxe),
        row_columns=("value_usd", "quantity_t"),
        sql_checks=trade_flow_sql_checks(batch_id),
    )


def trade_flow_sql_checks(batch_id: str) -> list[SqlCheck]:
    """Checks over the whole batch: the compound key is unique. (Numbers are typed by the
    CSV reader, which names the line and column of a value that is not one.)"""
    return [
        SqlCheck(
            name="compound_key_unique(year, exporter_code, importer_code, hs6)",
            column="year,exporter_code,importer_code,hs6",
            query="""
                -- Keys first (10 million groups a year: no list per group), then the
                -- lines of the duplicated keys only.
                with keys as (
                    select year, exporter_code, importer_code, hs6
                    from {rows}
                    group by year, exporter_code, importer_code, hs6
                    having count(*) > 1
                ),
                duplicates as (
                    select year, exporter_code, importer_code, hs6,
                           list(line_number order by line_number) as lines
                    from {rows}
                    semi join keys using (year, exporter_code, importer_code, hs6)
                    group by year, exporter_code, importer_code, hs6
                )
                select unnest(lines) as line_number, 'year,i,j,k',
                       'duplicate key (' || year || ', ' || exporter_code || ', '
                       || importer_code || ', ' || hs6 || ') on lines '
                       || array_to_string(lines, ', ')
                from duplicates
                order by line_number
            """,
        ),
    ]


HS_REVISIONS = ["HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22"]


def file_record_suite(batch_id: str, *, view: str = "staging.stg_file_records",
                      name: str = "file_records", allow_total: bool = False) -> SuiteSpec:
    """The suite for an analyst's file in staging (breakdown rows already left out).

    Reporter and partner codes known (the World counts as known); product codes of 2, 4 or
    6 digits; a year in range and a month in 1..12 when given; a flow that is X or M; a
    known HS revision; a value present and >= 0; a quantity >= 0 when present; compound key
    unique; quantities numbers. The same suite serves Comtrade records (`view`,
    `allow_total`: the all-products code TOTAL).
    """
    gxe = gx_expectations()

    product_regex = r"^(?:[0-9]{2}(?:[0-9]{2}){0,2}|TOTAL)$" if allow_total else \
        r"^[0-9]{2}(?:[0-9]{2}){0,2}$"

    def not_null(column: str) -> Callable[[], list[Any]]:
        return lambda: [gxe.ExpectColumnValuesToNotBeNull(column=column)]

    return SuiteSpec(
        name=name,
        query="select line_number, reporter_iso3, partner_iso3, product_code, year, month, "
              "flow, value_usd, quantity_t, classification, quantity_unreadable "
              f"from {view} where batch_id = ? and not is_breakdown",
        params=(batch_id,),
        by_value={
            "reporter_iso3": not_null("reporter_iso3"),
            "partner_iso3": not_null("partner_iso3"),
            "product_code": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="product_code"),
                gxe.ExpectColumnValuesToMatchRegex(column="product_code", regex=product_regex),
            ],
            "year": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="year"),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_TRADE_YEAR,
                                                  max_value=this_year()),
            ],
            "month": lambda: [gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1,
                                                                max_value=12)],
            "flow": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="flow"),
                             gxe.ExpectColumnValuesToBeInSet(column="flow",
                                                             value_set=["X", "M"])],
            "classification": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="classification"),
                gxe.ExpectColumnValuesToBeInSet(column="classification",
                                                value_set=HS_REVISIONS)],
        },
        by_row=lambda: _measures(gxe),
        row_columns=("value_usd", "quantity_t"),
        sql_checks=file_record_sql_checks(batch_id),
    )


def file_record_sql_checks(batch_id: str) -> list[SqlCheck]:
    """A flow is reported once per (reporter, partner, flow, revision, product, period)."""
    return [
        SqlCheck(
            name="compound_key_unique(reporter, partner, flow, classification, product, year, "
                 "month)",
            column="reporter_iso3,partner_iso3,flow,classification,product_code,year,month",
            query="""
                with duplicates as (
                    select reporter_iso3, partner_iso3, flow, classification, product_code,
                           year, month, list(line_number order by line_number) as lines
                    from {rows}
                    group by all
                    having count(*) > 1
                )
                select unnest(lines), 'reporter,partner,flow,product,year',
                       'duplicate key (' || concat_ws(', ', reporter_iso3, partner_iso3, flow,
                       classification, product_code, year, month) || ') on lines '
                       || array_to_string(lines, ', ')
                from duplicates
                order by 1
            """,
        ),
        SqlCheck(
            name="quantity_is_a_number",
            column="quantity_t",
            query="""
                select line_number, 'quantity', 'quantity ''' || quantity_text
                       || ''' is not a number'
                from (select s.line_number, r.quantity as quantity_text
                      from {rows} as s
                      join raw.file_records as r
                        on r.batch_id = ? and r.line_number = s.line_number
                      where s.quantity_unreadable)
                order by 1
            """,
            params=(batch_id,),
        ),
    ]


# How a tariff batch's failing rows are shown in quarantine (the WITS answers' and the
# analysts' tariff files' alike).
TARIFF_RECORD = ("concat_ws(' | ', r.importer_iso3, r.partner_iso3, r.regime, r.year, "
                 "r.product_code, r.ad_valorem_pct)")


def tariff_suite(batch_id: str) -> SuiteSpec:
    """Tariff rows: importer and partner known, a regime, a year in range, an HS code of 2,
    4 or 6 digits, a known revision, an ad valorem rate in [0, 1000] % when present; one
    rate per (importer, partner, regime, year, revision, code)."""
    gxe = gx_expectations()

    return SuiteSpec(
        name="tariffs",
        query="select line_number, importer_iso3, partner_iso3, regime, year, classification, "
              "product_code, ad_valorem_pct from raw.tariff_records where batch_id = ?",
        params=(batch_id,),
        by_value={
            "importer_iso3": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="importer_iso3")],
            "partner_iso3": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="partner_iso3")],
            "regime": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="regime")],
            "year": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="year"),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_TRADE_YEAR,
                                                  max_value=this_year() + 1)],
            "classification": lambda: [
                gxe.ExpectColumnValuesToBeInSet(column="classification",
                                                value_set=HS_REVISIONS)],
            "product_code": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="product_code"),
                gxe.ExpectColumnValuesToMatchRegex(column="product_code",
                                                   regex=r"^[0-9]{2}(?:[0-9]{2}){0,2}$")],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToBeBetween(column="ad_valorem_pct",
                                                          min_value=0, max_value=1000)],
        row_columns=("ad_valorem_pct",),
        sql_checks=[SqlCheck(
            name="compound_key_unique(importer, partner, regime, year, classification, "
                 "product)",
            column="importer_iso3,partner_iso3,regime,year,classification,product_code",
            query="""
                with duplicates as (
                    select importer_iso3, partner_iso3, regime, year, classification,
                           product_code, list(line_number order by line_number) as lines
                    from {rows}
                    group by all
                    having count(*) > 1
                )
                select unnest(lines), 'importer,partner,regime,year,product',
                       'duplicate key (' || concat_ws(', ', importer_iso3, partner_iso3,
                       regime, year, classification, product_code) || ') on lines '
                       || array_to_string(lines, ', ')
                from duplicates
                order by 1
            """,
        )],
    )


RASFF_CLASSIFICATIONS = ["alert", "border rejection", "information notification for attention",
                         "information notification for follow-up", "non-compliance",
                         "information notification", "news"]


def rasff_suite(batch_id: str) -> SuiteSpec:
    """RASFF notifications: a reference YYYY.NNNN, unique; a date and year in range; a known
    classification; a notifying country."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="rasff_notifications",
        query="select line_number, reference, notification_date, year, classification, "
              "notifying_country from raw.rasff_notifications where batch_id = ?",
        params=(batch_id,),
        by_value={
            "reference": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="reference"),
                gxe.ExpectColumnValuesToMatchRegex(column="reference",
                                                   regex=r"^[0-9]{4}\.[0-9]{4}$")],
            # `year` is the ISO year: 29-31 December can be in the next one (2024-12-30 is
            # in 2025-W01), so the bound is today's ISO year.
            "year": lambda: [gxe.ExpectColumnValuesToBeBetween(
                column="year", min_value=1979,
                max_value=datetime.now(UTC).isocalendar().year)],
            "classification": lambda: [gxe.ExpectColumnValuesToBeInSet(
                column="classification", value_set=RASFF_CLASSIFICATIONS)],
            "notifying_country": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="notifying_country")],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToNotBeNull(column="notification_date")],
        row_columns=("notification_date",),
        sql_checks=[SqlCheck(
            name="reference_unique",
            column="reference",
            query="""
                select line_number, 'reference', 'reference ' || reference
                       || ' appears more than once in the batch'
                from {rows}
                qualify count(*) over (partition by reference) > 1
                order by 1
            """,
        )],
    )


def eping_suite(batch_id: str) -> SuiteSpec:
    """ePing notifications: an id, unique; a WTO symbol G/SPS/N/… or G/TBT/N/…; an area SPS
    or TBT; a distribution date; a notifying member; a comment deadline not before the
    distribution (checked in SQL)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="eping_notifications",
        query="select line_number, notification_id, symbol, area, notifying_member, "
              "distribution_date, comment_deadline from raw.eping_notifications "
              "where batch_id = ?",
        params=(batch_id,),
        by_value={
            "symbol": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="symbol"),
                gxe.ExpectColumnValuesToMatchRegex(column="symbol",
                                                   regex=r"^G/(?:SPS|TBT)/N/[A-Z]{2,4}/")],
            "area": lambda: [gxe.ExpectColumnValuesToBeInSet(column="area",
                                                             value_set=["SPS", "TBT"]),
                             gxe.ExpectColumnValuesToNotBeNull(column="area")],
            "notifying_member": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="notifying_member")],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToNotBeNull(column="notification_id"),
                        gxe.ExpectColumnValuesToNotBeNull(column="distribution_date")],
        row_columns=("notification_id", "distribution_date"),
        sql_checks=[
            SqlCheck(
                name="notification_id_unique",
                column="notification_id",
                query="""
                    select line_number, 'notification_id', 'notification id '
                           || notification_id || ' appears more than once'
                    from {rows}
                    qualify count(*) over (partition by notification_id) > 1
                    order by 1
                """,
            ),
            SqlCheck(
                name="comment_deadline_after_distribution",
                column="comment_deadline",
                query="""
                    select line_number, 'comment_deadline', 'comment deadline '
                           || comment_deadline || ' is before the distribution date '
                           || distribution_date
                    from {rows}
                    where comment_deadline < distribution_date
                    order by 1
                """,
            ),
        ],
    )


def feed_suite(batch_id: str) -> SuiteSpec:
    """Feed items: a feed and an item id, unique within the feed; links http(s) only."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="feed_items",
        query="select line_number, feed, item_id, link, title from raw.feed_items "
              "where batch_id = ?",
        params=(batch_id,),
        by_value={"feed": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="feed")]},
        by_row=lambda: [
            gxe.ExpectColumnValuesToNotBeNull(column="item_id"),
            gxe.ExpectColumnValuesToMatchRegex(column="link", regex=r"^https?://"),
        ],
        row_columns=("item_id", "link"),
        sql_checks=[SqlCheck(
            name="item_id_unique",
            column="item_id",
            query="""
                select line_number, 'item_id', 'item ' || item_id || ' appears twice'
                from {rows}
                qualify count(*) over (partition by feed, item_id) > 1
                order by 1
            """,
        )],
    )
