"""Observatoire du Commerce Extérieur: the data platform of a foreign-trade observatory."""

__version__ = "0.1.0"
