"""Load and check `observatory.toml`.

Every key has a documented default in the committed `observatory.toml`. A missing file, an
unknown key, an unknown country code or a bad value stops the program at start with a
one-line `ConfigError` that names the key.
"""

from __future__ import annotations

import math
import os
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from observatory.classification import HS_REVISIONS
from observatory.errors import ConfigError

ENV_VAR = "OBSERVATORY_CONFIG"
DEFAULT_FILE = "observatory.toml"
LANGUAGES = ("fr", "en")
# Where the Prefect flow runs its network fetches (`[orchestration] task_runner`).
TASK_RUNNERS = ("auto", "threads", "dask")


@dataclass(frozen=True)
class StudyConfig:
    home: str
    priority_markets: tuple[str, ...]
    competitors: tuple[str, ...]
    first_year: int
    last_year: int
    hs_revision: str

    @property
    def years(self) -> range:
        return range(self.first_year, self.last_year + 1)


@dataclass(frozen=True)
class Thresholds:
    rca: float
    top_products: int
    top_markets: int
    mirror_band_low: float
    mirror_band_high: float


@dataclass(frozen=True)
class BaciSourceConfig:
    enabled: bool
    paths: tuple[str, ...]


@dataclass(frozen=True)
class ComtradeSourceConfig:
    enabled: bool
    endpoint: str
    freq: str
    reporters: tuple[str, ...]
    partners: tuple[str, ...]
    commodities: tuple[str, ...]
    flows: tuple[str, ...]
    base_url: str
    row_cap: int
    max_retries: int


@dataclass(frozen=True)
class ComextSourceConfig:
    """Eurostat Comext (observatory/sources/comext): the dissemination API's query (countries
    as ISO3 codes, `WORLD` for all partners), saved answers and bulk files."""

    enabled: bool = False
    base_url: str = ("https://ec.europa.eu/eurostat/api/comext/dissemination/sdmx/2.1/data/"
                     "DS-045409")
    reporters: tuple[str, ...] = ()
    partners: tuple[str, ...] = ()
    products: tuple[str, ...] = ()
    flows: tuple[str, ...] = ("M",)
    freq: str = "M"
    start_period: str = ""
    files: tuple[str, ...] = ()
    bulk_paths: tuple[str, ...] = ()
    max_retries: int = 5


@dataclass(frozen=True)
class FileSourceConfig:
    """A source read from files the team downloads (or the demo writes)."""

    paths: tuple[str, ...]


@dataclass(frozen=True)
class NationalSourceConfig:
    """The home country's national statistics (Office des Changes formats)."""

    paths: tuple[str, ...]
    # Years known incomplete: loaded, flagged, kept out of the annual comparison.
    partial_years: tuple[int, ...] = ()


@dataclass(frozen=True)
class TariffSourceConfig:
    paths: tuple[str, ...]
    wits_enabled: bool
    wits_base_url: str
    wits_reporters: tuple[str, ...]
    wits_year: int


@dataclass(frozen=True)
class AfcftaSourceConfig:
    """AfCFTA schedules of tariff concessions, rules of origin and the home country's other
    agreements' tariff schedules (observatory/sources/afcfta): analysts' files (globs), and
    the year liberalisation started, from which phase-down paths are derived."""

    schedules: tuple[str, ...] = ()
    rules_of_origin: tuple[str, ...] = ()
    agreement_tariffs: tuple[str, ...] = ()
    start_year: int = 2021


@dataclass(frozen=True)
class EpingSourceConfig:
    files: tuple[str, ...]
    enabled: bool
    base_url: str
    members: tuple[str, ...]
    overlap_days: int
    initial_days: int
    max_retries: int


# What feeds the indicators, in order of precedence (observatory/inputs: the staging views
# staging.stg_exporter_world and staging.stg_market_imports).
EXPORTER_INPUTS = ("reconciled", "reported_totals", "reported_flows", "mirror")
MARKET_INPUTS = ("declared", "reconciled")


@dataclass(frozen=True)
class InputsConfig:
    exporter_side: tuple[str, ...] = EXPORTER_INPUTS
    market_side: tuple[str, ...] = MARKET_INPUTS
    min_world_reporters: int = 30


@dataclass(frozen=True)
class RatesConfig:
    # Globs of exchange-rate files (observatory/reference/rates.py), resolved.
    paths: tuple[str, ...]


@dataclass(frozen=True)
class ConcordanceConfig:
    # The configured UNSD workbooks, then the correlation tables shipped with the package.
    tables: tuple[Path, ...]
    weights: str


@dataclass(frozen=True)
class WarehouseConfig:
    work: Path
    published: Path
    raw_dir: Path
    runs_dir: Path
    memory_limit: str
    threads: int
    temp_directory: Path
    keep_snapshots: int = 3


@dataclass(frozen=True)
class SqlConfig:
    """Limits of one `observatory sql` query (README, "Limits of `observatory sql`")."""

    timeout_seconds: float = 60.0
    memory_limit: str = "1GB"
    max_rows: int = 10_000
    threads: int = 1


@dataclass(frozen=True)
class ValidationConfig:
    chunk_rows: int
    sample_rows: int
    # The partition rule (observatory/warehouse/partitions.py): the share of a partition's
    # rows or partners a batch may delete; `allow_deletions` is not a key of the file but the
    # run's --allow-deletions flag.
    max_deleted_share: float = 0.5
    allow_deletions: bool = False


@dataclass(frozen=True)
class AnalysisConfig:
    growth_window: int
    cms_base_year: int
    cms_end_year: int
    complexity_levels: tuple[int, ...]
    top_opportunities: int


@dataclass(frozen=True)
class PotentialConfig:
    horizon_years: int
    home_growth: float
    world_growth: float
    demand_growth: str
    demand_growth_cap: float
    tariff_elasticity: float
    actual_years: int


@dataclass(frozen=True)
class WatchConfig:
    min_value_usd: float
    share_drop_pts: float
    competitor_gain_pts: float
    demand_contraction_pct: float
    top_products: int
    deadline_days: int
    rasff_spike_ratio: float
    rasff_spike_min: int
    # Trade alerts also need the home country's exports of the product to reach this many
    # millionths of the market's total imports (the threshold scales with the market's size).
    min_value_ppm: float = 0.0


@dataclass(frozen=True)
class ReportConfig:
    dir: Path
    language: str
    # A fiche per product (product-<code>.html, thousands of pages) with every report.
    product_fiches: bool = True


@dataclass(frozen=True)
class PriorityConfig:
    """The sector fiches' priority matrix (observatory/report/sector_fiche.py): the weights
    of the composite score of a (market, product) pair, and how far the weights move when
    the ranks' stability is measured (each weight drawn within ±`weight_spread` of itself,
    `draws` times; stability: the share of draws that keep a pair in the `top`)."""

    untapped_weight: float = 0.4
    growth_weight: float = 0.2
    margin_weight: float = 0.2
    risk_weight: float = 0.2
    weight_spread: float = 0.5
    draws: int = 200
    top: int = 10


@dataclass(frozen=True)
class DemoConfig:
    dir: Path
    seed: int


@dataclass(frozen=True)
class ScheduleConfig:
    """Cron schedules of the Prefect deployments `observatory serve` registers ("": not
    served), in one time zone, and the report languages of their runs (empty: the
    configured report language)."""

    timezone: str = "Africa/Casablanca"
    nightly_cron: str = "30 2 * * *"
    trade_cron: str = "0 1 * * *"
    regulatory_cron: str = "0 */6 * * *"
    languages: tuple[str, ...] = ()


@dataclass(frozen=True)
class NotificationsConfig:
    """Where and when to notify: apprise URLs come from the environment variable named by
    `urls_env`, never from the file (they carry credentials)."""

    urls_env: str = "OBSERVATORY_NOTIFY_URLS"
    on_alerts: bool = True
    on_failure: bool = True
    top_alerts: int = 3


@dataclass(frozen=True)
class OrchestrationConfig:
    """How the Prefect flow runs its network fetches (task runner) and the limits every
    Comtrade and ePing request respects across workers (README, "Operations")."""

    task_runner: str = "auto"
    dask_address: str = ""
    dask_workers: int = 2
    max_workers: int = 4
    comtrade_concurrent_requests: int = 1
    comtrade_requests_per_minute: float = 10.0
    eping_concurrent_requests: int = 1
    eping_requests_per_minute: float = 10.0


@dataclass(frozen=True)
class HttpConfig:
    """Timeouts and the size limit of every HTTP request of the sources (Comtrade, ePing,
    WITS, remote feeds; `observatory.sources.http`): per attempt, a connect and a per-read
    timeout; per request, a total deadline covering every attempt, every wait and the whole
    body; the largest body accepted."""

    connect_timeout_seconds: float = 10.0
    read_timeout_seconds: float = 60.0
    deadline_seconds: float = 180.0
    max_body_bytes: int = 536_870_912


@dataclass(frozen=True)
class Config:
    path: Path
    root: Path
    study: StudyConfig
    thresholds: Thresholds
    analysis: AnalysisConfig
    potential: PotentialConfig
    watch: WatchConfig
    baci: BaciSourceConfig
    comtrade: ComtradeSourceConfig
    eping: EpingSourceConfig
    rasff: FileSourceConfig
    tariffs: TariffSourceConfig
    national: NationalSourceConfig
    hs_concordance: ConcordanceConfig
    rates: RatesConfig
    inputs: InputsConfig
    warehouse: WarehouseConfig
    validation: ValidationConfig
    report: ReportConfig
    demo: DemoConfig
    schedule: ScheduleConfig = field(default_factory=ScheduleConfig)
    notifications: NotificationsConfig = field(default_factory=NotificationsConfig)
    orchestration: OrchestrationConfig = field(default_factory=OrchestrationConfig)
    http: HttpConfig = field(default_factory=HttpConfig)
    sql: SqlConfig = field(default_factory=SqlConfig)
    comext: ComextSourceConfig = field(default_factory=ComextSourceConfig)
    # the exporter fabric (`observatory.fabric.settings`; a section with defaults)
    fabric: Any = field(compare=False, default=None)
    afcfta: AfcftaSourceConfig = field(default_factory=AfcftaSourceConfig)
    priority: PriorityConfig = field(default_factory=PriorityConfig)
    profiles: dict[str, Any] = field(compare=False, default_factory=dict)
    feeds: tuple[Any, ...] = field(compare=False, default=())
    raw: dict[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def resolve(self, pattern: str) -> str:
        """A path or glob pattern relative to the configuration file's folder."""
        return pattern if os.path.isabs(pattern) else str(self.root / pattern)


# The schema: section -> key -> expected Python type(s). Anything else is an unknown key.
_SCHEMA: dict[str, dict[str, type | tuple[type, ...]]] = {
    "study": {
        "home": str,
        "priority_markets": list,
        "competitors": list,
        "first_year": int,
        "last_year": int,
        "hs_revision": str,
    },
    "thresholds": {"rca": (int, float), "top_products": int, "top_markets": int,
                   "mirror_band_low": (int, float), "mirror_band_high": (int, float)},
    "analysis": {"growth_window": int, "cms_base_year": int, "cms_end_year": int,
                 "complexity_levels": list, "top_opportunities": int},
    "potential": {"horizon_years": int, "home_growth": (int, float),
                  "world_growth": (int, float), "demand_growth": str,
                  "demand_growth_cap": (int, float), "tariff_elasticity": (int, float),
                  "actual_years": int},
    "watch": {"min_value_usd": (int, float), "share_drop_pts": (int, float),
              "competitor_gain_pts": (int, float), "demand_contraction_pct": (int, float),
              "top_products": int, "deadline_days": int, "rasff_spike_ratio": (int, float),
              "rasff_spike_min": int, "min_value_ppm": (int, float)},
    "sources.baci": {"enabled": bool, "paths": list},
    "sources.comtrade": {"enabled": bool, "endpoint": str, "freq": str, "reporters": list,
                         "partners": list, "commodities": list, "flows": list,
                         "base_url": str, "row_cap": int, "max_retries": int},
    "sources.comext": {"enabled": bool, "base_url": str, "reporters": list, "partners": list,
                       "products": list, "flows": list, "freq": str, "start_period": str,
                       "files": list, "bulk_paths": list, "max_retries": int},
    "warehouse": {
        "work": str,
        "published": str,
        "raw_dir": str,
        "runs_dir": str,
        "memory_limit": str,
        "threads": int,
        "temp_directory": str,
        "keep_snapshots": int,
    },
    "sql": {"timeout_seconds": (int, float), "memory_limit": str, "max_rows": int,
            "threads": int},
    "validation": {"chunk_rows": int, "sample_rows": int, "max_deleted_share": (int, float)},
    "hs_concordance": {"tables": list, "weights": str},
    "rates": {"paths": list},
    "inputs": {"exporter_side": list, "market_side": list, "min_world_reporters": int},
    "sources.eping": {"enabled": bool, "files": list, "base_url": str, "members": list,
                      "overlap_days": int, "initial_days": int, "max_retries": int},
    "sources.rasff": {"paths": list},
    "sources.national": {"paths": list, "partial_years": list},
    "sources.afcfta": {"schedules": list, "rules_of_origin": list, "agreement_tariffs": list,
                       "start_year": int},
    "sources.tariffs": {"paths": list, "wits_enabled": bool, "wits_base_url": str,
                        "wits_reporters": list, "wits_year": int},
    "report": {"dir": str, "language": str, "product_fiches": bool},
    "priority": {"untapped_weight": (int, float), "growth_weight": (int, float),
                 "margin_weight": (int, float), "risk_weight": (int, float),
                 "weight_spread": (int, float), "draws": int, "top": int},
    "demo": {"dir": str, "seed": int},
    "schedule": {"timezone": str, "nightly_cron": str, "trade_cron": str,
                 "regulatory_cron": str, "languages": list},
    "notifications": {"urls_env": str, "on_alerts": bool, "on_failure": bool,
                      "top_alerts": int},
    "orchestration": {"task_runner": str, "dask_address": str, "dask_workers": int,
                      "max_workers": int, "comtrade_concurrent_requests": int,
                      "comtrade_requests_per_minute": (int, float),
                      "eping_concurrent_requests": int,
                      "eping_requests_per_minute": (int, float)},
    "http": {"connect_timeout_seconds": (int, float), "read_timeout_seconds": (int, float),
             "deadline_seconds": (int, float), "max_body_bytes": int},
}


def allowing_deletions(cfg: Config) -> Config:
    """The configuration of a run started with --allow-deletions (the partition rule lets
    batches delete rows, and files it refused are read again)."""
    from dataclasses import replace

    return replace(cfg, validation=replace(cfg.validation, allow_deletions=True))


def config_path(option: str | os.PathLike[str] | None = None) -> Path:
    """The configuration file: the option, else $OBSERVATORY_CONFIG, else ./observatory.toml."""
    if option:
        return Path(option)
    if os.environ.get(ENV_VAR):
        return Path(os.environ[ENV_VAR])
    return Path.cwd() / DEFAULT_FILE


def load_config(path: str | os.PathLike[str] | None = None) -> Config:
    """Read, check and return the configuration."""
    file = config_path(path).resolve()
    if not file.is_file():
        raise ConfigError(f"configuration file not found: {file} (set --config or {ENV_VAR})")
    try:
        raw = tomllib.loads(file.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{file}: not valid TOML: {exc}") from exc
    _check_finite("", raw)
    sections = _flatten_sections(raw)
    _check_schema(sections)
    return _build(file, raw, sections)


def _flatten_sections(raw: dict[str, Any]) -> dict[str, dict[str, Any]]:
    sections: dict[str, dict[str, Any]] = {}
    for name, body in raw.items():
        if not isinstance(body, dict):
            raise ConfigError(f"{name}: expected a [section], got a value")
        if name in ("profiles", "feeds", "fabric"):
            continue  # checked by their own settings (make_profile, FeedSettings, fabric)
        if name == "sources":
            for source, source_body in body.items():
                if not isinstance(source_body, dict):
                    raise ConfigError(f"sources.{source}: expected a [sources.{source}] section")
                sections[f"sources.{source}"] = source_body
        else:
            sections[name] = body
    return sections


def _check_schema(sections: dict[str, dict[str, Any]]) -> None:
    for name, body in sections.items():
        if name not in _SCHEMA:
            raise ConfigError(f"{name}: unknown section")
        for key, value in body.items():
            expected = _SCHEMA[name].get(key)
            if expected is None:
                raise ConfigError(f"{name}.{key}: unknown key")
            # bool is an int in Python: reject it where a number is expected.
            if isinstance(value, bool) and expected is not bool:
                raise ConfigError(f"{name}.{key}: expected {_type_name(expected)}, got {value!r}")
            if not isinstance(value, expected):
                raise ConfigError(f"{name}.{key}: expected {_type_name(expected)}, got {value!r}")
    for name, keys in _SCHEMA.items():
        for key in keys:
            if key not in sections.get(name, {}):
                raise ConfigError(f"{name}.{key}: missing")


def _type_name(expected: type | tuple[type, ...]) -> str:
    names = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
             list: "a list"}
    if isinstance(expected, tuple):
        return "a number"
    return names.get(expected, expected.__name__)


def _country(key: str, value: Any, known: frozenset[str]) -> str:
    if not isinstance(value, str) or value.upper() != value or value not in known:
        raise ConfigError(f"{key}: {value!r} is not a known ISO 3166-1 alpha-3 country code")
    return value


def _countries(key: str, values: list[Any], known: frozenset[str]) -> tuple[str, ...]:
    if not values:
        raise ConfigError(f"{key}: the list is empty")
    codes = tuple(_country(f"{key}[{i}]", v, known) for i, v in enumerate(values))
    if len(set(codes)) != len(codes):
        raise ConfigError(f"{key}: a country is listed twice")
    return codes


def _positive(key: str, value: int | float) -> None:
    if value <= 0:
        raise ConfigError(f"{key}: must be greater than 0, got {value!r}")


def _check_finite(key: str, value: Any) -> None:
    """TOML allows nan and inf, which pass every `<=` check (nan) or mean nothing (inf):
    every float of the file, in every section and list, must be finite."""
    if isinstance(value, float) and not math.isfinite(value):
        raise ConfigError(f"{key}: must be a finite number, got {value!r}")
    if isinstance(value, dict):
        for name, item in value.items():
            _check_finite(f"{key}.{name}" if key else str(name), item)
    elif isinstance(value, list):
        for i, item in enumerate(value):
            _check_finite(f"{key}[{i}]", item)


# A DuckDB memory size: a number (no sign, no exponent) and a unit DuckDB reads the same way
# (checked on DuckDB 2.0: it also takes "-1GB" as "no limit", "1e3MB" and units such as
# "megabytes", refused here), or a percentage of the machine's memory (DuckDB: 0-100 %).
_MEMORY_SIZE = re.compile(r"\s*(\d+(?:\.\d*)?|\.\d+)\s*(b|[kmgt]i?b|%)\s*", re.IGNORECASE)


def check_memory_size(key: str, value: str) -> None:
    """Refuse a memory size DuckDB would reject at the first connection, or read as no limit
    or as no memory at all."""
    match = _MEMORY_SIZE.fullmatch(value)
    if not match:
        raise ConfigError(f"{key}: {value!r} is not a memory size such as 3GB, 512MiB or 50% "
                          "(units B, KB, MB, GB, TB, KiB, MiB, GiB, TiB)")
    number = float(match.group(1))
    if number <= 0:
        raise ConfigError(f"{key}: {value!r} must be greater than 0")
    if match.group(2) == "%" and number > 100:
        raise ConfigError(f"{key}: {value!r} is more than 100% of the machine's memory")


def _sql(body: dict[str, Any]) -> SqlConfig:
    for key in ("timeout_seconds", "max_rows", "threads"):
        _positive(f"sql.{key}", body[key])
    check_memory_size("sql.memory_limit", body["memory_limit"])
    return SqlConfig(timeout_seconds=float(body["timeout_seconds"]),
                     memory_limit=body["memory_limit"], max_rows=body["max_rows"],
                     threads=body["threads"])


def _build(file: Path, raw: dict[str, Any], s: dict[str, dict[str, Any]]) -> Config:
    from observatory.reference.countries import known_iso3

    root = file.parent
    known = known_iso3()
    study = s["study"]
    home = _country("study.home", study["home"], known)
    first, last = study["first_year"], study["last_year"]
    if not 1988 <= first <= 2100:
        raise ConfigError(f"study.first_year: {first} is outside 1988..2100")
    if not first <= last <= 2100:
        raise ConfigError(f"study.last_year: {last} must be between study.first_year and 2100")
    if study["hs_revision"] not in HS_REVISIONS:
        raise ConfigError(
            f"study.hs_revision: {study['hs_revision']!r} is not one of {', '.join(HS_REVISIONS)}"
        )
    thresholds = s["thresholds"]
    _positive("thresholds.rca", thresholds["rca"])
    _positive("thresholds.top_products", thresholds["top_products"])
    _positive("thresholds.top_markets", thresholds["top_markets"])
    _positive("thresholds.mirror_band_low", thresholds["mirror_band_low"])
    if thresholds["mirror_band_high"] <= thresholds["mirror_band_low"]:
        raise ConfigError("thresholds.mirror_band_high: must be above mirror_band_low")
    analysis = _analysis(s["analysis"], first, last)
    potential = _potential(s["potential"])
    watch = _watch(s["watch"])
    baci = s["sources.baci"]
    for i, pattern in enumerate(baci["paths"]):
        if not isinstance(pattern, str) or not pattern:
            raise ConfigError(f"sources.baci.paths[{i}]: expected a non-empty path or glob")
    priority = _countries("study.priority_markets", study["priority_markets"], known)
    competitors = _countries("study.competitors", study["competitors"], known)
    comtrade = _comtrade(s["sources.comtrade"], home, known, priority=priority,
                         competitors=competitors)
    wh = s["warehouse"]
    _positive("warehouse.threads", wh["threads"])
    check_memory_size("warehouse.memory_limit", wh["memory_limit"])
    if wh["keep_snapshots"] < 0:
        raise ConfigError("warehouse.keep_snapshots: must be 0 or more")
    work, published = root / wh["work"], root / wh["published"]
    if work.resolve() == published.resolve():
        raise ConfigError("warehouse.published: must differ from warehouse.work")
    val = s["validation"]
    _positive("validation.chunk_rows", val["chunk_rows"])
    if val["sample_rows"] < 0:
        raise ConfigError("validation.sample_rows: must be 0 or more")
    if not 0 <= val["max_deleted_share"] < 1:
        raise ConfigError("validation.max_deleted_share: must be in [0, 1)")
    rep = s["report"]
    if rep["language"] not in LANGUAGES:
        raise ConfigError(f"report.language: {rep['language']!r} is not one of fr, en")
    return Config(
        path=file,
        root=root,
        study=StudyConfig(
            home=home,
            priority_markets=priority,
            competitors=competitors,
            first_year=first,
            last_year=last,
            hs_revision=study["hs_revision"],
        ),
        thresholds=Thresholds(
            rca=float(thresholds["rca"]),
            top_products=thresholds["top_products"],
            top_markets=thresholds["top_markets"],
            mirror_band_low=float(thresholds["mirror_band_low"]),
            mirror_band_high=float(thresholds["mirror_band_high"]),
        ),
        analysis=analysis,
        potential=potential,
        watch=watch,
        baci=BaciSourceConfig(enabled=baci["enabled"], paths=tuple(baci["paths"])),
        comtrade=comtrade,
        eping=_eping(s["sources.eping"], known, priority),
        rasff=FileSourceConfig(paths=_paths("sources.rasff.paths", s["sources.rasff"]["paths"])),
        tariffs=_tariffs(s["sources.tariffs"], known, priority),
        national=_national(s["sources.national"]),
        hs_concordance=_concordance(s["hs_concordance"], root),
        inputs=_inputs(s["inputs"]),
        rates=RatesConfig(paths=tuple(
            p if os.path.isabs(p) else str(root / p)
            for p in _paths("rates.paths", s["rates"]["paths"]))),
        warehouse=WarehouseConfig(
            work=work,
            published=published,
            raw_dir=root / wh["raw_dir"],
            runs_dir=root / wh["runs_dir"],
            memory_limit=wh["memory_limit"],
            threads=wh["threads"],
            temp_directory=root / wh["temp_directory"],
            keep_snapshots=wh["keep_snapshots"],
        ),
        validation=ValidationConfig(chunk_rows=val["chunk_rows"], sample_rows=val["sample_rows"],
                                    max_deleted_share=float(val["max_deleted_share"])),
        report=ReportConfig(dir=root / rep["dir"], language=rep["language"],
                            product_fiches=rep["product_fiches"]),
        demo=DemoConfig(dir=root / s["demo"]["dir"], seed=s["demo"]["seed"]),
        schedule=_schedule(s["schedule"]),
        notifications=_notifications(s["notifications"]),
        orchestration=_orchestration(s["orchestration"]),
        http=_http(s["http"]),
        sql=_sql(s["sql"]),
        comext=_comext(s["sources.comext"], home, known, priority=priority,
                       competitors=competitors),
        afcfta=_afcfta(s["sources.afcfta"]),
        priority=_priority(s["priority"]),
        profiles=_profiles(raw.get("profiles", {}), known),
        feeds=_feeds(raw.get("feeds", {}), root),
        fabric=_fabric(raw.get("fabric", {}), root),
        raw=raw,
    )


def _priority(section: dict[str, Any]) -> PriorityConfig:
    weights = ("untapped_weight", "growth_weight", "margin_weight", "risk_weight")
    for key in weights:
        if section[key] < 0:
            raise ConfigError(f"priority.{key}: must be 0 or more")
    if sum(section[key] for key in weights) <= 0:
        raise ConfigError("priority: at least one weight must be above 0")
    if not 0 <= section["weight_spread"] < 1:
        raise ConfigError("priority.weight_spread: must be in [0, 1)")
    _positive("priority.draws", section["draws"])
    _positive("priority.top", section["top"])
    return PriorityConfig(**{key: section[key] for key in (*weights, "weight_spread")},
                          draws=section["draws"], top=section["top"])


def _profiles(section: Any, known: frozenset[str]) -> dict[str, Any]:
    """The built-in file profiles, plus those declared as [profiles.<name>]."""
    from observatory.sources.files.settings import BUILT_IN, built_in_profile, make_profile

    profiles: dict[str, Any] = {name: built_in_profile(name) for name in BUILT_IN}
    if not isinstance(section, dict):
        raise ConfigError("profiles: expected [profiles.<name>] sections")
    for name, body in section.items():
        if not isinstance(body, dict):
            raise ConfigError(f"profiles.{name}: expected a [profiles.{name}] section")
        if name in BUILT_IN:
            raise ConfigError(f"profiles.{name}: the name of a built-in profile")

        profile = make_profile(name, body, key_prefix=f"profiles.{name}")
        if profile.reporter:
            _country(f"profiles.{name}.reporter", profile.reporter, known)
        profiles[name] = profile
    return profiles


def _comtrade(body: dict[str, Any], home: str, known: frozenset[str], *,
              priority: tuple[str, ...], competitors: tuple[str, ...]) -> ComtradeSourceConfig:
    key = "sources.comtrade"
    if body["endpoint"] not in ("preview", "data"):
        raise ConfigError(f"{key}.endpoint: {body['endpoint']!r} is not one of preview, data")
    if body["freq"] not in ("A", "M"):
        raise ConfigError(f"{key}.freq: {body['freq']!r} is not one of A, M")
    flows = tuple(body["flows"])
    for i, flow in enumerate(flows):
        if flow not in ("X", "M"):
            raise ConfigError(f"{key}.flows[{i}]: {flow!r} is not one of X, M")
    reporters = tuple(body["reporters"]) or priority
    for i, code in enumerate(reporters):
        _country(f"{key}.reporters[{i}]", code, known)
    # Default partners: the home country, its competitors and the World.
    partners = tuple(body["partners"]) or (home, *[c for c in competitors if c != home], "W00")
    for i, code in enumerate(partners):
        if code != "W00":
            _country(f"{key}.partners[{i}]", code, known)
    for i, code in enumerate(body["commodities"]):
        if not isinstance(code, str) or not (code == "TOTAL" or code.startswith("AG")
                                             or code.isdigit()):
            raise ConfigError(f"{key}.commodities[{i}]: {code!r} is not an HS code, TOTAL "
                              "or AG2/AG4/AG6")
    if body["row_cap"] < 0:
        raise ConfigError(f"{key}.row_cap: must be 0 (the endpoint's) or more")
    if not body["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{key}.base_url: must start with http:// or https://")
    return ComtradeSourceConfig(
        enabled=body["enabled"], endpoint=body["endpoint"], freq=body["freq"],
        reporters=reporters, partners=partners, commodities=tuple(body["commodities"]),
        flows=flows, base_url=body["base_url"], row_cap=body["row_cap"],
        max_retries=body["max_retries"],
    )


def _comext(body: dict[str, Any], home: str, known: frozenset[str], *,
            priority: tuple[str, ...], competitors: tuple[str, ...]) -> ComextSourceConfig:
    from observatory.reference.countries import build_countries

    key = "sources.comext"
    members = frozenset(build_countries().query("eu_member")["iso3"])
    if body["freq"] not in ("M", "A"):
        raise ConfigError(f"{key}.freq: {body['freq']!r} is not one of M, A")
    flows = tuple(body["flows"])
    if not flows:
        raise ConfigError(f"{key}.flows: the list is empty")
    for i, flow in enumerate(flows):
        if flow not in ("M", "X"):
            raise ConfigError(f"{key}.flows[{i}]: {flow!r} is not one of M, X")
    # Default reporters: the priority markets that are EU members (Comext's declarants).
    reporters = tuple(body["reporters"]) or tuple(m for m in priority if m in members)
    for i, code in enumerate(reporters):
        _country(f"{key}.reporters[{i}]", code, known)
        if code not in members:
            raise ConfigError(f"{key}.reporters[{i}]: {code} is not an EU member (Comext's "
                              "reporters are the EU members)")
    if body["enabled"] and not reporters:
        raise ConfigError(f"{key}.reporters: empty, and no priority market is an EU member; "
                          "list the reporters")
    # Default partners: the home country, its competitors and every partner together.
    partners = tuple(body["partners"]) or (home, *[c for c in competitors if c != home],
                                           "WORLD")
    for i, code in enumerate(partners):
        if code != "WORLD":
            _country(f"{key}.partners[{i}]", code, known)
    for i, code in enumerate(body["products"]):
        if not (isinstance(code, str) and code.isdigit() and len(code) in (2, 4, 6, 8)):
            raise ConfigError(f"{key}.products[{i}]: {code!r} is not a CN8 code (a string of "
                              "8 digits; HS codes of 2, 4 or 6 digits also exist)")
    start = body["start_period"]
    shape = r"\d{4}-(0[1-9]|1[0-2])" if body["freq"] == "M" else r"\d{4}"
    if start and not re.fullmatch(shape, start):
        raise ConfigError(f"{key}.start_period: {start!r} is not "
                          f"{'YYYY-MM' if body['freq'] == 'M' else 'YYYY'} (freq "
                          f"{body['freq']}), nor empty")
    if not body["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{key}.base_url: must start with http:// or https://")
    if body["max_retries"] < 0:
        raise ConfigError(f"{key}.max_retries: must be 0 or more")
    return ComextSourceConfig(
        enabled=body["enabled"], base_url=body["base_url"], reporters=reporters,
        partners=partners, products=tuple(body["products"]), flows=flows, freq=body["freq"],
        start_period=start, files=_paths(f"{key}.files", body["files"]),
        bulk_paths=_paths(f"{key}.bulk_paths", body["bulk_paths"]),
        max_retries=body["max_retries"])


def _concordance(body: dict[str, Any], root: Path) -> ConcordanceConfig:
    if body["weights"] not in ("trade", "equal"):
        raise ConfigError(f"hs_concordance.weights: {body['weights']!r} is not one of "
                          "trade, equal")
    tables = []
    for i, table in enumerate(body["tables"]):
        if not isinstance(table, str) or not table.endswith(".xlsx"):
            raise ConfigError(f"hs_concordance.tables[{i}]: expected the path of a UNSD "
                              "correlation table (.xlsx)")
        tables.append(Path(table) if os.path.isabs(table) else root / table)
    # The UNSD tables shipped with the package (observatory.reference.concordance) come
    # after the configured ones, which replace a shipped table linking the same revisions.
    shipped = Path(__file__).resolve().parent / "reference" / "data"
    tables += sorted(shipped.glob("hs_correlation_*.csv.gz"))
    return ConcordanceConfig(tables=tuple(tables), weights=body["weights"])


def _eping(body: dict[str, Any], known: frozenset[str],
           priority: tuple[str, ...]) -> EpingSourceConfig:
    key = "sources.eping"
    members = tuple(body["members"]) or priority
    for i, code in enumerate(members):
        if code != "EUR":
            _country(f"{key}.members[{i}]", code, known)
    for name in ("overlap_days", "initial_days"):
        if body[name] < 0:
            raise ConfigError(f"{key}.{name}: must be 0 or more")
    if not body["base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{key}.base_url: must start with http:// or https://")
    return EpingSourceConfig(files=_paths(f"{key}.files", body["files"]),
                             enabled=body["enabled"], base_url=body["base_url"],
                             members=members, overlap_days=body["overlap_days"],
                             initial_days=body["initial_days"],
                             max_retries=body["max_retries"])


def _inputs(body: dict[str, Any]) -> InputsConfig:
    """The precedence of the indicators' inputs: known names, each once, at least one."""
    lists = {}
    for key, known in (("exporter_side", EXPORTER_INPUTS), ("market_side", MARKET_INPUTS)):
        values = body[key]
        if not values:
            raise ConfigError(f"inputs.{key}: the list is empty")
        for i, value in enumerate(values):
            if value not in known:
                raise ConfigError(f"inputs.{key}[{i}]: {value!r} is not one of "
                                  f"{', '.join(known)}")
        if len(set(values)) != len(values):
            raise ConfigError(f"inputs.{key}: an input is listed twice")
        lists[key] = tuple(values)
    _positive("inputs.min_world_reporters", body["min_world_reporters"])
    return InputsConfig(exporter_side=lists["exporter_side"], market_side=lists["market_side"],
                        min_world_reporters=body["min_world_reporters"])


def _paths(key: str, values: list[Any]) -> tuple[str, ...]:
    for i, value in enumerate(values):
        if not isinstance(value, str) or not value:
            raise ConfigError(f"{key}[{i}]: expected a non-empty path or glob")
    return tuple(values)


def _feeds(section: Any, root: Path) -> tuple[Any, ...]:
    """The [feeds.<name>] sections (url, markets, keywords, limits); a relative local path is
    resolved against the configuration's folder."""
    from observatory.sources.feeds.settings import feeds_from_config

    if isinstance(section, dict):
        section = {
            name: ({**body, "url": str(root / body["url"])}
                   if isinstance(body, dict) and isinstance(body.get("url"), str)
                   and "://" not in body["url"] and not os.path.isabs(body["url"])
                   else body)
            for name, body in section.items()
        }
    return tuple(feeds_from_config(section))


def _fabric(body: Any, root: Path) -> Any:
    """The [fabric] section (`observatory.fabric.settings`), every key with a default."""
    from observatory.fabric.settings import fabric_config

    return fabric_config(body, root)


def _national(body: dict[str, Any]) -> NationalSourceConfig:
    key = "sources.national"
    years = body["partial_years"]
    for i, year in enumerate(years):
        if isinstance(year, bool) or not isinstance(year, int) or not 1988 <= year <= 2100:
            raise ConfigError(f"{key}.partial_years[{i}]: expected a year in 1988..2100, "
                              f"got {year!r}")
    if len(set(years)) != len(years):
        raise ConfigError(f"{key}.partial_years: a year is listed twice")
    return NationalSourceConfig(paths=_paths(f"{key}.paths", body["paths"]),
                                partial_years=tuple(sorted(years)))


def _afcfta(body: dict[str, Any]) -> AfcftaSourceConfig:
    key = "sources.afcfta"
    if not 2019 <= body["start_year"] <= 2100:
        raise ConfigError(f"{key}.start_year: {body['start_year']} is outside 2019..2100")
    return AfcftaSourceConfig(
        schedules=_paths(f"{key}.schedules", body["schedules"]),
        rules_of_origin=_paths(f"{key}.rules_of_origin", body["rules_of_origin"]),
        agreement_tariffs=_paths(f"{key}.agreement_tariffs", body["agreement_tariffs"]),
        start_year=body["start_year"])


def _tariffs(body: dict[str, Any], known: frozenset[str],
             priority: tuple[str, ...]) -> TariffSourceConfig:
    key = "sources.tariffs"
    reporters = tuple(body["wits_reporters"]) or priority
    for i, code in enumerate(reporters):
        _country(f"{key}.wits_reporters[{i}]", code, known)
    if not 1988 <= body["wits_year"] <= 2100:
        raise ConfigError(f"{key}.wits_year: {body['wits_year']} is outside 1988..2100")
    if not body["wits_base_url"].startswith(("http://", "https://")):
        raise ConfigError(f"{key}.wits_base_url: must start with http:// or https://")
    return TariffSourceConfig(paths=_paths(f"{key}.paths", body["paths"]),
                              wits_enabled=body["wits_enabled"],
                              wits_base_url=body["wits_base_url"],
                              wits_reporters=reporters, wits_year=body["wits_year"])


def _analysis(body: dict[str, Any], first: int, last: int) -> AnalysisConfig:
    _positive("analysis.growth_window", body["growth_window"])
    _positive("analysis.top_opportunities", body["top_opportunities"])
    base = body["cms_base_year"] or first
    end = body["cms_end_year"] or last
    for key, year in (("cms_base_year", base), ("cms_end_year", end)):
        if not first <= year <= last:
            raise ConfigError(f"analysis.{key}: {year} is outside the study years {first}..{last}")
    # A one-year study has no change to decompose (the CMS table stays empty); otherwise
    # the end year must follow the base year.
    if base >= end and first != last:
        raise ConfigError(f"analysis.cms_end_year: {end} must be after cms_base_year {base}")
    levels = body["complexity_levels"]
    if not levels or any(isinstance(v, bool) or v not in (4, 6) for v in levels) \
            or len(set(levels)) != len(levels):
        raise ConfigError(
            f"analysis.complexity_levels: expected a list of 4 and/or 6, got {levels!r}")
    return AnalysisConfig(growth_window=body["growth_window"], cms_base_year=base,
                          cms_end_year=end, complexity_levels=tuple(sorted(levels)),
                          top_opportunities=body["top_opportunities"])


def _potential(body: dict[str, Any]) -> PotentialConfig:
    _positive("potential.horizon_years", body["horizon_years"])
    _positive("potential.actual_years", body["actual_years"])
    for key in ("home_growth", "world_growth"):
        if not -0.5 < body[key] < 1.0:
            raise ConfigError(f"potential.{key}: {body[key]!r} is not an annual rate in (-0.5, 1)")
    if body["demand_growth"] not in ("trend", "flat"):
        raise ConfigError(
            f"potential.demand_growth: {body['demand_growth']!r} is not one of trend, flat")
    if not 0 <= body["demand_growth_cap"] < 1:
        raise ConfigError("potential.demand_growth_cap: must be in [0, 1)")
    if body["tariff_elasticity"] < 0:
        raise ConfigError("potential.tariff_elasticity: must be 0 or more")
    return PotentialConfig(
        horizon_years=body["horizon_years"], home_growth=float(body["home_growth"]),
        world_growth=float(body["world_growth"]), demand_growth=body["demand_growth"],
        demand_growth_cap=float(body["demand_growth_cap"]),
        tariff_elasticity=float(body["tariff_elasticity"]), actual_years=body["actual_years"])


def _watch(body: dict[str, Any]) -> WatchConfig:
    for key in ("share_drop_pts", "competitor_gain_pts", "demand_contraction_pct",
                "top_products", "rasff_spike_ratio", "rasff_spike_min"):
        _positive(f"watch.{key}", body[key])
    for key in ("min_value_usd", "deadline_days", "min_value_ppm"):
        if body[key] < 0:
            raise ConfigError(f"watch.{key}: must be 0 or more")
    if body["demand_contraction_pct"] >= 100:
        raise ConfigError("watch.demand_contraction_pct: must be below 100")
    return WatchConfig(
        min_value_usd=float(body["min_value_usd"]), share_drop_pts=float(body["share_drop_pts"]),
        competitor_gain_pts=float(body["competitor_gain_pts"]),
        demand_contraction_pct=float(body["demand_contraction_pct"]),
        top_products=body["top_products"], deadline_days=body["deadline_days"],
        rasff_spike_ratio=float(body["rasff_spike_ratio"]), rasff_spike_min=body["rasff_spike_min"],
        min_value_ppm=float(body["min_value_ppm"]))


def _schedule(body: dict[str, Any]) -> ScheduleConfig:
    from observatory.cron import check_cron, check_timezone

    check_timezone("schedule.timezone", body["timezone"])
    for key in ("nightly_cron", "trade_cron", "regulatory_cron"):
        if body[key].strip():
            check_cron(f"schedule.{key}", body[key])
    for i, lang in enumerate(body["languages"]):
        if lang not in LANGUAGES:
            raise ConfigError(f"schedule.languages[{i}]: {lang!r} is not one of fr, en")
    return ScheduleConfig(
        timezone=body["timezone"], nightly_cron=body["nightly_cron"].strip(),
        trade_cron=body["trade_cron"].strip(), regulatory_cron=body["regulatory_cron"].strip(),
        languages=tuple(dict.fromkeys(body["languages"])))


def _notifications(body: dict[str, Any]) -> NotificationsConfig:
    import re

    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", body["urls_env"]):
        raise ConfigError(f"notifications.urls_env: {body['urls_env']!r} is not the name of "
                          "an environment variable (the URLs themselves never go in this file)")
    _positive("notifications.top_alerts", body["top_alerts"])
    return NotificationsConfig(urls_env=body["urls_env"], on_alerts=body["on_alerts"],
                               on_failure=body["on_failure"], top_alerts=body["top_alerts"])


def _orchestration(body: dict[str, Any]) -> OrchestrationConfig:
    if body["task_runner"] not in TASK_RUNNERS:
        raise ConfigError(f"orchestration.task_runner: {body['task_runner']!r} is not one of "
                          f"{', '.join(TASK_RUNNERS)}")
    address = body["dask_address"].strip()
    if address and "://" not in address:
        raise ConfigError(f"orchestration.dask_address: {address!r} is not a Dask scheduler "
                          "address such as tcp://10.0.0.5:8786 (empty: a local cluster)")
    for key in ("dask_workers", "max_workers", "comtrade_concurrent_requests",
                "comtrade_requests_per_minute", "eping_concurrent_requests",
                "eping_requests_per_minute"):
        _positive(f"orchestration.{key}", body[key])
    return OrchestrationConfig(
        task_runner=body["task_runner"], dask_address=address,
        dask_workers=body["dask_workers"], max_workers=body["max_workers"],
        comtrade_concurrent_requests=body["comtrade_concurrent_requests"],
        comtrade_requests_per_minute=float(body["comtrade_requests_per_minute"]),
        eping_concurrent_requests=body["eping_concurrent_requests"],
        eping_requests_per_minute=float(body["eping_requests_per_minute"]))


def _http(body: dict[str, Any]) -> HttpConfig:
    import math

    for key, value in body.items():
        if not math.isfinite(value) or value <= 0:
            raise ConfigError(f"http.{key}: expected a finite number greater than 0, "
                              f"got {value!r}")
    return HttpConfig(
        connect_timeout_seconds=float(body["connect_timeout_seconds"]),
        read_timeout_seconds=float(body["read_timeout_seconds"]),
        deadline_seconds=float(body["deadline_seconds"]),
        max_body_bytes=body["max_body_bytes"])
