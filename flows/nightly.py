"""The project's Prefect entry points: the nightly job and the refresh as flows.

The flows themselves are built in the package (`observatory.orchestration.flows`), from the
plan's steps and the registered sources; this module only exposes them:

    python flows/nightly.py                 # the nightly job, configuration from
                                            # $OBSERVATORY_CONFIG or ./observatory.toml
    prefect deployment run nightly/nightly  # a served or deployed run
"""

from __future__ import annotations

from observatory.orchestration.flows import nightly, refresh

__all__ = ["nightly", "refresh"]

if __name__ == "__main__":
    nightly()
