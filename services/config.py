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
from typing import Any
from urllib.parse import urlsplit

from domain.errors import Invalid
from domain.invoice_documents import (
    DEFAULT_PREFIX,
    MAX_ADDRESS_LINE,
    Issuer,
    prefix_is_valid,
)
from domain.limits import Limits, has_control
from domain.text import check_email

# The console's built bundle, next to the package (make serve builds it).
WEB_DIST = Path(__file__).resolve().parents[1] / "web" / "dist"


class ConfigError(Invalid, ValueError):
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


def _seconds(env: dict[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = float(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number of seconds, got {raw!r}") from None
    if not value >= 0 or value == float("inf"):
        raise ConfigError(f"{name} must be a finite number of seconds >= 0, got {raw!r}")
    return value


def _urls(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated PostgreSQL DSNs."""
    urls = tuple(u.strip() for u in env.get(name, "").split(",") if u.strip())
    for url in urls:
        if urlsplit(url).scheme not in ("postgres", "postgresql"):
            raise ConfigError(f"{name}: each entry must be a postgresql:// URL")
    return urls


def _choice(env: dict[str, str], name: str, default: str, choices: tuple[str, ...]) -> str:
    raw = (env.get(name) or default).strip().lower()
    if raw not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, got {raw!r}")
    return raw


def _origins(env: dict[str, str], name: str) -> tuple[str, ...]:
    """Comma-separated origins (``scheme://host[:port]``), as browsers send them."""
    raw = env.get(name, "").strip()
    if not raw:
        return ()
    origins = []
    for item in raw.split(","):
        item = item.strip()
        if not item:
            continue
        try:
            parts = urlsplit(item)
            port = parts.port
        except ValueError:
            raise ConfigError(f"{name}: {item!r} is not an origin") from None
        scheme = parts.scheme.lower()
        if (
            scheme not in ("http", "https")
            or not parts.hostname
            or parts.path not in ("", "/")
            or parts.query
            or parts.fragment
            or parts.username
        ):
            raise ConfigError(f"{name}: expected origins like https://app.example.com: {item!r}")
        host = f"[{parts.hostname}]" if ":" in parts.hostname else parts.hostname
        if port is not None and port != {"http": 80, "https": 443}[scheme]:
            host = f"{host}:{port}"
        origins.append(f"{scheme}://{host}")
    return tuple(dict.fromkeys(origins))


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
    import_chunks_in_flight: int = 2
    max_page_size: int = 1_000
    # retention and invoices
    invoice_retry_max_hours: int = 24
    # lifecycle: the embedded PostgreSQL's supervision, serve's start
    postgres_watch_interval_ms: int = 1_000
    postgres_restart_attempts: int = 30
    port_wait_seconds: int = 15
    # isolation of tenants' background work; text and URL validation
    max_name_length: int = 200
    allow_private_webhooks: bool = False
    report_workers: int = 2
    max_pending_reports_per_company: int = 10
    # Request limits
    max_body_bytes: int = 16 * 1024 * 1024
    max_import_bytes: int = 1024 * 1024 * 1024
    max_import_line_bytes: int = 1024 * 1024
    max_query_tokens: int = 50_000
    max_query_depth: int = 15
    max_aliases: int = 30
    max_query_cost: int = 50_000
    rate_limit_per_second: int = 2_000
    rate_limit_burst: int = 10_000
    max_connections: int = 1_000
    keep_alive_seconds: int = 5
    header_timeout_seconds: int = 10
    max_header_bytes: int = 64 * 1024
    backlog: int = 2_048
    costly_query_cost: int = 1_000
    costly_query_slots: int = 1
    costly_query_connections: int = 2
    # input limits
    max_usage_value: Decimal = Decimal("1e15")
    max_usage_decimals: int = 12
    max_price: Decimal = Decimal("1e9")
    max_price_decimals: int = 12
    max_amount: Decimal = Decimal("1e12")
    earliest_year: int = 2000
    latest_year: int = 2100
    max_properties_bytes: int = 16_384
    # web console: sessions, cross-origin callers, the bundle
    session_ttl_seconds: int = 43_200
    max_sessions_per_key: int = 20
    cors_origins: tuple[str, ...] = ()
    web_dist: Path = WEB_DIST
    # how long a stopping scheduler waits for the job runs in flight
    job_shutdown_grace_seconds: int = 10
    # how long a rotated API key's old secret still works
    key_rotation_grace_seconds: int = 86_400
    # how log lines are written: "text" or "json" (one object per line)
    log_format: str = "text"
    # GET /metrics: open to this token (Bearer), else to loopback callers only
    metrics_token: str | None = field(default=None, repr=False)
    # the invoices' issuer (the platform operator) and its invoice numbers
    issuer_name: str = "Metergraph"
    issuer_address: tuple[str, ...] = ()
    issuer_tax_id: str | None = None
    issuer_email: str | None = None
    invoice_number_prefix: str = "INV"
    # read replicas: their DSNs, the replay lag a read accepts, how long one
    # that went away is left alone
    replica_urls: tuple[str, ...] = field(default=(), repr=False)
    replica_max_lag_seconds: float = 5.0
    replica_retry_seconds: int = 30
    # the rollup folder: how often it looks for committed records, and how
    # many it folds per transaction
    rollup_fold_interval_seconds: float = 1.0
    rollup_fold_batch: int = 100_000
    # node ids one nodes(ids:) request may ask for
    max_node_ids: int = 100

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
    def issuer(self) -> Issuer:
        """Who issues the invoices, as their documents print it."""
        return Issuer(
            name=self.issuer_name,
            address_lines=self.issuer_address,
            tax_id=self.issuer_tax_id,
            email=self.issuer_email,
            prefix=self.invoice_number_prefix,
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
        # read in this order: the first unusable variable is the one reported
        return cls(
            **_service_env(env),
            **_delivery_env(env),
            **_operations_env(env),
            **_request_limits_env(env),
            **_input_limits_env(env),
            **_console_env(env),
            **_issuer_env(env),
        )


def _service_env(env: dict[str, str]) -> dict[str, Any]:
    """The server, its database and the ingest path."""
    return {
        "database_url": env.get("DATABASE_URL") or None,
        "data_dir": Path(env.get("METERGRAPH_DATA_DIR") or ".metergraph"),
        "host": env.get("METERGRAPH_HOST") or "127.0.0.1",
        "port": _int(env, "METERGRAPH_PORT", 8000, minimum=1),
        "pool_min_size": _int(env, "METERGRAPH_POOL_MIN_SIZE", 2, minimum=1),
        "pool_max_size": _int(env, "METERGRAPH_POOL_MAX_SIZE", 10, minimum=1),
        "max_batch_size": _int(env, "METERGRAPH_MAX_BATCH_SIZE", 10_000, minimum=1),
        "late_arrival_days": _int(env, "METERGRAPH_LATE_ARRIVAL_DAYS", 35, minimum=0),
        "future_tolerance_seconds": _int(env, "METERGRAPH_FUTURE_TOLERANCE_SECONDS", 300),
        "group_commit_window_ms": _int(env, "METERGRAPH_GROUP_COMMIT_WINDOW_MS", 2),
        "group_commit_max_records": _int(
            env, "METERGRAPH_GROUP_COMMIT_MAX_RECORDS", 2_000, minimum=1
        ),
        "scheduler_enabled": _bool(env, "METERGRAPH_SCHEDULER", True),
        "workers": _int(env, "METERGRAPH_WORKERS", 1, minimum=1),
        "access_log": _bool(env, "METERGRAPH_ACCESS_LOG", False),
        "job_periods": _periods(env, "METERGRAPH_JOB_EVERY"),
        "log_format": _choice(env, "METERGRAPH_LOG_FORMAT", "text", ("text", "json")),
        "metrics_token": env.get("METERGRAPH_METRICS_TOKEN") or None,
        "replica_urls": _urls(env, "DATABASE_REPLICA_URLS"),
        "replica_max_lag_seconds": _seconds(env, "METERGRAPH_REPLICA_MAX_LAG", 5.0),
        "replica_retry_seconds": _int(env, "METERGRAPH_REPLICA_RETRY_SECONDS", 30, minimum=1),
    }


def _delivery_env(env: dict[str, str]) -> dict[str, Any]:
    """Where alerts and reports are sent."""
    return {
        "smtp_host": env.get("METERGRAPH_SMTP_HOST") or None,
        "smtp_port": _int(env, "METERGRAPH_SMTP_PORT", 587, minimum=1),
        "smtp_user": env.get("METERGRAPH_SMTP_USER") or None,
        "smtp_password": env.get("METERGRAPH_SMTP_PASSWORD") or None,
        "smtp_tls": _choice(env, "METERGRAPH_SMTP_TLS", "starttls", ("none", "starttls", "tls")),
        "smtp_from": env.get("METERGRAPH_SMTP_FROM") or "alerts@metergraph.local",
        "report_smtp_host": env.get("METERGRAPH_REPORT_SMTP_HOST") or None,
        "report_smtp_port": _int(env, "METERGRAPH_REPORT_SMTP_PORT", 587, minimum=1),
        "report_smtp_user": env.get("METERGRAPH_REPORT_SMTP_USER") or None,
        "report_smtp_password": env.get("METERGRAPH_REPORT_SMTP_PASSWORD") or None,
        "report_smtp_tls": _choice(
            env, "METERGRAPH_REPORT_SMTP_TLS", "starttls", ("none", "starttls", "tls")
        ),
        "report_smtp_from": env.get("METERGRAPH_REPORT_SMTP_FROM") or "reports@metergraph.local",
        "sms_webhook_url": env.get("METERGRAPH_SMS_WEBHOOK_URL") or None,
        "sms_webhook_secret": env.get("METERGRAPH_SMS_WEBHOOK_SECRET") or None,
        "delivery_timeout_seconds": _int(env, "METERGRAPH_DELIVERY_TIMEOUT_SECONDS", 10, minimum=1),
    }


def _operations_env(env: dict[str, str]) -> dict[str, Any]:
    """Background work: imports, pages, invoices, the embedded PostgreSQL, tenants."""
    return {
        "import_chunk_rows": _int(env, "METERGRAPH_IMPORT_CHUNK_ROWS", 5_000, minimum=1),
        "import_chunks_in_flight": _int(env, "METERGRAPH_IMPORT_CHUNKS_IN_FLIGHT", 2, minimum=1),
        "job_shutdown_grace_seconds": _int(env, "METERGRAPH_JOB_SHUTDOWN_GRACE_SECONDS", 10),
        "max_page_size": _int(env, "METERGRAPH_MAX_PAGE_SIZE", 1_000, minimum=1),
        # retention and invoices
        "invoice_retry_max_hours": _int(env, "METERGRAPH_INVOICE_RETRY_MAX_HOURS", 24, minimum=1),
        # lifecycle: the embedded PostgreSQL's supervision, serve's start
        "postgres_watch_interval_ms": _int(
            env, "METERGRAPH_POSTGRES_WATCH_INTERVAL_MS", 1_000, minimum=50
        ),
        "postgres_restart_attempts": _int(
            env, "METERGRAPH_POSTGRES_RESTART_ATTEMPTS", 30, minimum=1
        ),
        "port_wait_seconds": _int(env, "METERGRAPH_PORT_WAIT_SECONDS", 15),
        # isolation of tenants' background work; text and URL validation
        "max_name_length": _int(env, "METERGRAPH_MAX_NAME_LENGTH", 200, minimum=1),
        "allow_private_webhooks": _bool(env, "METERGRAPH_ALLOW_PRIVATE_WEBHOOKS", False),
        "report_workers": _int(env, "METERGRAPH_REPORT_WORKERS", 2, minimum=1),
        "max_pending_reports_per_company": _int(
            env, "METERGRAPH_MAX_PENDING_REPORTS_PER_COMPANY", 10, minimum=1
        ),
        "rollup_fold_interval_seconds": _seconds(env, "METERGRAPH_ROLLUP_FOLD_INTERVAL", 1.0),
        "rollup_fold_batch": _int(env, "METERGRAPH_ROLLUP_FOLD_BATCH", 100_000, minimum=1),
    }


def _request_limits_env(env: dict[str, str]) -> dict[str, Any]:
    """What one request or connection may ask for."""
    return {
        "max_body_bytes": _int(env, "METERGRAPH_MAX_BODY_BYTES", 16 * 1024 * 1024, minimum=1024),
        "max_import_bytes": _int(
            env, "METERGRAPH_MAX_IMPORT_BYTES", 1024 * 1024 * 1024, minimum=1024
        ),
        "max_import_line_bytes": _int(
            env, "METERGRAPH_MAX_IMPORT_LINE_BYTES", 1024 * 1024, minimum=256
        ),
        "max_query_tokens": _int(env, "METERGRAPH_MAX_QUERY_TOKENS", 50_000, minimum=1_000),
        "max_query_depth": _int(env, "METERGRAPH_MAX_QUERY_DEPTH", 15, minimum=1),
        "max_aliases": _int(env, "METERGRAPH_MAX_ALIASES", 30, minimum=1),
        "max_query_cost": _int(env, "METERGRAPH_MAX_QUERY_COST", 50_000, minimum=1),
        "rate_limit_per_second": _int(env, "METERGRAPH_RATE_LIMIT_PER_SECOND", 2_000),
        "rate_limit_burst": _int(env, "METERGRAPH_RATE_LIMIT_BURST", 10_000),
        "max_connections": _int(env, "METERGRAPH_MAX_CONNECTIONS", 1_000, minimum=1),
        "keep_alive_seconds": _int(env, "METERGRAPH_KEEP_ALIVE_SECONDS", 5, minimum=1),
        "header_timeout_seconds": _int(env, "METERGRAPH_HEADER_TIMEOUT_SECONDS", 10, minimum=1),
        "max_header_bytes": _int(env, "METERGRAPH_MAX_HEADER_BYTES", 64 * 1024, minimum=1024),
        "backlog": _int(env, "METERGRAPH_BACKLOG", 2_048, minimum=1),
        "costly_query_cost": _int(env, "METERGRAPH_COSTLY_QUERY_COST", 1_000, minimum=1),
        "costly_query_slots": _int(env, "METERGRAPH_COSTLY_QUERY_SLOTS", 1, minimum=1),
        "costly_query_connections": _int(env, "METERGRAPH_COSTLY_QUERY_CONNECTIONS", 2, minimum=1),
        "max_node_ids": _int(env, "METERGRAPH_MAX_NODE_IDS", 100, minimum=1),
    }


def _input_limits_env(env: dict[str, str]) -> dict[str, Any]:
    """What an input value may hold."""
    return {
        "max_usage_value": _decimal(env, "METERGRAPH_MAX_USAGE_VALUE", Decimal("1e15")),
        "max_usage_decimals": _int(env, "METERGRAPH_MAX_USAGE_DECIMALS", 12),
        "max_price": _decimal(env, "METERGRAPH_MAX_PRICE", Decimal("1e9")),
        "max_price_decimals": _int(env, "METERGRAPH_MAX_PRICE_DECIMALS", 12),
        "max_amount": _decimal(env, "METERGRAPH_MAX_AMOUNT", Decimal("1e12")),
        "earliest_year": _int(env, "METERGRAPH_EARLIEST_YEAR", 2000, minimum=1900),
        "latest_year": _int(env, "METERGRAPH_LATEST_YEAR", 2100, minimum=1900),
        "max_properties_bytes": _int(env, "METERGRAPH_MAX_PROPERTIES_BYTES", 16_384, minimum=2),
    }


def _console_env(env: dict[str, str]) -> dict[str, Any]:
    """The web console: sessions, cross-origin callers, the bundle."""
    return {
        "session_ttl_seconds": _int(env, "METERGRAPH_SESSION_TTL", 43_200, minimum=1),
        "max_sessions_per_key": _int(env, "METERGRAPH_MAX_SESSIONS_PER_KEY", 20, minimum=1),
        "cors_origins": _origins(env, "METERGRAPH_CORS_ORIGINS"),
        "web_dist": Path(env.get("METERGRAPH_WEB_DIST") or WEB_DIST),
        "key_rotation_grace_seconds": _int(env, "METERGRAPH_KEY_ROTATION_GRACE", 86_400),
    }


def _issuer_env(env: dict[str, str]) -> dict[str, Any]:
    """Who issues the invoices, as their documents print it, and its number prefix."""
    name = (env.get("METERGRAPH_ISSUER_NAME") or "Metergraph").strip()
    address = tuple(
        line.strip() for line in (env.get("METERGRAPH_ISSUER_ADDRESS") or "").split("|")
    )
    email = (env.get("METERGRAPH_ISSUER_EMAIL") or "").strip() or None
    prefix = (env.get("METERGRAPH_INVOICE_NUMBER_PREFIX") or DEFAULT_PREFIX).strip()
    if not prefix_is_valid(prefix):
        raise ConfigError(
            "METERGRAPH_INVOICE_NUMBER_PREFIX must be 1 to 12 capital letters or digits,"
            f" got {prefix!r}"
        )
    if email is not None and check_email("METERGRAPH_ISSUER_EMAIL", email) is not None:
        raise ConfigError(f"METERGRAPH_ISSUER_EMAIL must be an e-mail address, got {email!r}")
    tax_id = (env.get("METERGRAPH_ISSUER_TAX_ID") or "").strip() or None
    lines = [("METERGRAPH_ISSUER_NAME", name), ("METERGRAPH_ISSUER_TAX_ID", tax_id or "")]
    for variable, text in [*lines, *(("METERGRAPH_ISSUER_ADDRESS", x) for x in address)]:
        if has_control(text) or len(text) > MAX_ADDRESS_LINE:
            raise ConfigError(
                f"{variable} must be one line of at most {MAX_ADDRESS_LINE} characters"
            )
    return {
        "issuer_name": name or "Metergraph",
        "issuer_address": tuple(line for line in address if line),
        "issuer_tax_id": tax_id,
        "issuer_email": email,
        "invoice_number_prefix": prefix,
    }
