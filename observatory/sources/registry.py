"""The source registry: every folder of `observatory/sources/` whose `source.py` defines
`SOURCE` is a source, found here, in its declared order.

The nightly job, `observatory ingest file`, the source groups of the scheduled deployments,
`observatory status` and the Prefect tasks all loop over `sources()`; adding a source is
adding its folder (and its SQL), nothing else.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from pathlib import Path

from observatory.config import Config
from observatory.errors import ConfigError
from observatory.sources.base import GROUPS, InputOutcome, Source

PACKAGE = "observatory.sources"


@functools.cache
def sources() -> tuple[Source, ...]:
    """Every registered source, in the order the nightly job ingests them."""
    found: list[Source] = []
    folder = Path(__file__).parent
    for module in pkgutil.iter_modules([str(folder)]):
        if not module.ispkg or not (folder / module.name / "source.py").is_file():
            continue
        source = importlib.import_module(f"{PACKAGE}.{module.name}.source").SOURCE
        if not isinstance(source, Source):
            raise TypeError(f"{PACKAGE}.{module.name}.source.SOURCE is not a Source")
        if source.group not in GROUPS:
            raise TypeError(f"source {source.name}: unknown group {source.group!r}")
        found.append(source)
    names = [s.name for s in found]
    if len(set(names)) != len(names):
        raise TypeError(f"two sources share a name: {sorted(names)}")
    return tuple(sorted(found, key=lambda s: (s.order, s.name)))


def by_name(name: str) -> Source:
    for source in sources():
        if source.name == name:
            return source
    raise KeyError(name)


def handler(outcome: InputOutcome) -> Source:
    """The source whose gate and merge a batch goes through."""
    return by_name(outcome.handler or outcome.source)


def for_profile(cfg: Config, profile: str) -> Source:
    """The source `observatory ingest file --profile <profile>` goes through: a source whose
    own format it names (`rasff`, `wits_tariffs`), else one that reads the configuration's
    profiles (analysts' files)."""
    own = [s for s in sources() if profile in s.profiles]
    if own and profile in cfg.profiles:
        raise ConfigError(f"profiles.{profile}: the name of a source's own file format "
                          f"({own[0].label}); give the profile another name")
    readers = [s for s in sources() if s.handles_profile(cfg, profile)]
    if own or readers:
        return (own or readers)[0]
    known = sorted({*cfg.profiles, *(p for s in sources() for p in s.profiles)})
    raise ConfigError(f"--profile: unknown profile {profile!r} (known: {', '.join(known)})")


def select_group(cfg: Config, group: str) -> Config:
    """The configuration of a run restricted to one group of sources ("all": unchanged).
    The run still refreshes what depends on the data (marts, study, watch) and publishes;
    the fingerprints skip what did not change."""
    if group == "all":
        return cfg
    if group not in GROUPS:
        raise ConfigError(f"sources: {group!r} is not one of all, {', '.join(GROUPS)}")
    for source in sources():
        if source.group != group:
            cfg = source.without(cfg)
    return cfg


def group_label(group: str) -> str:
    """For people: which sources a scheduled run of a group reads ("CEPII BACI and UN
    Comtrade")."""
    if group == "all":
        return "every source"
    labels = [s.label for s in sources() if s.group == group and s.scheduled]
    return ", ".join(labels[:-1]) + (" and " if len(labels) > 1 else "") + labels[-1]
