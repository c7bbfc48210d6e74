from __future__ import annotations

import re
from pathlib import Path

import pytest

from observatory.config import load_config
from observatory.errors import ConfigError
from tests.conftest import REPO, write_config


def test_committed_configuration_loads_with_the_documented_defaults() -> None:
    cfg = load_config(REPO / "observatory.toml")
    assert cfg.study.home == "MAR"
    assert cfg.study.priority_markets == (
        "ESP", "FRA", "IND", "ITA", "BRA", "USA", "DEU", "NLD", "GBR", "TUR",
        "SEN", "CIV", "NGA", "EGY", "MRT", "KEN",
    )
    assert cfg.study.competitors == ("ESP", "TUR", "EGY", "TUN", "ITA", "PRT", "CHN")
    assert cfg.report.language == "fr"
    assert cfg.warehouse.published != cfg.warehouse.work
    # Relative paths resolve against the configuration file's folder.
    assert cfg.warehouse.work == REPO / "data/warehouse/work.duckdb"


def test_path_from_environment_then_option(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    env_dir = tmp_path / "env"
    env_dir.mkdir()
    opt_dir = tmp_path / "opt"
    opt_dir.mkdir()
    monkeypatch.setenv("OBSERVATORY_CONFIG", str(write_config(env_dir, home="TUN")))
    assert load_config().study.home == "TUN"
    assert load_config(write_config(opt_dir, home="SEN")).study.home == "SEN"


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ('home = "MAR"', 'home = "XXX"', "study.home: 'XXX' is not a known"),
        ('home = "MAR"', 'home = "mar"', "study.home: 'mar' is not a known"),
        ('"SEN", "CIV"', '"SEN", "ZZZ"', "study.priority_markets[11]: 'ZZZ'"),
        ('"TUN", "ITA"', '"TUN", "TUN"', "study.competitors: a country is listed twice"),
        ("first_year = 2019", "first_year = 1900", "study.first_year: 1900 is outside"),
        ("last_year = 2024", "last_year = 2010", "study.last_year: 2010 must be between"),
        ('hs_revision = "HS22"', 'hs_revision = "HS23"', "study.hs_revision: 'HS23'"),
        ("rca = 1.0", "rca = -1", "thresholds.rca: must be greater than 0"),
        ("rca = 1.0", 'rca = "one"', "thresholds.rca: expected a number"),
        ("threads = 2", "threads = true", "warehouse.threads: expected an integer"),
        ('language = "fr"', 'language = "de"', "report.language: 'de' is not one of fr, en"),
        ("chunk_rows = 500000", "chunk_rows = 500000\nchunk_size = 3",
         "validation.chunk_size: unknown key"),
        ("[demo]", "[dmo]", "dmo: unknown section"),
        ("growth_window = 5", "growth_window = 0", "analysis.growth_window: must be greater"),
        ("cms_base_year = 0", "cms_base_year = 2010", "analysis.cms_base_year: 2010 is outside"),
        ("cms_end_year = 0", "cms_end_year = 2019", "analysis.cms_end_year: 2019 must be after"),
        ("complexity_levels = [4, 6]", "complexity_levels = [2]",
         "analysis.complexity_levels: expected a list of 4 and/or 6"),
        ('demand_growth = "trend"', 'demand_growth = "gdp"',
         "potential.demand_growth: 'gdp' is not one of trend, flat"),
        ("home_growth = 0.03", "home_growth = 3", "potential.home_growth: 3 is not an annual"),
        ("tariff_elasticity = 1.0", "tariff_elasticity = -2",
         "potential.tariff_elasticity: must be 0 or more"),
    ],
)
def test_bad_values_fail_with_one_line_naming_the_key(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert message in str(err.value)
    assert "\n" not in str(err.value)


def test_missing_key_and_missing_file(tmp_path: Path) -> None:
    path = write_config(tmp_path)
    path.write_text(path.read_text(encoding="utf-8").replace("top_markets = 10\n", ""),
                    encoding="utf-8")
    with pytest.raises(ConfigError, match="thresholds.top_markets: missing"):
        load_config(path)
    with pytest.raises(ConfigError, match="configuration file not found"):
        load_config(tmp_path / "nope.toml")
    (tmp_path / "broken.toml").write_text("[study\nhome=", encoding="utf-8")
    with pytest.raises(ConfigError, match="not valid TOML"):
        load_config(tmp_path / "broken.toml")


# TOML allows nan and inf: every float of the file must be finite, whatever its section.
@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        ("rca = 1.0", "rca = nan", "thresholds.rca: must be a finite number, got nan"),
        ("rca = 1.0", "rca = inf", "thresholds.rca: must be a finite number, got inf"),
        ("mirror_band_high = 1.25", "mirror_band_high = inf",
         "thresholds.mirror_band_high: must be a finite number, got inf"),
        ("home_growth = 0.03", "home_growth = nan",
         "potential.home_growth: must be a finite number, got nan"),
        ("demand_growth_cap = 0.10", "demand_growth_cap = -inf",
         "potential.demand_growth_cap: must be a finite number, got -inf"),
        ("tariff_elasticity = 1.0", "tariff_elasticity = inf",
         "potential.tariff_elasticity: must be a finite number, got inf"),
        ("min_value_usd = 5000000", "min_value_usd = -inf",
         "watch.min_value_usd: must be a finite number, got -inf"),
        ("share_drop_pts = 5.0", "share_drop_pts = nan",
         "watch.share_drop_pts: must be a finite number, got nan"),
        ("comtrade_requests_per_minute = 10", "comtrade_requests_per_minute = inf",
         "orchestration.comtrade_requests_per_minute: must be a finite number, got inf"),
        ("eping_requests_per_minute = 10", "eping_requests_per_minute = nan",
         "orchestration.eping_requests_per_minute: must be a finite number, got nan"),
        ("timeout_seconds = 60", "timeout_seconds = inf",
         "sql.timeout_seconds: must be a finite number, got inf"),
        ('classification = "HS22"', 'classification = "HS22"\nvalue_multiplier = nan',
         "profiles.exports_by_country_fr.value_multiplier: must be a finite number, got nan"),
    ],
)
def test_numbers_must_be_finite(tmp_path: Path, old: str, new: str, message: str) -> None:
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == message


@pytest.mark.parametrize("value", ["nan", "inf", "-inf"])
def test_feed_limits_must_be_finite(tmp_path: Path, value: str) -> None:
    path = write_config(tmp_path, demo_feed=True)
    text = path.read_text(encoding="utf-8")
    anchor = "[feeds.demo_market_news.keywords]"
    assert anchor in text
    path.write_text(text.replace(anchor, f"[feeds.demo_market_news.limits]\n"
                                         f"timeout_seconds = {value}\n\n{anchor}", 1),
                    encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    assert str(err.value) == (f"feeds.demo_market_news.limits.timeout_seconds: must be a "
                              f"finite number, got {value}")


@pytest.mark.parametrize("key", ["warehouse.memory_limit", "sql.memory_limit"])
@pytest.mark.parametrize("value", ["lots", "", "-1GB", "0GB", "0.0 MiB", "3", "3 PB", "1e3MB",
                                   "+1GB", "1,5GB", "200%", "0%", "nan GB"])
def test_bad_memory_sizes_name_the_key(tmp_path: Path, key: str, value: str) -> None:
    """Each value here is refused; DuckDB itself would take some of them and do harm:
    "-1GB" means no limit at all, "0GB" makes every query fail, "1e3MB" is 953 MiB."""
    section, name = key.split(".")
    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    head, sep, tail = text.partition(f"[{section}]\n")
    assert sep and f"\n{name} = " in tail
    tail = re.sub(rf"(?m)^{name} = .*$", f'{name} = "{value}"', tail, count=1)
    path.write_text(head + sep + tail, encoding="utf-8")
    with pytest.raises(ConfigError) as err:
        load_config(path)
    message = str(err.value)
    assert message.startswith(f"{key}: {value!r} ") and "\n" not in message


@pytest.mark.parametrize(("value", "mib"), [
    ("3GB", 3e9 / 2**20), ("3 GB", 3e9 / 2**20), ("3gb", 3e9 / 2**20), ("512MiB", 512.0),
    ("1.5 GiB", 1536.0), (".5GB", 0.5e9 / 2**20), ("2048 kib", 2.0), ("80%", None),
    ("0.5 %", None), ("100%", None),
])
def test_memory_sizes_duckdb_accepts_are_accepted(tmp_path: Path, value: str,
                                                  mib: float | None) -> None:
    """The accepted spellings are those DuckDB reads the same way (checked on DuckDB itself)."""
    import duckdb

    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('memory_limit = "3GB"', f'memory_limit = "{value}"', 1),
                    encoding="utf-8")
    assert load_config(path).warehouse.memory_limit == value
    with duckdb.connect() as con:
        con.execute("set memory_limit = ?", [value])
        limit = con.execute("select current_setting('memory_limit')").fetchone()
    assert limit is not None
    if mib is not None:  # DuckDB shows the limit cut to one decimal of its unit
        shown, unit = limit[0].split()
        in_mib = {"KiB": 1 / 1024, "MiB": 1.0, "GiB": 1024.0}[unit]
        assert abs(float(shown) * in_mib - mib) <= 0.1 * in_mib


def test_bad_configuration_through_the_cli_is_one_line_and_exit_code_1(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from observatory.cli import main

    path = write_config(tmp_path)
    text = path.read_text(encoding="utf-8")
    for old, new, message in [
        ("rca = 1.0", "rca = nan", "thresholds.rca: must be a finite number, got nan"),
        ('memory_limit = "3GB"', 'memory_limit = "lots"', "warehouse.memory_limit: 'lots' "),
    ]:
        path.write_text(text.replace(old, new, 1), encoding="utf-8")
        assert main(["--config", str(path), "sql", "select 1"]) == 1
        captured = capsys.readouterr()
        assert captured.err.startswith(f"observatory: error: {message}")
        assert captured.err.count("\n") == 1 and "Traceback" not in captured.err
        assert captured.out == ""
