"""Expectation suites, one function per table, and the SQL checks that go with them."""

from __future__ import annotations

import sys
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from observatory.classification import HS_REVISIONS as _HS_REVISIONS
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


HS_REVISIONS = list(_HS_REVISIONS)


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


def comext_record_suite(batch_id: str) -> SuiteSpec:
    """Eurostat Comext rows in staging (`stg_comext_lines`), those core will receive
    (aggregates, areas, unknown codes and confidential products are set aside before, counted
    in the outcome); core's figures are sums of them (a bulk file's statistical procedures),
    valid when each of their rows is.

    Reporter and partner known (WORLD counts as known); product codes of 2, 4, 6 or 8 digits
    (CN8: hs_level 8) or TOTAL; a period that reads (YYYY-MM, YYYYMM, YYYY, YYYY52) in
    [1988, this year]; a flow X or M; a known HS revision; a value in euros present, finite
    and >= 0, and a EUR rate for its period in ref.exchange_rates (a period without one is
    named: a rate is never guessed); values in USD and quantities finite and >= 0; one line
    per figure (and statistical procedure) of the file.
    """
    gxe = gx_expectations()

    def not_null(column: str) -> Callable[[], list[Any]]:
        return lambda: [gxe.ExpectColumnValuesToNotBeNull(column=column)]

    return SuiteSpec(
        name="comext_records",
        query="select line_number, reporter_iso3, partner_iso3, product as product_code, "
              "year, month, freq, period, flow, classification, value_eur, value_usd, "
              "quantity_t from staging.stg_comext_lines where batch_id = ? and is_kept",
        params=(batch_id,),
        by_value={
            "reporter_iso3": not_null("reporter_iso3"),
            "partner_iso3": not_null("partner_iso3"),
            "product_code": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="product_code"),
                gxe.ExpectColumnValuesToMatchRegex(
                    column="product_code", regex=r"^(?:[0-9]{2}(?:[0-9]{2}){0,3}|TOTAL)$")],
            "year": lambda: [gxe.ExpectColumnValuesToBeBetween(
                column="year", min_value=FIRST_TRADE_YEAR, max_value=this_year())],
            "month": lambda: [gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1,
                                                                max_value=12)],
            "flow": lambda: [gxe.ExpectColumnValuesToNotBeNull(column="flow"),
                             gxe.ExpectColumnValuesToBeInSet(column="flow",
                                                             value_set=["X", "M"])],
            "classification": lambda: [gxe.ExpectColumnValuesToBeInSet(
                column="classification", value_set=HS_REVISIONS)],
        },
        by_row=lambda: [
            gxe.ExpectColumnValuesToNotBeNull(column="value_eur"),
            gxe.ExpectColumnValuesToBeBetween(column="value_eur", min_value=0,
                                              max_value=FINITE_MAX),
            gxe.ExpectColumnValuesToBeBetween(column="value_usd", min_value=0,
                                              max_value=FINITE_MAX),
            gxe.ExpectColumnValuesToBeBetween(column="quantity_t", min_value=0,
                                              max_value=FINITE_MAX),
        ],
        row_columns=("value_eur", "value_usd", "quantity_t"),
        sql_checks=comext_record_sql_checks(batch_id),
    )


def comext_record_sql_checks(batch_id: str) -> list[SqlCheck]:
    """A period that reads; a EUR rate for every value's period; one line per figure."""
    return [
        SqlCheck(
            name="period_readable",
            column="period",
            query="""
                select line_number, 'period', 'period ' || coalesce(chr(39) || period || chr(39),
                       'missing') || ' is not YYYY-MM, YYYYMM, YYYY or YYYY52'
                from {rows}
                where year is null or freq is null or (freq = 'M' and month is null)
                order by 1
            """,
        ),
        SqlCheck(
            name="eur_rate_present",
            column="value_usd",
            query="""
                select line_number, 'value_usd', 'no EUR rate for '
                       || case when freq = 'M' then year || '-' || lpad(month::varchar, 2, '0')
                               else year::varchar end
                       || ' in ref.exchange_rates (add it to a file of rates.paths): value_eur '
                       || value_eur || ' cannot be converted to USD'
                from {rows}
                where value_eur is not null and value_usd is null and year is not null
                  and freq is not null
                order by 1
            """,
        ),
        SqlCheck(
            name="one_line_per_figure(reporter, partner, product, flow, period, procedure)",
            column="reporter,partner,product,flow,period",
            query="""
                with lines as (
                    select line_number, reporter, partner, product, flow, period,
                           coalesce(stat_procedure, '') as procedure
                    from raw.comext_records where batch_id = ?
                ),
                keys as (
                    select reporter, partner, product, flow, period, procedure
                    from lines group by all having count(*) > 1
                ),
                duplicates as (
                    select l.reporter, l.partner, l.product, l.flow, l.period, l.procedure,
                           list(l.line_number order by l.line_number) as lines
                    from lines as l
                    semi join keys as k
                      on k.reporter is not distinct from l.reporter
                     and k.partner is not distinct from l.partner
                     and k.product is not distinct from l.product
                     and k.flow is not distinct from l.flow
                     and k.period is not distinct from l.period
                     and k.procedure = l.procedure
                    group by all
                )
                select unnest(lines), 'reporter,partner,product,flow,period',
                       'duplicate figure (' || concat_ws(', ', reporter, partner, product, flow,
                       period, nullif(procedure, '')) || ') on lines '
                       || array_to_string(lines, ', ')
                from duplicates
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


# The Office des Changes' flow codes (observatory/sources/national/settings.py): the totals
# 14 and 24 and their components.
NATIONAL_FLOW_CODES = ["14", "24", "141", "142", "241", "242"]


def national_record_suite(batch_id: str) -> SuiteSpec:
    """The home country's annual national statistics (Office des Changes table by partner
    and flow), typed in staging: a known flow code; a year in range; values numbers in
    dirhams, finite and >= 0; every partner code a country of ref.countries or a pseudo-
    partner of the format; a MAD rate for every year (never a guessed one); one value per
    (partner, flow, year). Components above their total are reported by the source, not
    rejected (the real file has one: partner MA in 2010)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="national_records",
        query="select line_number, field, partner_code, partner_label, partner_iso3, "
              "is_unknown_partner, flow_code, year, value_text, value_mad, usd_per_unit "
              "from staging.stg_national_records where batch_id = ?",
        params=(batch_id,),
        by_value={
            "flow_code": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="flow_code"),
                gxe.ExpectColumnValuesToBeInSet(column="flow_code",
                                                value_set=NATIONAL_FLOW_CODES)],
            "year": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="year"),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_TRADE_YEAR,
                                                  max_value=this_year())],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToBeBetween(column="value_mad", min_value=0,
                                                          max_value=FINITE_MAX)],
        row_columns=("value_mad",),
        sql_checks=[
            SqlCheck(
                name="value_is_a_number",
                column="value_mad",
                query="""
                    select line_number, field, 'value ''' || value_text
                           || ''' is not a number (dirhams, decimal comma)'
                    from {rows} where value_mad is null order by 1
                """,
            ),
            SqlCheck(
                name="partner_is_known",
                column="partner_iso3",
                query="""
                    select distinct line_number, 'Code du pays', 'partner code '''
                           || partner_code || ''' (' || coalesce(partner_label, 'no label')
                           || ') is neither an ISO 3166-1 alpha-2 code of ref.countries nor '
                           || 'a pseudo-partner of the Office des Changes (AP, AV, AN, YU, '
                           || 'blank)'
                    from {rows} where is_unknown_partner order by 1
                """,
            ),
            SqlCheck(
                name="rate_is_known",
                column="usd_per_unit",
                query="""
                    select line_number, field, 'no MAD rate for ' || year
                           || ' in ref.exchange_rates (freq A, from rates.paths): the value '
                           || 'cannot be converted to USD, and no rate is guessed'
                    from {rows} where usd_per_unit is null order by 1, 2
                """,
            ),
            SqlCheck(
                name="compound_key_unique(partner, flow, year)",
                column="partner_code,flow_code,year",
                query="""
                    with duplicates as (
                        select partner_code, flow_code, year,
                               list(line_number order by line_number) as lines
                        from {rows}
                        group by all
                        having count(*) > 1
                    )
                    select unnest(lines), 'Code du pays,Code du flux,year',
                           'duplicate key (' || concat_ws(', ', partner_code, flow_code, year)
                           || ') on lines ' || array_to_string(lines, ', ')
                    from duplicates
                    order by 1
                """,
            ),
        ],
    )


def national_series_suite(batch_id: str) -> SuiteSpec:
    """The home country's monthly adjusted national series (the Office des Changes' CVS-CJO
    workbook), typed in staging: a known series and flow; a year in range and a month in
    1..12; values finite and >= 0; one value per (series, flow, groupement, year, month)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="national_series",
        query="select line_number, sheet, row_number, field, series, flow, groupement, year, "
              "month, value_mad from staging.stg_national_series where batch_id = ?",
        params=(batch_id,),
        by_value={
            "series": lambda: [gxe.ExpectColumnValuesToBeInSet(
                column="series", value_set=["total", "imports_gu", "exports_gu"])],
            "flow": lambda: [gxe.ExpectColumnValuesToBeInSet(column="flow",
                                                             value_set=["X", "M"])],
            "year": lambda: [gxe.ExpectColumnValuesToBeBetween(
                column="year", min_value=FIRST_TRADE_YEAR, max_value=this_year())],
            "month": lambda: [gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1,
                                                                max_value=12)],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToNotBeNull(column="value_mad"),
                        gxe.ExpectColumnValuesToBeBetween(column="value_mad", min_value=0,
                                                          max_value=FINITE_MAX)],
        row_columns=("value_mad",),
        sql_checks=[SqlCheck(
            name="compound_key_unique(series, flow, groupement, year, month)",
            column="series,flow,groupement,year,month",
            query="""
                with duplicates as (
                    select series, flow, groupement, year, month,
                           list(line_number order by line_number) as lines,
                           list(distinct sheet) as sheets
                    from {rows}
                    group by all
                    having count(*) > 1
                )
                select unnest(lines), 'date',
                       'duplicate month (' || concat_ws(', ', series, flow, groupement, year,
                       month) || ') on lines ' || array_to_string(lines, ', ')
                from duplicates
                order by 1
            """,
        )],
    )


# ------------------------------------------------------------------ the exporter fabric
# The exporter source's batches are typed by `observatory.sources.exporters.resources`
# (the query reads the restricted database attached as `fabric_db`); these suites only say
# what a row must be. Reasons may name values: they go to the restricted quarantine, and the
# source keeps only field and kind of defect for anything published.


def exporter_export_suite(query: str, params: tuple[Any, ...], *, id_format: str,
                          known_hs6: list[str], destinations: list[str]) -> SuiteSpec:
    """Exporter-level customs exports: an identifier of the configured format; a year in
    range and a month in 1..12 (or none); a 10-digit national product code whose first six
    digits are an HS6 of the nomenclature; a destination of ref.countries other than the
    home country; a value in national currency, finite and >= 0, with a rate to convert it
    (the period's, else the configured fallback); a net mass >= 0 when given; one
    declaration per (exporter, period, product, destination)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="exporter_exports",
        query=query,
        params=params,
        by_value={
            "exporter_id": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="exporter_id"),
                gxe.ExpectColumnValuesToMatchRegex(column="exporter_id", regex=id_format)],
            "year": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="year"),
                gxe.ExpectColumnValuesToBeBetween(column="year", min_value=FIRST_TRADE_YEAR,
                                                  max_value=this_year())],
            "month": lambda: [gxe.ExpectColumnValuesToBeBetween(column="month", min_value=1,
                                                                max_value=12)],
            "product_code": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="product_code"),
                gxe.ExpectColumnValuesToMatchRegex(column="product_code",
                                                   regex=r"^[0-9]{10}$")],
            "hs6": lambda: [gxe.ExpectColumnValuesToBeInSet(column="hs6",
                                                            value_set=known_hs6)],
            "destination_iso3": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="destination_iso3"),
                gxe.ExpectColumnValuesToBeInSet(column="destination_iso3",
                                                value_set=destinations)],
        },
        by_row=lambda: [
            gxe.ExpectColumnValuesToNotBeNull(column="value_national"),
            gxe.ExpectColumnValuesToBeBetween(column="value_national", min_value=0,
                                              max_value=FINITE_MAX),
            gxe.ExpectColumnValuesToBeBetween(column="net_mass_kg", min_value=0,
                                              max_value=FINITE_MAX),
        ],
        row_columns=("value_national", "net_mass_kg"),
        sql_checks=[
            SqlCheck(name="rate_is_known", column="value_usd", query="""
                select line_number, 'value_usd', 'no exchange rate for the period in '
                       || 'ref.exchange_rates and no fabric.fallback_usd_per_unit'
                from {rows} where value_national is not null and year is not null
                  and usd_per_unit is null order by 1"""),
            SqlCheck(name="compound_key_unique(exporter, period, product, destination)",
                     column="exporter_id", query="""
                with keyed as (
                    select line_number, min(line_number) over (
                        partition by exporter_id, year, month, product_code,
                                     destination_iso3) as first_line
                    from {rows}
                    where exporter_id is not null and year is not null
                )
                select line_number, 'exporter_id',
                       'duplicate declaration: same exporter, period, product and '
                       || 'destination as line ' || first_line
                from keyed where line_number > first_line order by 1"""),
        ],
    )


def exporter_registry_suite(query: str, params: tuple[Any, ...], *, id_format: str,
                            legal_forms: list[str], size_classes: list[str]) -> SuiteSpec:
    """The exporter registry: an identifier of the configured format, once; a known legal
    form and size class; a creation year in range; and exports declared for every
    registered exporter (a registry row without any is quarantined)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="exporter_registry",
        query=query,
        params=params,
        by_value={
            "exporter_id": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="exporter_id"),
                gxe.ExpectColumnValuesToMatchRegex(column="exporter_id", regex=id_format)],
            "legal_form": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="legal_form"),
                gxe.ExpectColumnValuesToBeInSet(column="legal_form", value_set=legal_forms)],
            "size_class": lambda: [gxe.ExpectColumnValuesToBeInSet(column="size_class",
                                                                   value_set=size_classes)],
            "creation_year": lambda: [gxe.ExpectColumnValuesToBeBetween(
                column="creation_year", min_value=1800, max_value=this_year())],
        },
        by_row=lambda: [],
        row_columns=(),
        sql_checks=[
            SqlCheck(name="exporter_id_unique", column="exporter_id", query="""
                with keyed as (
                    select line_number, min(line_number) over (partition by exporter_id)
                           as first_line
                    from {rows} where exporter_id is not null
                )
                select line_number, 'exporter_id',
                       'duplicate exporter: already registered on line ' || first_line
                from keyed where line_number > first_line order by 1"""),
            SqlCheck(name="exporter_has_exports", column="exporter_id", query="""
                select line_number, 'exporter_id',
                       'registered exporter without any export declaration'
                from {rows} where exporter_id is not null and not has_exports
                order by 1"""),
        ],
    )


def exporter_program_suite(query: str, params: tuple[Any, ...], *, id_format: str,
                           statuses: list[str]) -> SuiteSpec:
    """The export program's file: an identifier of the configured format, of a registered
    exporter; a known status; a cohort year; an application date when given; a support
    amount >= 0 when given; one row per (exporter, cohort)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="exporter_program",
        query=query,
        params=params,
        by_value={
            "exporter_id": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="exporter_id"),
                gxe.ExpectColumnValuesToMatchRegex(column="exporter_id", regex=id_format)],
            "status": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="status"),
                gxe.ExpectColumnValuesToBeInSet(column="status", value_set=statuses)],
            "cohort": lambda: [
                gxe.ExpectColumnValuesToNotBeNull(column="cohort"),
                gxe.ExpectColumnValuesToBeBetween(column="cohort", min_value=2000,
                                                  max_value=2100)],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToBeBetween(
            column="support_amount", min_value=0, max_value=FINITE_MAX)],
        row_columns=("support_amount",),
        sql_checks=[
            SqlCheck(name="exporter_is_registered", column="exporter_id", query="""
                select line_number, 'exporter_id',
                       'program row for an exporter not in the registry'
                from {rows} where exporter_id is not null and not registered order by 1"""),
            SqlCheck(name="application_date_is_a_date", column="application_date", query="""
                select line_number, 'application_date',
                       'application date is not a date (YYYY-MM-DD or DD/MM/YYYY)'
                from {rows} where application_date_text is not null
                  and application_date is null order by 1"""),
            SqlCheck(name="compound_key_unique(exporter, cohort)", column="exporter_id",
                     query="""
                with keyed as (
                    select line_number, min(line_number) over (
                        partition by exporter_id, cohort) as first_line
                    from {rows} where exporter_id is not null and cohort is not null
                )
                select line_number, 'exporter_id',
                       'duplicate program row: same exporter and cohort as line '
                       || first_line
                from keyed where line_number > first_line order by 1"""),
        ],
    )


# Schedules of tariff concessions and rules of origin (observatory/sources/afcfta): the
# raw record the quarantine keeps of a failing line.
SCHEDULE_RECORD = "r.record"
RULE_RECORD = "r.record"


def schedule_suite(batch_id: str) -> SuiteSpec:
    """A schedule file (AfCFTA e-Tariff Book export, or another agreement's tariff
    schedule), one row per line: the party a State Party of ref.countries or a customs union
    (any known country for other agreements), the beneficiary known, an HS6 code, a known
    category (A, B, C), a base rate in [0, 1000] %, every year's rate a number, >= 0, not
    above the base rate and never above the year before's (a phase-down path does not
    rise); one line per (agreement, party, beneficiary, national line)."""
    gxe = gx_expectations()
    rates = "raw.tariff_schedule_rates"
    return SuiteSpec(
        name="tariff_schedules",
        query="select line_number, file_kind, agreement, party_text, party_code, "
              "beneficiary_text, beneficiary_iso3, hs_text, hs6, national_line, "
              "category_text, category, base_rate_text, base_rate_pct, problem_field, problem "
              "from raw.tariff_schedule_lines where batch_id = ?",
        params=(batch_id,),
        by_value={
            "category": lambda: [gxe.ExpectColumnValuesToBeInSet(
                column="category", value_set=["A", "B", "C"])],
            "hs6": lambda: [gxe.ExpectColumnValuesToMatchRegex(column="hs6",
                                                               regex=r"^[0-9]{6}$")],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToBeBetween(column="base_rate_pct",
                                                          min_value=0, max_value=1000)],
        row_columns=("base_rate_pct",),
        sql_checks=[
            SqlCheck("agreement_is_named", "agreement", """
                select line_number, 'Agreement', 'no agreement named on the line'
                from {rows} where agreement is null order by 1"""),
            SqlCheck("party_is_known", "party_code", """
                select line_number, 'State Party',
                       case when file_kind = 'afcfta'
                            then 'State Party ''' || coalesce(party_text, '') || ''' is '
                                 || 'neither an AfCFTA State Party of ref.countries nor a '
                                 || 'customs union (ECOWAS, EAC, SACU, CEMAC)'
                            else 'importer ''' || coalesce(party_text, '') || ''' is not a '
                                 || 'country of ref.countries nor a customs union' end
                from {rows} where party_code is null order by 1"""),
            SqlCheck("beneficiary_is_known", "beneficiary_iso3", """
                select line_number, 'Beneficiary', 'beneficiary '''
                       || coalesce(beneficiary_text, '') || ''' is not a country of '
                       || 'ref.countries'
                from {rows} where file_kind = 'agreement' and beneficiary_iso3 is null
                order by 1"""),
            SqlCheck("hs_code_is_hs6", "hs6", """
                select line_number, 'HS Code', 'HS Code ''' || coalesce(hs_text, '')
                       || ''' is not an HS6 code (six digits, dots allowed)'
                from {rows} where hs6 is null order by 1"""),
            SqlCheck("category_is_given", "category", """
                select line_number, 'Category', 'no category (A non-sensitive, B sensitive, '
                       || 'C excluded)'
                from {rows} where file_kind = 'afcfta' and category is null order by 1"""),
            SqlCheck("base_rate_is_a_number", "base_rate_pct", """
                select line_number, 'Base Rate',
                       case when coalesce(base_rate_text, '') = '' then 'Base Rate is blank'
                            else 'Base Rate ''' || base_rate_text || ''' is not a rate in '
                                 || 'percent' end
                from {rows} where base_rate_pct is null order by 1"""),
            SqlCheck("path_can_be_read", "problem", """
                select line_number, problem_field, problem
                from {rows} where problem is not null order by 1"""),
            SqlCheck("rate_is_a_number", "rate_pct", f"""
                select r.line_number, r.field,
                       case when coalesce(r.rate_text, '') = ''
                            then 'no rate for ' || r.year || ' while the line gives other years'
                            else 'rate ''' || r.rate_text || ''' for ' || r.year
                                 || ' is not a rate in percent' end
                from {rates} as r join {{rows}} as l using (line_number)
                where r.batch_id = ? and r.rate_pct is null order by 1, 2""", (batch_id,)),
            SqlCheck("rate_within_base", "rate_pct", f"""
                select r.line_number, r.field,
                       case when r.rate_pct < 0
                            then 'rate ' || r.rate_pct || ' for ' || r.year || ' is negative'
                            else 'rate ' || r.rate_pct || ' for ' || r.year
                                 || ' is above the base rate ' || l.base_rate_pct end
                from {rates} as r join {{rows}} as l using (line_number)
                where r.batch_id = ?
                  and (r.rate_pct < 0 or r.rate_pct > l.base_rate_pct + 1e-9)
                order by 1, 2""", (batch_id,)),
            SqlCheck("path_non_increasing", "rate_pct", f"""
                with path as (
                    select line_number, field, year, rate_pct,
                           lag(rate_pct) over (partition by line_number order by year)
                               as previous_pct,
                           lag(year) over (partition by line_number order by year)
                               as previous_year
                    from {rates}
                    where batch_id = ? and rate_pct is not null
                )
                select p.line_number, p.field,
                       'rate ' || p.rate_pct || ' for ' || p.year || ' is above '
                       || p.previous_pct || ' for ' || p.previous_year
                       || ': a phase-down path never rises'
                from path as p join {{rows}} as l using (line_number)
                where p.rate_pct > p.previous_pct + 1e-9 order by 1, 2""", (batch_id,)),
            SqlCheck("compound_key_unique(agreement, party, beneficiary, national line)",
                     "agreement,party_code,beneficiary_iso3,national_line", """
                with duplicates as (
                    select agreement, party_code, beneficiary_iso3, national_line,
                           list(line_number order by line_number) as lines
                    from {rows}
                    where party_code is not null
                    group by all
                    having count(*) > 1
                )
                select unnest(lines), 'National Tariff Line',
                       'duplicate line (' || concat_ws(', ', agreement, party_code,
                       beneficiary_iso3, national_line) || ') on lines '
                       || array_to_string(lines, ', ')
                from duplicates order by 1"""),
        ],
    )


def rules_of_origin_suite(batch_id: str) -> SuiteSpec:
    """A rules-of-origin file: an HS heading or subheading (2, 4 or 6 digits), a known
    status, a rule text unless the rule is under negotiation, a maximum non-originating
    share in [0, 100] %; one rule per (agreement, HS code)."""
    gxe = gx_expectations()
    return SuiteSpec(
        name="rules_of_origin",
        query="select line_number, agreement, hs_text, hs_code, hs_level, rule_text, status, "
              "max_non_originating_pct from raw.rules_of_origin where batch_id = ?",
        params=(batch_id,),
        by_value={
            "status": lambda: [gxe.ExpectColumnValuesToBeInSet(
                column="status", value_set=["agreed", "under_negotiation"])],
            "hs_level": lambda: [gxe.ExpectColumnValuesToBeInSet(column="hs_level",
                                                                 value_set=[2, 4, 6])],
        },
        by_row=lambda: [gxe.ExpectColumnValuesToBeBetween(
            column="max_non_originating_pct", min_value=0, max_value=100)],
        row_columns=("max_non_originating_pct",),
        sql_checks=[
            SqlCheck("hs_code_is_a_heading", "hs_code", """
                select line_number, 'HS Code', 'HS Code ''' || coalesce(hs_text, '')
                       || ''' is not an HS chapter, heading or subheading (2, 4 or 6 digits)'
                from {rows} where hs_level is null order by 1"""),
            SqlCheck("compound_key_unique(agreement, hs_code)", "agreement,hs_code", """
                with duplicates as (
                    select agreement, hs_code, list(line_number order by line_number) as lines
                    from {rows} where hs_level is not null
                    group by all having count(*) > 1
                )
                select unnest(lines), 'HS Code',
                       'duplicate rule (' || concat_ws(', ', agreement, hs_code)
                       || ') on lines ' || array_to_string(lines, ', ')
                from duplicates order by 1"""),
        ],
    )
