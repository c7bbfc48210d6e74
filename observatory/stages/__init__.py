"""The steps of a run that are not a source's: prepare the warehouse, the indicators
(marts, study, watch, and the fingerprints that skip them when nothing changed), and the
publication (reports rendered from a copy, then both swapped into place). The plan
(`observatory.plan`) names them; the job (`observatory.nightly`) runs them in order."""
