"""Fetch tariff answers from the WITS SDMX REST API (no key), through the shared HTTP client
(`observatory.sources.http`: retries, timeouts, the total deadline, size limit)."""

from __future__ import annotations

import dataclasses
import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import requests

from observatory.config import HttpConfig
from observatory.sources.http import HttpClient, json_body
from observatory.sources.wits import settings


class WitsClient:
    """`http`: timeouts, deadline and size limit (the `[http]` section; defaults when None);
    `timeout` overrides its read timeout."""

    def __init__(self, base_url: str = settings.BASE_URL, *, session: requests.Session | None
                 = None, timeout: float | None = None, max_retries: int = 5,
                 sleep: Callable[[float], None] = time.sleep,
                 http: HttpConfig | None = None) -> None:
        self.base_url = base_url.rstrip("/")
        limits = http or HttpConfig()
        if timeout is not None:
            limits = dataclasses.replace(limits, read_timeout_seconds=timeout)
        self._getter = HttpClient(session=session or requests.Session(), settings=limits,
                                  max_retries=max_retries, sleep=sleep)

    def tariff_path(self, reporter: str, partner: str, product: str, year: int,
                    datatype: str = "reported") -> str:
        if datatype not in settings.DATATYPES:
            raise ValueError(f"datatype {datatype!r} is not one of {settings.DATATYPES}")
        return settings.TARIFF_PATH.format(reporter=reporter, partner=partner,
                                           product=product, year=year, datatype=datatype)

    def get_tariffs(self, reporter: str, partner: str, product: str, year: int,
                    datatype: str = "reported") -> Any:
        """One tariff answer (SDMX-JSON), parsed; a one-line SourceError names the path on
        failure. Reporter codes are WITS numeric codes (840 for the USA); partner 000 is the
        World (MFN rates)."""
        path = self.tariff_path(reporter, partner, product, year, datatype)
        return self._getter.get(f"{self.base_url}{path}?format=JSON", where=path,
                                headers={"Accept": "application/json"}, read=json_body)

    def download_tariffs(self, dest: Path, reporter: str, partner: str, product: str,
                         year: int, datatype: str = "reported") -> Path:
        """Save one tariff answer (`get_tariffs`) to `dest`, atomically."""
        body = self.get_tariffs(reporter, partner, product, year, datatype)
        dest.parent.mkdir(parents=True, exist_ok=True)
        tmp = dest.with_name(dest.name + ".tmp")
        tmp.write_text(json.dumps(body), encoding="utf-8")
        tmp.replace(dest)
        return dest


def fetch_tariffs(client: WitsClient, reporter: str, partner: str, product: str,
                  year: int) -> Any:
    """`client.get_tariffs`, as a plain function a fetch worker runs."""
    return client.get_tariffs(reporter, partner, product, year)
