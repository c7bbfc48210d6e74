"""Deterministic demo data in the sources' real formats (labelled synthetic everywhere)."""
