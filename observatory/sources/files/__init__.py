"""Analysts' files (CSV, XLSX, Parquet) read through declared profiles."""
