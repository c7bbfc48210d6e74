"""The DuckDB warehouse: layers raw → staging → core → mart, plus `ref` and `ops`."""
