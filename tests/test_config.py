from __future__ import annotations

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
