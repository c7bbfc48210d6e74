"""The real samples vendored under tests/fixtures/real/: each folder says where its files come
from and under which licence, and each file is byte for byte the one it names (its
SHA256SUMS, written by scripts/vendor_real_samples.py when it copied them)."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pytest

from tests.conftest import VENDORED_REAL, real_sample

FOLDERS = sorted(p for p in VENDORED_REAL.iterdir() if p.is_dir())


def _sums(folder: Path) -> dict[str, str]:
    lines = (folder / "SHA256SUMS").read_text(encoding="utf-8").splitlines()
    return {name: digest for digest, name in (line.split("  ", 1) for line in lines)}


@pytest.mark.parametrize("folder", FOLDERS, ids=[p.name for p in FOLDERS])
def test_every_folder_says_source_commit_and_licence(folder: Path) -> None:
    readme = (folder / "README.md").read_text(encoding="utf-8")
    for word in ("Source", "@", "Licence"):
        assert word in readme, (folder.name, word)
    listed = {p.name.removesuffix(".gz") for p in folder.iterdir()
              if p.name not in ("README.md", "SHA256SUMS")}
    for name in listed:
        assert f"`{name}`" in readme, (folder.name, name)


@pytest.mark.parametrize("folder", [p for p in FOLDERS if (p / "SHA256SUMS").is_file()],
                         ids=lambda p: p.name)
def test_vendored_files_are_the_originals(folder: Path) -> None:
    sums = _sums(folder)
    stored = {p.name.removesuffix(".gz") for p in folder.iterdir()
              if p.name not in ("README.md", "SHA256SUMS")}
    assert stored == set(sums)
    for name, digest in sums.items():
        path = real_sample(folder.name, name)  # a .gz copy is read unpacked
        assert hashlib.sha256(path.read_bytes()).hexdigest() == digest, name


def test_a_sample_that_is_not_vendored_is_an_error_naming_it() -> None:
    with pytest.raises(FileNotFoundError, match="no_such_file.csv: not vendored under "
                                                "tests/fixtures/real/"):
        real_sample("comtrade-eu27-wood-imports-2018-2022", "no_such_file.csv")
