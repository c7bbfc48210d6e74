"""The texts of the reports, in `observatory/report/messages/<lang>.toml`: both languages
hold the same keys, a file that does not is refused at start in one line, and every key the
code, the templates and the table catalogue look up is there."""

from __future__ import annotations

import re
import shutil
import tomllib
from pathlib import Path

import pytest

from observatory.report import catalogue
from observatory.report.columns import Table
from observatory.report.formatting import LANGUAGES, NBSP, NNBSP
from observatory.report.market_page import LEVELS
from observatory.report.texts import (
    MESSAGES,
    MESSAGES_DIR,
    MessageCatalogError,
    load_messages,
    translations,
)

PACKAGE = MESSAGES_DIR.parent


def read_file(lang: str) -> dict[str, str]:
    return tomllib.loads((MESSAGES_DIR / f"{lang}.toml").read_text(encoding="utf-8"))


def test_both_languages_have_the_same_keys_and_texts() -> None:
    fr, en = read_file("fr"), read_file("en")
    assert sorted(set(fr) ^ set(en)) == []
    for texts in (fr, en):
        assert all(isinstance(text, str) and text.strip() for text in texts.values())
    assert set(MESSAGES) == set(fr) and len(MESSAGES) > 500


def test_french_typography_is_added_when_the_texts_are_read() -> None:
    fr = translations("fr")
    assert read_file("fr")["method_sources"] == "Sources :"
    assert fr["method_sources"] == f"Sources{NBSP}:"
    assert fr["demo_banner_detail"].count(f"{NNBSP};") == 1
    assert translations("en")["method_sources"] == "Sources:"


def copy_messages(tmp_path: Path) -> Path:
    folder = tmp_path / "messages"
    shutil.copytree(MESSAGES_DIR, folder)
    return folder


def test_a_key_missing_in_one_language_is_refused_in_one_line(tmp_path: Path) -> None:
    folder = copy_messages(tmp_path)
    en = folder / "en.toml"
    en.write_text(
        re.sub(r"(?m)^kf_share_rca = .*\n", "", en.read_text(encoding="utf-8")),
        encoding="utf-8",
    )
    with pytest.raises(MessageCatalogError) as raised:
        load_messages(folder)
    message = str(raised.value)
    assert "\n" not in message
    assert str(en) in message and "'kf_share_rca'" in message and "fr.toml" in message


@pytest.mark.parametrize(
    ("text", "expected"),
    [('site_name = "unterminated', "cannot read the messages"),
     ('site_name = "A"\nsite_name = "B"', "cannot read the messages"),  # a key twice
     ("site_name = 3", "'site_name' is not a non-empty text"),
     ('site_name = "  "', "'site_name' is not a non-empty text")],
)
def test_a_broken_file_is_refused_in_one_line(tmp_path: Path, text: str, expected: str) -> None:
    folder = copy_messages(tmp_path)
    fr = folder / "fr.toml"
    fr.write_text(re.sub(r"(?m)^site_name = .*$", lambda _: text,
                         fr.read_text(encoding="utf-8"), count=1), encoding="utf-8")
    with pytest.raises(MessageCatalogError) as raised:
        load_messages(folder)
    assert "\n" not in str(raised.value)
    assert str(raised.value).startswith(str(fr)) and expected in str(raised.value)


# --- every key looked up exists ----------------------------------------------------------------

TEMPLATE_LOOKUPS = (
    re.compile(r"(?<![\w.])t\.([a-z][a-z0-9_]*)"),  # t.key
    re.compile(r"(?<![\w.])t\[\s*['\"]([a-z][a-z0-9_]*)['\"]\s*\]"),  # t["key"]
)
PYTHON_LOOKUP = re.compile(
    r"(?<![\w.])(?:(?:self|reader|study)\.)?(?:t|messages)\[\s*['\"]([a-z][a-z0-9_]*)['\"]\s*\]"
)
# The codes each translated column can hold (messages `<prefix>_<code>`).
CODES: dict[str, tuple[str, ...]] = {
    "quadrant": catalogue.QUADRANTS,
    "quadrant_desc": catalogue.QUADRANTS,
    "effect": (*catalogue.CMS_EFFECTS, "total"),
    "change": catalogue.CHANGE_ORDER,
    "rule": catalogue.ALERT_RULES,
    "mirror": (*catalogue.MIRROR_FLAGS, "none"),
    "level": LEVELS,
    "dimension": ("product", "market"),
    "access": ("tariffs", "neutral"),
    "role": ("home", "competitor", "market"),
    "scope": ("cbam", "eudr"),
    "side": ("exporter", "market", "left_out"),
    "input": ("reconciled", "reported_totals", "reported_flows", "mirror", "declared"),
    "total_from": ("world_row", "world_row_incomplete", "partners"),
    "period_kind": ("annual", "rolling12", "ytd", "month"),
    "status": ("published", "rejected", "unchanged", "failed", "loaded", "merged"),
}


def template_keys(text: str) -> set[str]:
    keys = {key for pattern in TEMPLATE_LOOKUPS for key in pattern.findall(text)}
    # Keys made from a loop over a literal list: t["m_" ~ key ~ "_title"].
    for listed in re.findall(r"\{% for key in \[([^\]]*)\] %\}", text):
        for key in re.findall(r"\"([a-z_]+)\"", listed):
            for part in re.findall(r't\["m_" ~ key ~ "(_[a-z]+)"\]', text):
                keys.add(f"m_{key}{part}")
    return keys


def used_keys() -> set[str]:
    keys: set[str] = set()
    for path in (PACKAGE / "templates").glob("*.j2"):
        keys |= template_keys(path.read_text(encoding="utf-8"))
    for path in PACKAGE.glob("*.py"):
        keys |= set(PYTHON_LOOKUP.findall(path.read_text(encoding="utf-8")))
    tables: list[Table] = [*catalogue.PAGE_TABLES.values(), *catalogue.SHEETS,
                           *catalogue.README_TABLES]
    for table in tables:
        for column in table.columns:
            keys.add(column.label)
            if column.unit.kind == "label":
                keys |= {f"{column.unit.prefix}_{code}" for code in CODES[column.unit.prefix]}
    code_labels = set()
    for path in [*(PACKAGE / "templates").glob("*.j2"), *PACKAGE.glob("*.py")]:
        code_labels |= set(re.findall(r'code_label\(\s*"([a-z_]+)"', path.read_text("utf-8")))
    for prefix in code_labels | {"status"}:
        keys |= {f"{prefix}_{code}" for code in CODES[prefix]}
    for section in catalogue.DIGEST_SECTIONS:
        keys.add(f"digest_section_{section}")
    return keys


def test_every_key_the_reports_look_up_exists_in_both_languages() -> None:
    keys = used_keys()
    assert len(keys) > 400  # the scan finds the lookups (an empty scan would prove nothing)
    assert {"site_name", "m_potential_title", "wb_col_home_exports_usd", "rule_share_drop",
            "digest_value_move", "chart_rca_title", "sector_other"} <= keys
    for lang in LANGUAGES:
        assert sorted(keys - set(read_file(lang))) == [], lang


def test_the_scan_finds_a_missing_key() -> None:
    text = '{{ t.no_such_message }} {{ t["nor_this"] }} {{ fmt.percent(t.site_name) }}'
    assert template_keys(text) == {"no_such_message", "nor_this", "site_name"}
    assert PYTHON_LOOKUP.findall('x = self.t["wb_capped"].format(n=1); y = fmt["not_a_key"]') == [
        "wb_capped"]
