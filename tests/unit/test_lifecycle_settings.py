"""The settings of the embedded PostgreSQL's supervision and of serve's start."""

from __future__ import annotations

import pytest

from services.config import ConfigError, Settings


def test_the_lifecycle_settings_have_their_defaults_and_are_read() -> None:
    default = Settings.from_env({})
    assert (
        default.postgres_watch_interval_ms,
        default.postgres_restart_attempts,
        default.port_wait_seconds,
    ) == (1_000, 30, 15)
    read = Settings.from_env(
        {
            "METERGRAPH_POSTGRES_WATCH_INTERVAL_MS": "250",
            "METERGRAPH_POSTGRES_RESTART_ATTEMPTS": "5",
            "METERGRAPH_PORT_WAIT_SECONDS": "0",
        }
    )
    assert (
        read.postgres_watch_interval_ms,
        read.postgres_restart_attempts,
        read.port_wait_seconds,
    ) == (250, 5, 0)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("METERGRAPH_POSTGRES_WATCH_INTERVAL_MS", "10"),
        ("METERGRAPH_POSTGRES_RESTART_ATTEMPTS", "0"),
        ("METERGRAPH_PORT_WAIT_SECONDS", "-1"),
    ],
)
def test_a_lifecycle_setting_below_its_minimum_is_a_config_error_naming_it(
    name: str, raw: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: raw})
