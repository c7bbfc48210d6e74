"""Load the reference tables (`ref` schema) built from well-kept packages."""

from __future__ import annotations

import hashlib

import duckdb
import pandas as pd

from observatory.reference import build_reference_tables


def load_reference(con: duckdb.DuckDBPyConnection) -> str:
    """Replace every `ref.*` table; returns a fingerprint of their content."""
    digest = hashlib.sha256()
    for name, frame in sorted(build_reference_tables().items()):
        con.register("_ref_frame", frame)
        try:
            con.execute(f'create or replace table ref."{name}" as select * from _ref_frame')
        finally:
            con.unregister("_ref_frame")
        digest.update(name.encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).values.tobytes())
    return digest.hexdigest()
