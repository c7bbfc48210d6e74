"""The texts of the reports, read from one TOML file per language (`messages/fr.toml`,
`messages/en.toml`) that translators edit without touching Python.

The files are read once, when this module is imported: a key that one language has and the
other lacks, a value that is not text or a file that is not valid TOML stops the program
there with one line naming the key and the file, rather than a page failing half-way
through a nightly run.

French texts are written with ordinary spaces; `translations("fr")` puts the no-break
spaces of French typography before `:`, `;`, `!` and `?`.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Mapping
from pathlib import Path

from observatory.errors import ObservatoryError
from observatory.report.formatting import LANGUAGES, MISSING, NBSP, NNBSP, check_language

MESSAGES_DIR = Path(__file__).parent / "messages"
# Column headers of the study workbook are the messages `wb_col_<column>`.
COLUMN_PREFIX = "wb_col_"

# Display names of the sources the ledger knows; an unknown source shows its own code.
SOURCE_LABELS: dict[str, str] = {
    "baci": "CEPII BACI",
}

_FR_HIGH_PUNCTUATION = re.compile(r" ([;!?])")
_FR_COLON = re.compile(r" :")


class MessageCatalogError(ObservatoryError):
    """A message file is unreadable, or a key is in one language and not the other."""


def _read(path: Path) -> dict[str, str]:
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise MessageCatalogError(f"{path}: cannot read the messages: {exc}") from exc
    for key, text in data.items():
        if not isinstance(text, str) or not text.strip():
            raise MessageCatalogError(f"{path}: message {key!r} is not a non-empty text")
    return data


def load_messages(folder: Path = MESSAGES_DIR) -> dict[str, dict[str, str]]:
    """{key: {language: text}} from `<folder>/<language>.toml`, every key in every language."""
    files = {lang: folder / f"{lang}.toml" for lang in LANGUAGES}
    texts = {lang: _read(path) for lang, path in files.items()}
    keys = {key for by_key in texts.values() for key in by_key}
    for key in sorted(keys):
        for lang, path in files.items():
            if key not in texts[lang]:
                present = next(files[other].name for other in LANGUAGES if key in texts[other])
                raise MessageCatalogError(
                    f"{path}: message {key!r} is missing (it is in {present})"
                )
    order = list(texts[LANGUAGES[0]])
    return {key: {lang: texts[lang][key] for lang in LANGUAGES} for key in order}


MESSAGES = load_messages()


def _french_spacing(text: str) -> str:
    """Put the no-break spaces of French typography before high punctuation."""
    return _FR_HIGH_PUNCTUATION.sub(NNBSP + r"\1", _FR_COLON.sub(NBSP + ":", text))


def translations(lang: str) -> dict[str, str]:
    """All messages in `lang`, French strings with their no-break spaces."""
    check_language(lang)
    if lang == "fr":
        return {key: _french_spacing(texts["fr"]) for key, texts in MESSAGES.items()}
    return {key: texts[lang] for key, texts in MESSAGES.items()}


def code_label(prefix: str, code: str | None, messages: Mapping[str, str]) -> str:
    """Translated code of a mart column ('quadrant', 'champion' -> 'Champions'); an unknown
    code shows as is, a missing one as a dash."""
    if code is None:
        return MISSING
    return messages.get(f"{prefix}_{code}", code)


def status_label(status: str, messages: Mapping[str, str]) -> str:
    """Translated ledger status ('published' -> 'publié'); an unknown status shows as is."""
    return messages.get(f"status_{status}", status)


def source_label(source: str) -> str:
    """Display name of a ledger source code ('baci' -> 'CEPII BACI')."""
    return SOURCE_LABELS.get(source, source)


def column_label(column: str, lang: str) -> str:
    """The workbook header of a mart column in `lang` (its unit in parentheses), or the
    column's own name when it has none."""
    check_language(lang)
    texts = MESSAGES.get(COLUMN_PREFIX + column)
    return texts[lang] if texts else column
