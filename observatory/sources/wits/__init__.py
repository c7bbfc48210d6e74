"""World Bank WITS/TRAINS tariffs in SDMX-JSON (applied MFN and preferential rates)."""
