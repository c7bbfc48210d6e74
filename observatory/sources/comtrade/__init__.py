"""UN Comtrade API v1: final trade data (preview and keyed), availability, header drift.

Our own thin client on `requests` (`client`), the API's names, limits and totals codes
(`settings`), and the resource that fills `raw.comtrade_records` (`resources`), with a
request ledger in DuckDB (`state`) so that a run stopped by the daily quota resumes where it
stopped. Country codes are Comtrade's own numeric codes, mapped to ISO3 through a crosswalk
passed in by the caller (`ref.countries.comtrade_code`); nothing here names a home country.
"""
