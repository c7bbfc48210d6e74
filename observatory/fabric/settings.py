"""The `[fabric]` section: where the exporter-level files are, where the restricted database
lives, and the disclosure rules.

Every key has a default (below and in the committed `observatory.toml`), so a configuration
without the section reads no exporter files. An unknown key or a bad value is a one-line
`ConfigError` naming the key.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observatory.errors import ConfigError

SECTION = "fabric"
DEFAULT_ID_FORMAT = r"^[0-9]{15}$"  # the Moroccan ICE; configuration, not code


@dataclass(frozen=True)
class FabricConfig:
    """The exporter fabric's inputs, restricted places and disclosure rules."""

    exports_paths: tuple[str, ...] = ()
    registry_paths: tuple[str, ...] = ()
    program_paths: tuple[str, ...] = ()
    restricted_db: Path = Path("data/restricted/fabric.duckdb")
    restricted_output: Path = Path("data/restricted/fiches")
    id_format: str = DEFAULT_ID_FORMAT
    currency: str = "MAD"
    fallback_usd_per_unit: float = 0.0
    min_exporters: int = 3
    dominance_share: float = 0.8
    min_exporters_quantiles: int = 10
    earthquake_provinces: tuple[str, ...] = ()
    program_first_year: int = 2024
    matches_per_beneficiary: int = 3
    extra: dict[str, Any] = field(default_factory=dict, compare=False, repr=False)


_TYPES: dict[str, type | tuple[type, ...]] = {
    "exports_paths": list, "registry_paths": list, "program_paths": list,
    "restricted_db": str, "restricted_output": str, "id_format": str, "currency": str,
    "fallback_usd_per_unit": (int, float), "min_exporters": int,
    "dominance_share": (int, float), "min_exporters_quantiles": int,
    "earthquake_provinces": list, "program_first_year": int,
    "matches_per_beneficiary": int,
}
KEYS = tuple(_TYPES)


def fabric_config(body: Any, root: Path) -> FabricConfig:
    """The `[fabric]` section checked, relative paths resolved against `root`."""
    if body is None:
        body = {}
    if not isinstance(body, dict):
        raise ConfigError(f"{SECTION}: expected a [{SECTION}] section")
    for key, value in body.items():
        expected = _TYPES.get(key)
        if expected is None:
            raise ConfigError(f"{SECTION}.{key}: unknown key")
        if isinstance(value, bool) or not isinstance(value, expected):
            raise ConfigError(f"{SECTION}.{key}: expected {_kind(expected)}, got {value!r}")
    defaults = FabricConfig()
    values: dict[str, Any] = {}
    for key in ("exports_paths", "registry_paths", "program_paths", "earthquake_provinces"):
        items = body.get(key, [])
        for i, item in enumerate(items):
            if not isinstance(item, str) or not item:
                raise ConfigError(f"{SECTION}.{key}[{i}]: expected a non-empty string")
        values[key] = tuple(items)
    for key in ("restricted_db", "restricted_output"):
        path = Path(body.get(key, str(getattr(defaults, key))))
        values[key] = path if path.is_absolute() else root / path
    id_format = body.get("id_format", defaults.id_format)
    try:
        re.compile(id_format)
    except re.error as exc:
        raise ConfigError(f"{SECTION}.id_format: not a regular expression ({exc})") from exc
    values["id_format"] = id_format
    currency = body.get("currency", defaults.currency)
    if not re.fullmatch(r"[A-Z]{3}", currency):
        raise ConfigError(f"{SECTION}.currency: expected an ISO 4217 code, got {currency!r}")
    values["currency"] = currency
    fallback = float(body.get("fallback_usd_per_unit", defaults.fallback_usd_per_unit))
    if fallback < 0 or fallback != fallback or fallback == float("inf"):
        raise ConfigError(f"{SECTION}.fallback_usd_per_unit: must be 0 (none) or above")
    values["fallback_usd_per_unit"] = fallback
    minimum = body.get("min_exporters", defaults.min_exporters)
    if minimum < 2:
        raise ConfigError(f"{SECTION}.min_exporters: must be 2 or more")
    values["min_exporters"] = minimum
    share = float(body.get("dominance_share", defaults.dominance_share))
    if not 0 < share < 1:
        raise ConfigError(f"{SECTION}.dominance_share: must be in (0, 1)")
    values["dominance_share"] = share
    quantiles = body.get("min_exporters_quantiles", defaults.min_exporters_quantiles)
    if quantiles < minimum:
        raise ConfigError(f"{SECTION}.min_exporters_quantiles: must be at least "
                          f"{SECTION}.min_exporters")
    values["min_exporters_quantiles"] = quantiles
    first = body.get("program_first_year", defaults.program_first_year)
    if not 1988 <= first <= 2100:
        raise ConfigError(f"{SECTION}.program_first_year: expected a year in 1988..2100")
    values["program_first_year"] = first
    matches = body.get("matches_per_beneficiary", defaults.matches_per_beneficiary)
    if not 1 <= matches <= 20:
        raise ConfigError(f"{SECTION}.matches_per_beneficiary: must be in 1..20")
    values["matches_per_beneficiary"] = matches
    return FabricConfig(**values)


def _kind(expected: type | tuple[type, ...]) -> str:
    if isinstance(expected, tuple):
        return "a number"
    return {str: "a string", int: "an integer", list: "a list"}.get(expected, "a value")
