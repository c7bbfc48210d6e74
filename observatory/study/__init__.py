"""The exportable-offer study: indicators computed in Python over core, written as marts."""
