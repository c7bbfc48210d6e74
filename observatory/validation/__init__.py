"""The validation gate: Great Expectations suites on bounded pandas chunks, plus SQL checks."""
