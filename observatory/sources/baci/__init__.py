"""CEPII BACI bulk archives: reconciled bilateral trade by HS6, any HS vintage and release."""
