"""Checks shared by the indicator functions on long (one row per key) pandas tables.

Every check raises `ValueError` with a one-line message that names the table and the
problem, so a caller never receives NaN computed from bad input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd


def column_mapping(cols: Mapping[str, str], roles: Sequence[str], what: str) -> dict[str, str]:
    """The mapping restricted to `roles`, or ValueError naming the roles it lacks."""
    if not isinstance(cols, Mapping):
        raise ValueError(f"{what}: cols must map roles to column names, got {type(cols).__name__}")
    missing = [role for role in roles if role not in cols]
    if missing:
        raise ValueError(f"{what}: cols has no entry for {', '.join(missing)} (roles: {roles})")
    return {role: cols[role] for role in roles}


def require_columns(data: object, columns: Sequence[str], what: str) -> pd.DataFrame:
    """`data` itself when it is a DataFrame holding every column of `columns`."""
    if not isinstance(data, pd.DataFrame):
        raise ValueError(f"{what} must be a pandas DataFrame, got {type(data).__name__}")
    missing = [c for c in columns if c not in data.columns]
    if missing:
        raise ValueError(
            f"{what} is missing columns: {', '.join(map(str, missing))}"
            f" (has: {', '.join(map(str, data.columns))})"
        )
    if len(data) == 0:
        raise ValueError(f"{what} has no rows")
    return data


def key_codes(data: pd.DataFrame, column: str, what: str) -> tuple[np.ndarray, pd.Index]:
    """Integer codes into the sorted distinct values of a key column; NaN keys raise."""
    codes, uniques = pd.factorize(data[column], sort=True)
    if (codes < 0).any():
        raise ValueError(f"{what}: {int((codes < 0).sum())} rows have a missing {column!r}")
    return codes.astype(np.int64), pd.Index(uniques)


def require_unique_keys(
    codes: Sequence[np.ndarray], uniques: Sequence[pd.Index], names: Sequence[str], what: str
) -> None:
    """Raise when two rows share the same combination of key codes."""
    combined = np.zeros(len(codes[0]), dtype=np.int64)
    for code, levels in zip(codes, uniques, strict=True):
        combined = combined * max(len(levels), 1) + code
    order = np.argsort(combined, kind="stable")
    repeated = np.flatnonzero(np.diff(combined[order]) == 0)
    if len(repeated):
        row = order[repeated[0] + 1]
        example = ", ".join(
            f"{n}={lv[c[row]]!r}" for n, lv, c in zip(names, uniques, codes, strict=True)
        )
        raise ValueError(
            f"{what}: {len(repeated)} duplicate ({', '.join(names)}) keys, e.g. {example};"
            " aggregate them first"
        )


def nonnegative_values(data: pd.DataFrame, column: str, what: str) -> np.ndarray:
    """The column as float64, or ValueError if it is not numeric, or holds NaN, inf or < 0."""
    series = data[column]
    if pd.api.types.is_bool_dtype(series) or not pd.api.types.is_numeric_dtype(series):
        raise ValueError(f"{what}: column {column!r} is not numeric (dtype {series.dtype})")
    values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    bad = np.isnan(values)
    if bad.any():
        raise ValueError(
            f"{what}: {int(bad.sum())} rows have a missing {column!r}; fill them (e.g. with 0)"
            " or drop them first"
        )
    if np.isinf(values).any():
        raise ValueError(f"{what}: {int(np.isinf(values).sum())} rows have an infinite {column!r}")
    if (values < 0).any():
        raise ValueError(f"{what}: {int((values < 0).sum())} rows have a negative {column!r}")
    return values


def as_float_array(x: object, name: str) -> np.ndarray:
    """A float64 array of `x` (scalar, sequence, ndarray or Series); NaN or inf raise."""
    if isinstance(x, pd.Series | pd.Index):
        if pd.api.types.is_bool_dtype(x) or not pd.api.types.is_numeric_dtype(x):
            raise ValueError(f"{name} is not numeric (dtype {x.dtype})")
        values = x.to_numpy(dtype=np.float64, na_value=np.nan)
    else:
        try:
            values = np.asarray(x, dtype=np.float64)
        except (TypeError, ValueError) as exc:
            raise ValueError(f"{name} is not numeric: {exc}") from None
    if not np.isfinite(values).all():
        bad = int((~np.isfinite(values)).sum())
        raise ValueError(f"{name} has {bad} missing or infinite values")
    return values


def like_input(template: object, values: np.ndarray, name: str) -> float | np.ndarray | pd.Series:
    """`values` shaped like `template`: a Series keeps its index, a scalar gives a float."""
    if isinstance(template, pd.Series):
        return pd.Series(values, index=template.index, name=name)
    if np.ndim(template) == 0:
        return float(values)
    return values
