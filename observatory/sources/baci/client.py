"""Read CEPII BACI archives: list the yearly files, read the dictionaries, land a year."""

from __future__ import annotations

import csv
import hashlib
import io
import os
import zipfile
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from observatory.errors import SourceError
from observatory.sources.baci import settings
from observatory.sources.batches import DEMO_MARKER


@dataclass(frozen=True)
class YearFile:
    """One yearly trade file inside an archive."""

    archive: Path
    member: str
    hs_revision: str
    year: int
    release: str
    crc: int
    size: int

    @property
    def name(self) -> str:
        return Path(self.member).name

    @property
    def fingerprint(self) -> str:
        """Cheap identity read from the zip directory, without decompressing the member."""
        return f"{self.name}:crc32={self.crc:08x}:size={self.size}"


class BaciArchive:
    """A BACI zip archive as CEPII publishes it."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise SourceError(f"{self.path}: BACI archive not found")
        if not zipfile.is_zipfile(self.path):
            raise SourceError(f"{self.path}: not a zip archive (truncated or an error page?)")
        try:
            with zipfile.ZipFile(self.path) as zf:
                self._infos = zf.infolist()
        except (zipfile.BadZipFile, OSError) as exc:
            raise SourceError(f"{self.path}: unreadable zip archive: {exc}") from exc

    def year_files(self) -> list[YearFile]:
        files = []
        for info in self._infos:
            match = settings.YEAR_MEMBER.match(info.filename)
            if match:
                revision, year, release = match.groups()
                files.append(
                    YearFile(self.path, info.filename, revision, int(year), release,
                             info.CRC, info.file_size)
                )
        if not files:
            raise SourceError(
                f"{self.path}: no BACI_<HS>_Y<year>_V<release>.csv file in the archive"
            )
        return sorted(files, key=lambda f: f.year)

    def _member(self, pattern: object) -> str | None:
        for info in self._infos:
            if pattern.match(info.filename):  # type: ignore[attr-defined]
                return info.filename
        return None

    def is_synthetic(self) -> bool:
        """True for the embedded demo archive, whose readme carries the demo marker."""
        member = self._member(settings.README_MEMBER)
        if member is None:
            return False
        with zipfile.ZipFile(self.path) as zf:
            text = zf.read(member).decode("utf-8", errors="replace")
        return DEMO_MARKER in text

    def country_codes(self) -> tuple[pd.DataFrame, list[str]]:
        """The archive's country dictionary, normalised to
        `country_code, country_name, country_iso2, country_iso3`; and the repairs made."""
        member = self._member(settings.COUNTRY_MEMBER)
        if member is None:
            return pd.DataFrame(columns=["country_code", "country_name", "country_iso2",
                                         "country_iso3"]), ["no country_codes file in archive"]
        with zipfile.ZipFile(self.path) as zf:
            return read_country_codes(zf.read(member), f"{self.path.name}:{member}")

    def product_codes(self) -> tuple[pd.DataFrame, list[str]]:
        """The archive's product dictionary (`code` padded to six characters, `description`)."""
        member = self._member(settings.PRODUCT_MEMBER)
        if member is None:
            return pd.DataFrame(columns=["code", "description"]), ["no product_codes file"]
        with zipfile.ZipFile(self.path) as zf:
            return read_product_codes(zf.read(member), f"{self.path.name}:{member}")

    def land(self, year_file: YearFile, raw_dir: Path) -> tuple[Path, str]:
        """Extract a yearly CSV under `raw_dir` (streamed); returns its path and sha256."""
        dest_dir = raw_dir / settings.SOURCE / year_file.release
        dest_dir.mkdir(parents=True, exist_ok=True)
        dest = dest_dir / year_file.name
        tmp = dest.with_name(dest.name + f".{os.getpid()}.tmp")
        digest = hashlib.sha256()
        try:
            with zipfile.ZipFile(self.path) as zf, zf.open(year_file.member) as src, \
                    open(tmp, "wb") as out:
                while chunk := src.read(1 << 20):
                    digest.update(chunk)
                    out.write(chunk)
            os.replace(tmp, dest)
        except (zipfile.BadZipFile, OSError, EOFError) as exc:
            tmp.unlink(missing_ok=True)
            raise SourceError(f"{self.path}:{year_file.member}: cannot extract: {exc}") from exc
        return dest, digest.hexdigest()


def _decode(data: bytes, label: str) -> str:
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise SourceError(f"{label}: neither UTF-8 nor cp1252 text")


def _sniff(text: str) -> tuple[list[str], list[list[str]], str]:
    first = text.splitlines()[0] if text else ""
    delimiter = ";" if first.count(";") > first.count(",") else ","
    rows = list(csv.reader(io.StringIO(text), delimiter=delimiter))
    if not rows:
        return [], [], delimiter
    return [h.strip().lower() for h in rows[0]], [r for r in rows[1:] if r], delimiter


def read_country_codes(data: bytes, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Parse a BACI country dictionary, repairing the variants seen in the wild."""
    header, rows, delimiter = _sniff(_decode(data, label))
    repairs = []
    if delimiter != ",":
        repairs.append(f"{label}: '{delimiter}'-separated (BACI uses ','): read as such")
    renames = {"country_name_abbreviation": "country_name", "iso_2digit_alpha": "country_iso2",
               "iso_3digit_alpha": "country_iso3", "iso_3digit_alpha ": "country_iso3"}
    columns = [renames.get(h, h) for h in header]
    if columns != header:
        repairs.append(f"{label}: old column names {header} renamed to the current ones")
    needed = ["country_code", "country_name", "country_iso2", "country_iso3"]
    missing = [c for c in needed if c not in columns]
    if missing:
        raise SourceError(f"{label}: line 1: missing column(s) {', '.join(missing)}")
    frame = pd.DataFrame([r[: len(columns)] for r in rows], columns=columns, dtype="str")
    return frame[needed].map(lambda v: v.strip() if isinstance(v, str) else v), repairs


def read_product_codes(data: bytes, label: str) -> tuple[pd.DataFrame, list[str]]:
    """Parse a BACI product dictionary; codes that lost their leading zeros are padded."""
    header, rows, delimiter = _sniff(_decode(data, label))
    repairs = []
    if delimiter != ",":
        repairs.append(f"{label}: '{delimiter}'-separated (BACI uses ','): read as such")
    if header[:2] != ["code", "description"]:
        raise SourceError(f"{label}: line 1: expected columns code,description, got {header}")
    frame = pd.DataFrame([r[:2] for r in rows], columns=["code", "description"], dtype="str")
    short = frame["code"].str.len() < 6
    if short.any():
        repairs.append(f"{label}: {int(short.sum())} codes without leading zeros padded to 6")
        frame["code"] = frame["code"].str.zfill(6)
    return frame, repairs


def read_header(path: Path) -> list[str]:
    """The first line of a landed yearly CSV, as column names."""
    with open(path, encoding="utf-8-sig", errors="replace", newline="") as fh:
        first = fh.readline()
    return [c.strip().strip('"').lower() for c in first.rstrip("\r\n").split(",")]
