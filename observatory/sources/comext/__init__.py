"""Eurostat Comext: EU members' declared trade by CN8 product, monthly and annual.

The dissemination API (dataset DS-045409, SDMX-CSV, one answer per reporter) through the
shared HTTP client (`client`), the saved answers and the bulk files `full_v2_YYYYMM.7z`
(`client.BulkArchive`), the names and layouts (`settings`), and the raw loads
(`resources`); `source` declares the source and its stages.
"""
