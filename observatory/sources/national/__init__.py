"""National statistics of the home country in the Office des Changes' formats."""
