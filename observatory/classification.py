"""The Harmonized System's revisions, and which one was in force in a year: the one place
that knows them (the configuration, the sources and the gate import them from here)."""

from __future__ import annotations

HS_REVISIONS = ("HS92", "HS96", "HS02", "HS07", "HS12", "HS17", "HS22")
# (first year in force, revision), latest first. sql/staging/020_stg_file_records.sql writes
# the same table as a CASE.
REVISION_FROM_YEAR = ((2022, "HS22"), (2017, "HS17"), (2012, "HS12"), (2007, "HS07"),
                      (2002, "HS02"), (1996, "HS96"), (0, "HS92"))


def revision_of_year(year: int) -> str:
    """The HS revision in force in `year` (HS92 before 1996, …, HS22 from 2022)."""
    return next(revision for first, revision in REVISION_FROM_YEAR if year >= first)
