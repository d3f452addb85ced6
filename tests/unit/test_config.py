"""Settings: read from the environment, cast, defaulted, and never leaking secrets."""

from __future__ import annotations

from pathlib import Path

import pytest

from services.config import ConfigError, Settings


def test_an_empty_environment_gives_the_defaults() -> None:
    settings = Settings.from_env({})
    assert settings == Settings()
    assert settings.database_url is None
    assert settings.uses_embedded_postgres
    assert settings.data_dir == Path(".metergraph")
    assert (settings.host, settings.port) == ("127.0.0.1", 8000)
    assert settings.max_batch_size == 10_000
    assert settings.late_arrival_days == 35
    assert settings.future_tolerance_seconds == 300
    assert settings.scheduler_enabled is True


def test_empty_values_count_as_unset() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "",
            "METERGRAPH_PORT": "",
            "METERGRAPH_SCHEDULER": "",
            "METERGRAPH_DATA_DIR": "",
        }
    )
    assert settings == Settings()


def test_values_are_cast_to_their_types() -> None:
    settings = Settings.from_env(
        {
            "DATABASE_URL": "postgresql://metergraph@db/metergraph",
            "METERGRAPH_DATA_DIR": "/var/lib/metergraph",
            "METERGRAPH_HOST": "0.0.0.0",
            "METERGRAPH_PORT": "9000",
            "METERGRAPH_POOL_MIN_SIZE": "1",
            "METERGRAPH_POOL_MAX_SIZE": "40",
            "METERGRAPH_MAX_BATCH_SIZE": " 500 ",
            "METERGRAPH_LATE_ARRIVAL_DAYS": "0",
            "METERGRAPH_FUTURE_TOLERANCE_SECONDS": "60",
            "METERGRAPH_GROUP_COMMIT_WINDOW_MS": "5",
            "METERGRAPH_GROUP_COMMIT_MAX_RECORDS": "100",
            "METERGRAPH_SCHEDULER": "false",
            "METERGRAPH_IMPORT_CHUNK_ROWS": "2000",
            "METERGRAPH_IMPORT_CHUNKS_IN_FLIGHT": "3",
            "METERGRAPH_MAX_PAGE_SIZE": "50",
            "METERGRAPH_ACCESS_LOG": "true",
        }
    )
    assert settings.database_url == "postgresql://metergraph@db/metergraph"
    assert not settings.uses_embedded_postgres
    assert settings.data_dir == Path("/var/lib/metergraph")
    assert settings.host == "0.0.0.0"
    assert settings.port == 9000
    assert (settings.pool_min_size, settings.pool_max_size) == (1, 40)
    assert settings.max_batch_size == 500
    assert settings.late_arrival_days == 0
    assert settings.future_tolerance_seconds == 60
    assert settings.group_commit_window_ms == 5
    assert settings.group_commit_max_records == 100
    assert settings.scheduler_enabled is False
    assert settings.import_chunk_rows == 2000
    assert settings.import_chunks_in_flight == 3
    assert settings.max_page_size == 50
    assert settings.access_log is True


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("1", True),
        ("true", True),
        ("YES", True),
        (" On ", True),
        ("0", False),
        ("False", False),
        ("no", False),
        ("off", False),
    ],
)
def test_booleans_accept_the_usual_spellings(raw: str, expected: bool) -> None:
    assert Settings.from_env({"METERGRAPH_SCHEDULER": raw}).scheduler_enabled is expected


def test_the_process_environment_is_read_when_none_is_given(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("METERGRAPH_PORT", "8123")
    monkeypatch.delenv("DATABASE_URL", raising=False)
    settings = Settings.from_env()
    assert settings.port == 8123
    assert settings.uses_embedded_postgres


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("METERGRAPH_PORT", "eighty"),
        ("METERGRAPH_PORT", "80.5"),
        ("METERGRAPH_MAX_BATCH_SIZE", "10k"),
        ("METERGRAPH_POOL_MAX_SIZE", "0x10"),
    ],
)
def test_a_bad_integer_is_a_config_error_naming_the_variable(name: str, raw: str) -> None:
    with pytest.raises(ConfigError) as error:
        Settings.from_env({name: raw})
    assert name in str(error.value)
    assert repr(raw) in str(error.value)


@pytest.mark.parametrize(
    ("name", "raw"),
    [
        ("METERGRAPH_PORT", "0"),
        ("METERGRAPH_POOL_MIN_SIZE", "0"),
        ("METERGRAPH_LATE_ARRIVAL_DAYS", "-1"),
    ],
)
def test_an_integer_below_its_minimum_is_a_config_error_naming_the_variable(
    name: str, raw: str
) -> None:
    with pytest.raises(ConfigError, match=name):
        Settings.from_env({name: raw})


@pytest.mark.parametrize("raw", ["maybe", "2", "enabled"])
def test_a_bad_boolean_is_a_config_error_naming_the_variable(raw: str) -> None:
    with pytest.raises(ConfigError, match="METERGRAPH_SCHEDULER"):
        Settings.from_env({"METERGRAPH_SCHEDULER": raw})


def test_a_config_error_is_a_value_error() -> None:
    assert issubclass(ConfigError, ValueError)


def test_the_database_url_never_appears_in_the_repr() -> None:
    secret_url = "postgresql://metergraph:s3cr3t-pw@db.internal:5432/metergraph"
    for settings in (
        Settings(database_url=secret_url),
        Settings.from_env({"DATABASE_URL": secret_url}),
    ):
        text = repr(settings)
        assert "s3cr3t-pw" not in text
        assert "db.internal" not in text
        assert "database_url" not in text
        assert "s3cr3t-pw" not in str(settings)


def test_tenant_isolation_limits_have_defaults_and_are_read_from_the_environment() -> None:
    defaults = Settings.from_env({})
    assert defaults.max_name_length == 200
    assert defaults.allow_private_webhooks is False
    assert defaults.report_workers == 2
    assert defaults.max_pending_reports_per_company == 10
    settings = Settings.from_env(
        {
            "METERGRAPH_MAX_NAME_LENGTH": "64",
            "METERGRAPH_ALLOW_PRIVATE_WEBHOOKS": "true",
            "METERGRAPH_REPORT_WORKERS": "4",
            "METERGRAPH_MAX_PENDING_REPORTS_PER_COMPANY": "3",
        }
    )
    assert (
        settings.max_name_length,
        settings.allow_private_webhooks,
        settings.report_workers,
        settings.max_pending_reports_per_company,
    ) == (64, True, 4, 3)
    with pytest.raises(ConfigError, match="METERGRAPH_REPORT_WORKERS"):
        Settings.from_env({"METERGRAPH_REPORT_WORKERS": "0"})


def test_the_key_rotation_grace_defaults_to_a_day_and_is_read_in_seconds() -> None:
    assert Settings.from_env({}).key_rotation_grace_seconds == 86_400
    env = {"METERGRAPH_KEY_ROTATION_GRACE": "600"}
    assert Settings.from_env(env).key_rotation_grace_seconds == 600
    with pytest.raises(ConfigError, match="METERGRAPH_KEY_ROTATION_GRACE"):
        Settings.from_env({"METERGRAPH_KEY_ROTATION_GRACE": "-1"})
