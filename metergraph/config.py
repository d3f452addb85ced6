"""Settings, read once from the environment.

Every knob of the service lives here with its cast and its default; nothing
else in the code base reads ``os.environ``. Secrets never appear in reprs.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from pathlib import Path

from domain.limits import Limits


class ConfigError(ValueError):
    """An environment variable holds a value that cannot be used."""


def _int(env: dict[str, str], name: str, default: int, *, minimum: int = 0) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc
    if value < minimum:
        raise ConfigError(f"{name} must be at least {minimum}, got {value}")
    return value


def _bool(env: dict[str, str], name: str, default: bool) -> bool:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    lowered = raw.strip().lower()
    if lowered in {"1", "true", "yes", "on"}:
        return True
    if lowered in {"0", "false", "no", "off"}:
        return False
    raise ConfigError(f"{name} must be a boolean (true/false), got {raw!r}")


def _periods(env: dict[str, str], name: str) -> tuple[tuple[str, int], ...]:
    """``job=seconds,job=seconds``: how often named jobs run, overriding their default."""
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    pairs = []
    for item in raw.split(","):
        job, _, seconds = item.partition("=")
        try:
            value = int(seconds)
        except ValueError:
            raise ConfigError(f"{name}: expected job=seconds, got {item!r}") from None
        if not job.strip() or value < 1:
            raise ConfigError(f"{name}: expected job=seconds (seconds >= 1), got {item!r}")
        pairs.append((job.strip(), value))
    return tuple(pairs)


def _decimal(env: dict[str, str], name: str, default: Decimal) -> Decimal:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = Decimal(raw)
    except InvalidOperation:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from None
    if not value.is_finite() or value <= 0:
        raise ConfigError(f"{name} must be a positive number, got {raw!r}")
    return value


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


@dataclass(frozen=True)
class Settings:
    database_url: str | None = field(default=None, repr=False)
    data_dir: Path = Path(".metergraph")
    host: str = "127.0.0.1"
    port: int = 8000
    pool_min_size: int = 2
    pool_max_size: int = 10
    max_batch_size: int = 10_000
    late_arrival_days: int = 35
    future_tolerance_seconds: int = 300
    group_commit_window_ms: int = 2
    group_commit_max_records: int = 2_000
    scheduler_enabled: bool = True
    workers: int = 1
    access_log: bool = False
    job_periods: tuple[tuple[str, int], ...] = ()
    smtp_host: str | None = None
    smtp_port: int = 587
    smtp_user: str | None = None
    smtp_password: str | None = field(default=None, repr=False)
    smtp_tls: str = "starttls"
    smtp_from: str = "alerts@metergraph.local"
    # Scheduled reports' e-mail: its own server when set, else the one above.
    report_smtp_host: str | None = None
    report_smtp_port: int = 587
    report_smtp_user: str | None = None
    report_smtp_password: str | None = field(default=None, repr=False)
    report_smtp_tls: str = "starttls"
    report_smtp_from: str = "reports@metergraph.local"
    sms_webhook_url: str | None = None
    sms_webhook_secret: str | None = field(default=None, repr=False)
    delivery_timeout_seconds: int = 10
    import_chunk_rows: int = 5_000
    max_page_size: int = 1_000
    # input limits
    max_usage_value: Decimal = Decimal("1e15")
    max_usage_decimals: int = 12
    max_price: Decimal = Decimal("1e9")
    max_price_decimals: int = 12
    max_amount: Decimal = Decimal("1e12")
    earliest_year: int = 2000
    latest_year: int = 2100
    max_name_length: int = 200
    max_properties_bytes: int = 16_384

    @property
    def limits(self) -> Limits:
        """The input limits, as the domain checks them."""
        return Limits(
            max_usage_value=self.max_usage_value,
            max_usage_decimals=self.max_usage_decimals,
            max_price=self.max_price,
            max_price_decimals=self.max_price_decimals,
            max_amount=self.max_amount,
            earliest=datetime(self.earliest_year, 1, 1, tzinfo=UTC),
            latest=datetime(min(self.latest_year, 9998) + 1, 1, 1, tzinfo=UTC),
            max_name_length=self.max_name_length,
            max_properties_bytes=self.max_properties_bytes,
        )

    @property
    def uses_embedded_postgres(self) -> bool:
        return not self.database_url

    def for_reports(self) -> Settings:
        """These settings with the report SMTP server in place of the alerts' one, if set."""
        if not self.report_smtp_host:
            return self
        return replace(
            self,
            smtp_host=self.report_smtp_host,
            smtp_port=self.report_smtp_port,
            smtp_user=self.report_smtp_user,
            smtp_password=self.report_smtp_password,
            smtp_tls=self.report_smtp_tls,
            smtp_from=self.report_smtp_from,
        )

    @classmethod
    def from_env(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            database_url=env.get("DATABASE_URL") or None,
            data_dir=Path(env.get("METERGRAPH_DATA_DIR") or ".metergraph"),
            host=env.get("METERGRAPH_HOST") or "127.0.0.1",
            port=_int(env, "METERGRAPH_PORT", 8000, minimum=1),
            pool_min_size=_int(env, "METERGRAPH_POOL_MIN_SIZE", 2, minimum=1),
            pool_max_size=_int(env, "METERGRAPH_POOL_MAX_SIZE", 10, minimum=1),
            max_batch_size=_int(env, "METERGRAPH_MAX_BATCH_SIZE", 10_000, minimum=1),
            late_arrival_days=_int(env, "METERGRAPH_LATE_ARRIVAL_DAYS", 35, minimum=0),
            future_tolerance_seconds=_int(env, "METERGRAPH_FUTURE_TOLERANCE_SECONDS", 300),
            group_commit_window_ms=_int(env, "METERGRAPH_GROUP_COMMIT_WINDOW_MS", 2),
            group_commit_max_records=_int(
                env, "METERGRAPH_GROUP_COMMIT_MAX_RECORDS", 2_000, minimum=1
            ),
            scheduler_enabled=_bool(env, "METERGRAPH_SCHEDULER", True),
            workers=_int(env, "METERGRAPH_WORKERS", 1, minimum=1),
            access_log=_bool(env, "METERGRAPH_ACCESS_LOG", False),
            job_periods=_periods(env, "METERGRAPH_JOB_EVERY"),
            smtp_host=env.get("METERGRAPH_SMTP_HOST") or None,
            smtp_port=_int(env, "METERGRAPH_SMTP_PORT", 587, minimum=1),
            smtp_user=env.get("METERGRAPH_SMTP_USER") or None,
            smtp_password=env.get("METERGRAPH_SMTP_PASSWORD") or None,
            smtp_tls=_choice(env, "METERGRAPH_SMTP_TLS", "starttls", ("none", "starttls", "tls")),
            smtp_from=env.get("METERGRAPH_SMTP_FROM") or "alerts@metergraph.local",
            report_smtp_host=env.get("METERGRAPH_REPORT_SMTP_HOST") or None,
            report_smtp_port=_int(env, "METERGRAPH_REPORT_SMTP_PORT", 587, minimum=1),
            report_smtp_user=env.get("METERGRAPH_REPORT_SMTP_USER") or None,
            report_smtp_password=env.get("METERGRAPH_REPORT_SMTP_PASSWORD") or None,
            report_smtp_tls=_choice(
                env, "METERGRAPH_REPORT_SMTP_TLS", "starttls", ("none", "starttls", "tls")
            ),
            report_smtp_from=env.get("METERGRAPH_REPORT_SMTP_FROM") or "reports@metergraph.local",
            sms_webhook_url=env.get("METERGRAPH_SMS_WEBHOOK_URL") or None,
            sms_webhook_secret=env.get("METERGRAPH_SMS_WEBHOOK_SECRET") or None,
            delivery_timeout_seconds=_int(
                env, "METERGRAPH_DELIVERY_TIMEOUT_SECONDS", 10, minimum=1
            ),
            import_chunk_rows=_int(env, "METERGRAPH_IMPORT_CHUNK_ROWS", 5_000, minimum=1),
            max_page_size=_int(env, "METERGRAPH_MAX_PAGE_SIZE", 1_000, minimum=1),
            # input limits
            max_usage_value=_decimal(env, "METERGRAPH_MAX_USAGE_VALUE", Decimal("1e15")),
            max_usage_decimals=_int(env, "METERGRAPH_MAX_USAGE_DECIMALS", 12),
            max_price=_decimal(env, "METERGRAPH_MAX_PRICE", Decimal("1e9")),
            max_price_decimals=_int(env, "METERGRAPH_MAX_PRICE_DECIMALS", 12),
            max_amount=_decimal(env, "METERGRAPH_MAX_AMOUNT", Decimal("1e12")),
            earliest_year=_int(env, "METERGRAPH_EARLIEST_YEAR", 2000, minimum=1900),
            latest_year=_int(env, "METERGRAPH_LATEST_YEAR", 2100, minimum=1900),
            max_name_length=_int(env, "METERGRAPH_MAX_NAME_LENGTH", 200, minimum=1),
            max_properties_bytes=_int(env, "METERGRAPH_MAX_PROPERTIES_BYTES", 16_384, minimum=2),
        )
