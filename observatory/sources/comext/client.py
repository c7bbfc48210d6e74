"""Read Eurostat Comext: the dissemination API through the shared HTTP client, and the bulk
files (7z archives holding one .dat CSV).

API requests go through `observatory.sources.http.HttpClient` (retries on 429 with
`Retry-After`, 5xx and time-outs, the total deadline, the size limit, redirects on the same
host only); what is Comext's stays here: the series key built from a query, and an answer
that is not SDMX-CSV (an HTML page, an XML message) read as a bad body, asked again once.
Every error is a one-line `SourceError` naming the request or the file.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from urllib.parse import quote, urlencode

import requests

from observatory.config import HttpConfig
from observatory.errors import SourceError
from observatory.sources.comext import settings
from observatory.sources.http import HttpClient, Reply, Transient, html_title, one_line


@dataclass(frozen=True)
class ComextQuery:
    """One request: a reporter's flows with some partners in some products, from a period.
    Codes are Eurostat's (GR, WORLD); empty `partners` or `products`: all of them."""

    reporter: str
    partners: tuple[str, ...]
    products: tuple[str, ...]
    flows: tuple[str, ...]  # "1" imports, "2" exports
    freq: str
    start_period: str

    @property
    def key(self) -> str:
        """The series key: freq.reporter.partner.product.flow.indicators."""
        return ".".join([self.freq, self.reporter, "+".join(self.partners),
                         "+".join(self.products), "+".join(self.flows),
                         "+".join(settings.INDICATORS)])

    @property
    def params(self) -> dict[str, str]:
        return {"format": "SDMX-CSV", "startPeriod": self.start_period}

    @property
    def file_name(self) -> str:
        """The name the answer is saved and loaded under (the ledger's input)."""
        return f"comext_{self.reporter}_{self.freq}_from_{self.start_period}.csv"


class ComextClient:
    """GET SDMX-CSV answers of the Comext dissemination API (no key).

    `http`: timeouts, deadline and size limit (the `[http]` section; defaults when None);
    `sleep` is injectable (tests record the waits)."""

    def __init__(self, base_url: str = settings.BASE_URL, *,
                 session: requests.Session | None = None, max_retries: int = 5,
                 backoff_base: float = 1.0, sleep: Callable[[float], None] = time.sleep,
                 max_wait: float = settings.MAX_WAIT_SECONDS,
                 http: HttpConfig | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        self._getter = HttpClient(session=session if session is not None else requests.Session(),
                                  settings=http or HttpConfig(), max_retries=max_retries,
                                  backoff_base=backoff_base, max_wait=max_wait, sleep=sleep)

    def url(self, query: ComextQuery) -> str:
        """The exact URL sent."""
        return f"{self.base_url}/{quote(query.key, safe='.+')}?{urlencode(query.params)}"

    def get_answer(self, query: ComextQuery) -> str:
        """The answer's text (SDMX-CSV), or a one-line `SourceError` naming the request."""
        where = f"comext {settings.DATASET}/{one_line(query.key, 80)}"
        return self._getter.get(self.url(query), where=where,
                                headers={"Accept": "text/csv"},
                                on_error=lambda reply: _refuse(reply, where),
                                read=sdmx_csv_body,
                                params_for_log=query.params)


def fetch_answer(client: ComextClient, query: ComextQuery) -> str:
    """`client.get_answer`, as a plain function a fetch worker runs."""
    return client.get_answer(query)


def _refuse(reply: Reply, where: str) -> None:
    """The answers of the API that are final whatever the retries: no data, too large."""
    if reply.status == 404:
        raise SourceError(f"{where}: HTTP 404: no data for this query ({reply.message}); "
                          "check sources.comext reporters, partners, products and "
                          "start_period")
    if reply.status == 413:
        raise SourceError(f"{where}: HTTP 413: the query is too large for the API; name "
                          "fewer products or partners, or use bulk files "
                          "(sources.comext.bulk_paths)")


def sdmx_csv_body(reply: Reply) -> str:
    """The text of a 200 answer that is SDMX-CSV; an HTML page, an XML message or a body
    without the SDMX-CSV header is a bad body (asked again once, then an error)."""
    text = reply.body.decode("utf-8-sig", "replace")
    head = text[:4096].lstrip()
    if "html" in reply.content_type or head.startswith("<"):
        title = html_title(text)
        kind = "an HTML page" if "<html" in head.lower() or "html" in reply.content_type \
            else "an XML message"
        raise Transient(f"HTTP 200 with {kind} instead of SDMX-CSV"
                        + (f" ({title})" if title else ""), body_invalid=True)
    first = head.splitlines()[0] if head else ""
    if not first.startswith("DATAFLOW,"):
        raise Transient(f"HTTP 200 without the SDMX-CSV header (first line "
                        f"{one_line(first, 80)!r})", body_invalid=True)
    return text


# ---- bulk files ----------------------------------------------------------------------------

_PERIOD_IN_NAME = re.compile(r"(?<!\d)(\d{4})(0[1-9]|1[0-2]|52)(?!\d)")


class BulkArchive:
    """A bulk file as Eurostat publishes it: a 7z archive holding one `.dat` CSV.

    Reading the archive's directory is cheap (its fingerprint: the member's name, CRC-32 and
    size); `land` decompresses the member under the raw folder. A file that is not a 7z
    archive, is truncated or damaged, or holds no .dat is a one-line `SourceError` naming
    it."""

    def __init__(self, path: Path) -> None:
        import py7zr

        self.path = Path(path)
        with open(self.path, "rb") as fh:
            magic = fh.read(len(settings.SEVEN_ZIP_MAGIC))
        if magic != settings.SEVEN_ZIP_MAGIC:
            raise SourceError(f"{self.path.name}: not a 7z archive (first bytes {magic!r}: "
                              "an error page or another format?)")
        try:
            with py7zr.SevenZipFile(self.path, mode="r") as archive:
                infos = archive.list()
        except Exception as exc:  # py7zr raises many kinds on a damaged archive
            raise SourceError(f"{self.path.name}: unreadable 7z archive (truncated or "
                              f"damaged): {_reason(exc)}") from exc
        members = [i for i in infos if not i.is_directory and i.filename.lower().endswith(".dat")]
        if len(members) != 1:
            names = ", ".join(i.filename for i in infos) or "nothing"
            raise SourceError(f"{self.path.name}: expected one .dat file in the archive, "
                              f"found {names}")
        self.member = members[0]

    @property
    def fingerprint(self) -> str:
        """The member's identity from the archive's directory, without decompressing it."""
        crc = self.member.crc32 if self.member.crc32 is not None else 0
        return (f"{self.member.filename}:crc32={crc:08x}:"
                f"size={self.member.uncompressed}")

    def period(self) -> str | None:
        """YYYYMM (or YYYY52, a year) from the member's or the archive's name, if it says."""
        for name in (Path(self.member.filename).name, self.path.name):
            found = _PERIOD_IN_NAME.search(name)
            if found:
                return found.group(1) + found.group(2)
        return None

    def file_date(self) -> date:
        """The day the .dat was written (the archive's record of it, else the file's
        modification day)."""
        when = self.member.creationtime
        if when is not None:
            return when.date()
        return date.fromtimestamp(self.path.stat().st_mtime)

    def land(self, raw_dir: Path) -> tuple[Path, str]:
        """Decompress the .dat under raw_dir/comext/bulk/<archive sha256 prefix>/ (once);
        returns its path and the archive's sha256."""
        import py7zr

        digest = hashlib.sha256()
        with open(self.path, "rb") as fh:
            while chunk := fh.read(1 << 20):
                digest.update(chunk)
        sha = digest.hexdigest()
        dest = raw_dir / settings.SOURCE / "bulk" / sha[:16] / Path(self.member.filename).name
        if dest.is_file() and dest.stat().st_size == self.member.uncompressed:
            return dest, sha
        dest.parent.mkdir(parents=True, exist_ok=True)
        scratch = Path(tempfile.mkdtemp(prefix=f".{os.getpid()}.", dir=dest.parent))
        try:
            with py7zr.SevenZipFile(self.path, mode="r") as archive:
                archive.extract(path=scratch, targets=[self.member.filename])
            extracted = scratch / self.member.filename
            if not extracted.is_file():
                raise SourceError(f"{self.path.name}: {self.member.filename} was not "
                                  "extracted")
            if extracted.stat().st_size != self.member.uncompressed:
                raise SourceError(f"{self.path.name}: {self.member.filename} extracted to "
                                  f"{extracted.stat().st_size} bytes, the archive says "
                                  f"{self.member.uncompressed}")
            os.replace(extracted, dest)
        except SourceError:
            raise
        except Exception as exc:  # py7zr raises many kinds on a damaged archive
            raise SourceError(f"{self.path.name}: cannot extract {self.member.filename} "
                              f"(truncated or damaged archive): {_reason(exc)}") from exc
        finally:
            shutil.rmtree(scratch, ignore_errors=True)
        return dest, sha


def _reason(exc: BaseException) -> str:
    text = one_line(str(exc), 160)
    return f"{type(exc).__name__}: {text}" if text else type(exc).__name__
