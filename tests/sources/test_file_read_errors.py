"""Files that cannot be read, given to `observatory ingest file`: every one ends as one line
naming the file and what is wrong with it, exit code 1, the input recorded as failed in the
run summary, and the published database left exactly as it was. No traceback."""

from __future__ import annotations

import errno
import hashlib
import io
import json
import os
import random
import signal
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path

import pandas as pd
import pytest

from observatory.cli import main
from tests.conftest import write_config

ROWS = [
    "Pays;Code SH;Année;Valeur (USD);Poids (kg)",
    "Espagne;070200;2023;1 234 567,5;1000,0",
    "France;070200;2023;2 000,25;",
]
PROFILE = "exports_by_country_fr"


def _frame(n: int = 400) -> pd.DataFrame:
    header, *rows = [line.split(";") for line in ROWS]
    return pd.DataFrame(rows * (n // len(rows)), columns=header)


@pytest.fixture(scope="module")
def published(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A workspace with one good file published; configurations reading the profile as
    csv (observatory.toml), xlsx (xlsx.toml) and from the extension (auto.toml)."""
    folder = tmp_path_factory.mktemp("file_errors")
    config = write_config(folder, baci_paths=["inputs/none-*.zip"])
    text = config.read_text(encoding="utf-8")
    for fmt in ("xlsx", "auto"):
        replaced = text.replace('format = "csv"\nencoding', f'format = "{fmt}"\nencoding')
        assert replaced != text
        (folder / f"{fmt}.toml").write_text(replaced, encoding="utf-8")
    good = folder / "good.csv"
    good.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    assert main(["--config", str(config), "ingest", "file", str(good), "--profile",
                 PROFILE]) == 0
    yield folder


def _digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _truncated(data: bytes) -> bytes:
    return data[: len(data) // 2]


def _garbage_xlsx(folder: Path) -> Path:
    path = folder / "garbage.xlsx"
    path.write_bytes(random.Random(0).randbytes(5000))
    return path


def _csv_as_xlsx(folder: Path) -> Path:
    path = folder / "exports.csv"
    # Not good.csv's content: the same content under another name is another matter.
    path.write_text("\n".join([*ROWS, "Turquie;854430;2023;77,7;1,5"]) + "\n",
                    encoding="utf-8")
    return path


def _directory(folder: Path) -> Path:
    path = folder / "a_folder.csv"
    path.mkdir(exist_ok=True)
    return path


def _fifo(folder: Path) -> Path:
    path = folder / "pipe.csv"
    if not path.exists():
        os.mkfifo(path)
    return path


def _empty(name: str) -> Callable[[Path], Path]:
    def make(folder: Path) -> Path:
        path = folder / name
        path.write_bytes(b"")
        return path
    return make


def _truncated_xlsx(folder: Path) -> Path:
    buffer = io.BytesIO()
    _frame().to_excel(buffer, index=False)
    path = folder / "truncated.xlsx"
    path.write_bytes(_truncated(buffer.getvalue()))
    return path


def _damaged_xlsx_member(folder: Path) -> Path:
    """A complete zip archive whose worksheet is cut in the middle of its XML."""
    buffer = io.BytesIO()
    _frame().to_excel(buffer, index=False)
    out = io.BytesIO()
    with zipfile.ZipFile(buffer) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename.startswith("xl/worksheets/"):
                data = _truncated(data)
            dst.writestr(info, data)
    path = folder / "damaged_sheet.xlsx"
    path.write_bytes(out.getvalue())
    return path


def _truncated_parquet(folder: Path) -> Path:
    buffer = io.BytesIO()
    _frame().to_parquet(buffer)
    path = folder / "truncated.parquet"
    path.write_bytes(_truncated(buffer.getvalue()))
    return path


def _damaged_parquet_data(folder: Path) -> Path:
    """The footer intact (the file opens) but the first column chunk overwritten: the
    error comes while reading the rows (pyarrow's message spans two lines)."""
    import pyarrow.parquet as pq

    buffer = io.BytesIO()
    _frame(4000).to_parquet(buffer, compression="snappy")
    chunk = pq.ParquetFile(io.BytesIO(buffer.getvalue())).metadata.row_group(0).column(0)
    start = chunk.dictionary_page_offset or chunk.data_page_offset
    size = chunk.total_compressed_size
    data = bytearray(buffer.getvalue())
    data[start:start + size] = random.Random(1).randbytes(size)
    path = folder / "damaged_data.parquet"
    path.write_bytes(bytes(data))
    return path


CASES = {
    # id: (make the file, configuration, what the one line says after the file's name)
    "garbage xlsx": (_garbage_xlsx, "auto.toml", r"garbage\.xlsx: not a readable XLSX workbook"),
    "csv to an xlsx profile": (_csv_as_xlsx, "xlsx.toml",
                               r"exports\.csv: not a readable XLSX workbook"),
    "directory": (_directory, "observatory.toml", r"a_folder\.csv: is a directory"),
    "fifo": (_fifo, "observatory.toml",
             r"pipe\.csv: is a named pipe \(FIFO\), not a regular file"),
    "/dev/zero": (lambda _: Path("/dev/zero"), "observatory.toml",
                  r"/dev/zero: is a character device, not a regular file"),
    "empty csv": (_empty("empty.csv"), "observatory.toml", r"empty\.csv: the file is empty"),
    "empty xlsx": (_empty("empty.xlsx"), "auto.toml", r"empty\.xlsx: the file is empty"),
    "empty parquet": (_empty("empty.parquet"), "auto.toml",
                      r"empty\.parquet: the file is empty"),
    "truncated xlsx": (_truncated_xlsx, "auto.toml",
                       r"truncated\.xlsx: not a readable XLSX workbook"),
    "damaged xlsx sheet": (_damaged_xlsx_member, "auto.toml",
                           r"damaged_sheet\.xlsx: not a readable XLSX workbook"),
    "truncated parquet": (_truncated_parquet, "auto.toml",
                          r"truncated\.parquet: not a readable Parquet file"),
    "damaged parquet data": (_damaged_parquet_data, "auto.toml",
                             r"damaged_data\.parquet: .*not readable Parquet data"),
}


def _alarm(signum: int, frame: object) -> None:
    raise TimeoutError("ingest file did not return within 120 s (blocked on a read?)")


def _ingest(folder: Path, config: str, path: Path,
            capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    # A FIFO opened for reading blocks until a writer comes: fail instead of hanging.
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    try:
        code = main(["--config", str(folder / config), "ingest", "file", str(path),
                     "--profile", PROFILE])
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def _check_failed(folder: Path, code: int, out: str, err: str, path: Path,
                  expected: str) -> None:
    import re

    text = out + err
    assert "Traceback" not in text, text
    assert code == 1, text
    named = [line for line in text.splitlines() if re.search(expected, line)]
    assert len(named) == 1, text
    # The failed input's line in the run summary, one line, naming the file.
    assert re.search(rf"^\s*file:{PROFILE} {re.escape(path.name)}: FAILED: .*{expected}",
                     named[0]), named[0]
    run_id = re.search(r"^run (\S+):", out, re.M)
    assert run_id, text
    summary = json.loads((folder / "data" / "warehouse" / "runs" / f"{run_id.group(1)}.json")
                         .read_text(encoding="utf-8"))
    assert summary["status"] == "completed_with_rejections"
    (item,) = summary["inputs"]
    assert item["status"] == "failed" and item["file_name"] == path.name
    assert re.search(expected, item["message"]) and "\n" not in item["message"]
    assert summary["published"] is False


@pytest.mark.parametrize("case", list(CASES))
def test_unreadable_file_is_one_line_and_a_failed_input(
        published: Path, case: str, capsys: pytest.CaptureFixture[str]) -> None:
    make, config, expected = CASES[case]
    path = make(published)
    before = _digest(published / "data" / "warehouse" / "observatory.duckdb")
    code, out, err = _ingest(published, config, path, capsys)
    _check_failed(published, code, out, err, path, expected)
    assert _digest(published / "data" / "warehouse" / "observatory.duckdb") == before


def test_permission_denied_is_one_line_and_a_failed_input(
        published: Path, capsys: pytest.CaptureFixture[str],
        monkeypatch: pytest.MonkeyPatch) -> None:
    """Tests run as root, which reads a chmod 000 file anyway: the denial is simulated by
    making `Path.open` (what `land` reads the analyst's file with) raise PermissionError for
    this one path, as the operating system would."""
    secret = published / "secret.csv"
    secret.write_text("\n".join(ROWS) + "\n", encoding="utf-8")
    real_open = Path.open

    def guarded_open(self: Path, *args: object, **kwargs: object):  # type: ignore[no-untyped-def]
        if self == secret:
            raise PermissionError(errno.EACCES, os.strerror(errno.EACCES), str(self))
        return real_open(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "open", guarded_open)
    before = _digest(published / "data" / "warehouse" / "observatory.duckdb")
    code, out, err = _ingest(published, "observatory.toml", secret, capsys)
    _check_failed(published, code, out, err, secret,
                  r"secret\.csv: cannot be read \(Permission denied\)")
    assert _digest(published / "data" / "warehouse" / "observatory.duckdb") == before


@pytest.mark.parametrize("case", list(CASES))
def test_reader_and_landing_raise_one_line_source_errors(tmp_path: Path, case: str) -> None:
    """The same files without the pipeline: landing refuses what is not a regular file,
    the reader what it cannot read, each with a one-line SourceError."""
    from observatory.config import load_config
    from observatory.errors import SourceError
    from observatory.sources import batches
    from observatory.sources.files import client

    make, config, expected = CASES[case]
    write_config(tmp_path, baci_paths=["inputs/none-*.zip"])
    text = (tmp_path / "observatory.toml").read_text(encoding="utf-8")
    fmt = {"observatory.toml": "csv", "xlsx.toml": "xlsx", "auto.toml": "auto"}[config]
    (tmp_path / config).write_text(
        text.replace('format = "csv"\nencoding', f'format = "{fmt}"\nencoding'),
        encoding="utf-8")
    profile = load_config(tmp_path / config).profiles[PROFILE]
    path = make(tmp_path)
    previous = signal.signal(signal.SIGALRM, _alarm)
    signal.alarm(120)
    try:
        with pytest.raises(SourceError, match=expected) as raised:
            batches.land(path, tmp_path / "raw")
            list(client.read_chunks(path, profile))
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)
    assert "\n" not in str(raised.value)
