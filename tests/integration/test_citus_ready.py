"""The schema can be distributed by company as it is (docs/scaling.md).

The migrated catalog is read table by table: every table is classified in
storage/distribution.py, a tenant table has a NOT NULL company_id that each
of its primary keys, unique constraints and unique indexes includes, and a
foreign key between tenant tables carries company_id on both sides. The
named queries in storage/sql join two tenant tables only on company_id.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from pathlib import Path
from typing import Any

import pytest

from storage import distribution

SQL_DIR = Path(__file__).resolve().parents[2] / "storage" / "sql"

TABLES = """
SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname
"""

COMPANY_COLUMN = """
SELECT c.relname AS name, a.attnum, a.attnotnull
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
JOIN pg_attribute a ON a.attrelid = c.oid AND a.attname = 'company_id' AND NOT a.attisdropped
WHERE n.nspname = 'public' AND c.relname = ANY($1::text[])
"""

# Unique indexes, named by the constraint they back when they back one.
UNIQUE_INDEXES = """
SELECT t.relname AS name, coalesce(k.conname, i.relname) AS key, x.indkey::int2[] AS cols,
       CASE k.contype WHEN 'p' THEN 'primary key' WHEN 'u' THEN 'unique constraint'
                      ELSE 'unique index' END AS kind
FROM pg_index x
JOIN pg_class t ON t.oid = x.indrelid
JOIN pg_namespace n ON n.oid = t.relnamespace
JOIN pg_class i ON i.oid = x.indexrelid
LEFT JOIN pg_constraint k ON k.conindid = x.indexrelid AND k.contype IN ('p', 'u')
WHERE n.nspname = 'public' AND x.indisunique AND t.relname = ANY($1::text[])
  AND NOT t.relispartition
ORDER BY t.relname, key
"""

FOREIGN_KEYS = """
SELECT s.relname AS source, f.conname AS key, r.relname AS target, f.conkey AS cols,
       f.confkey AS ref_cols
FROM pg_constraint f
JOIN pg_class s ON s.oid = f.conrelid
JOIN pg_class r ON r.oid = f.confrelid
JOIN pg_namespace n ON n.oid = s.relnamespace
WHERE n.nspname = 'public' AND f.contype = 'f' AND NOT s.relispartition
  AND f.conparentid = 0
ORDER BY s.relname, f.conname
"""


def _placement(
    tenant: Mapping[str, str], reference: Mapping[str, str], local: Mapping[str, str]
) -> dict[str, str]:
    placed: dict[str, str] = {}
    for kind, tables in (("TENANT", tenant), ("REFERENCE", reference), ("LOCAL", local)):
        for table in tables:
            placed[table] = placed[table] + "+" + kind if table in placed else kind
    return placed


async def violations(
    conn: Any,
    tenant: Mapping[str, str] = distribution.TENANT,
    reference: Mapping[str, str] = distribution.REFERENCE,
    local: Mapping[str, str] = distribution.LOCAL,
) -> list[str]:
    """Every way the migrated schema breaks the distribution rules, one sentence each."""
    placed = _placement(tenant, reference, local)
    found: list[str] = []
    tables = {r["name"] for r in await conn.fetch(TABLES)}
    for table in sorted(tables - placed.keys()):
        found.append(f"table {table} is not classified in storage/distribution.py")
    for table in sorted(placed.keys() - tables):
        found.append(f"storage/distribution.py classifies {table}, which does not exist")
    for table, kind in sorted(placed.items()):
        if "+" in kind:
            found.append(f"table {table} is classified twice ({kind})")
    tenants = sorted(t for t in tables if placed.get(t) == "TENANT")
    company = {r["name"]: r for r in await conn.fetch(COMPANY_COLUMN, tenants)}
    for table in tenants:
        if table not in company:
            found.append(f"tenant table {table} has no company_id column")
        elif not company[table]["attnotnull"]:
            found.append(f"tenant table {table}: company_id may be NULL")
    for row in await conn.fetch(UNIQUE_INDEXES, tenants):
        column = company.get(row["name"])
        if column is not None and column["attnum"] not in row["cols"]:
            found.append(f"tenant table {row['name']}: {row['kind']} {row['key']} lacks company_id")
    found.extend(await _foreign_key_violations(conn, placed, company))
    return found


async def _foreign_key_violations(
    conn: Any, placed: Mapping[str, str], company: Mapping[str, Any]
) -> list[str]:
    found = []
    for fk in await conn.fetch(FOREIGN_KEYS):
        source, target = placed.get(fk["source"]), placed.get(fk["target"])
        where = f"{fk['source']}: foreign key {fk['key']} to {fk['target']}"
        if source in ("TENANT", "REFERENCE") and target == "LOCAL":
            found.append(f"{source.lower()} table {where} points at a coordinator-local table")
        elif source in ("REFERENCE", "LOCAL") and target == "TENANT":
            found.append(f"{source.lower()} table {where} points at a tenant table")
        elif source == target == "TENANT":
            pair = (
                company[fk["source"]]["attnum"] if fk["source"] in company else None,
                company[fk["target"]]["attnum"] if fk["target"] in company else None,
            )
            if pair not in zip(fk["cols"], fk["ref_cols"], strict=True):
                found.append(f"tenant table {where} does not match on company_id")
    return found


@pytest.fixture
async def conn(database: str) -> AsyncIterator[Any]:
    from storage.db import connect

    connection = await connect(database)
    try:
        yield connection
    finally:
        await connection.close()


async def test_every_table_is_classified_and_every_tenant_key_includes_company_id(
    conn: Any,
) -> None:
    found = await violations(conn)
    assert not found, "the schema is not ready to be distributed by company:\n" + "\n".join(found)


async def test_the_classification_names_a_reason_for_every_table() -> None:
    for tables in (distribution.TENANT, distribution.REFERENCE, distribution.LOCAL):
        assert all(reason.strip() for reason in tables.values())


async def test_a_new_unclassified_table_is_reported(conn: Any) -> None:
    await conn.execute("CREATE TABLE gadgets (id uuid PRIMARY KEY)")
    assert await violations(conn) == ["table gadgets is not classified in storage/distribution.py"]


async def test_a_tenant_table_breaking_each_rule_is_reported_by_name(conn: Any) -> None:
    await conn.execute(
        """
        CREATE TABLE gadgets (
            id uuid NOT NULL,
            company_id uuid,
            serial text NOT NULL,
            invoice_id uuid,
            PRIMARY KEY (id),
            CONSTRAINT gadgets_serial UNIQUE (serial)
        );
        CREATE UNIQUE INDEX gadgets_by_invoice ON gadgets (invoice_id);
        ALTER TABLE gadgets ADD CONSTRAINT gadgets_invoice
            FOREIGN KEY (company_id, invoice_id) REFERENCES invoices (company_id, id);
        CREATE TABLE widgets (
            company_id uuid NOT NULL,
            id uuid NOT NULL,
            gadget_id uuid REFERENCES gadgets (id),
            PRIMARY KEY (company_id, id)
        );
        """
    )
    tenant = {**distribution.TENANT, "gadgets": "test", "widgets": "test"}
    assert await violations(conn, tenant=tenant) == [
        "tenant table gadgets: company_id may be NULL",
        "tenant table gadgets: unique index gadgets_by_invoice lacks company_id",
        "tenant table gadgets: primary key gadgets_pkey lacks company_id",
        "tenant table gadgets: unique constraint gadgets_serial lacks company_id",
        "tenant table widgets: foreign key widgets_gadget_id_fkey to gadgets"
        " does not match on company_id",
    ]


async def test_a_tenant_table_without_company_id_and_a_reference_to_a_tenant_are_reported(
    conn: Any,
) -> None:
    await conn.execute(
        """
        CREATE TABLE gadgets (id uuid PRIMARY KEY);
        CREATE TABLE colours (
            code text PRIMARY KEY,
            company_id uuid NOT NULL,
            contract_id uuid NOT NULL,
            job_run bigint REFERENCES job_runs (id),
            FOREIGN KEY (company_id, contract_id) REFERENCES contracts (company_id, id)
        );
        """
    )
    found = await violations(
        conn,
        tenant={**distribution.TENANT, "gadgets": "test"},
        reference={**distribution.REFERENCE, "colours": "test"},
        local={**distribution.LOCAL, "metrics": "twice"},
    )
    assert found == [
        "table metrics is classified twice (REFERENCE+LOCAL)",
        "tenant table gadgets has no company_id column",
        "reference table colours: foreign key colours_company_id_contract_id_fkey to contracts"
        " points at a tenant table",
        "reference table colours: foreign key colours_job_run_fkey to job_runs"
        " points at a coordinator-local table",
    ]


# The join rule, read from the named queries.

_TENANT = "|".join(sorted(distribution.TENANT, key=len, reverse=True))
_FROM = re.compile(rf"\b(?:FROM|UPDATE|INTO)\s+({_TENANT})\b(?:\s+(?:AS\s+)?(\w+))?", re.I)
_JOIN = re.compile(
    rf"\bJOIN\s+(?:LATERAL\s+)?({_TENANT})\b(?:\s+(?:AS\s+)?(\w+))?\s+ON\b(.*?)"
    r"(?=\bJOIN\b|\bWHERE\b|\bGROUP\b|\bORDER\b|\bLIMIT\b|\bRETURNING\b|\)|;|$)",
    re.I | re.S,
)


def _queries() -> dict[str, str]:
    named: dict[str, str] = {}
    for path in sorted(SQL_DIR.glob("*.sql")):
        for chunk in re.split(r"^-- name: ", path.read_text(), flags=re.M)[1:]:
            name, _, body = chunk.partition("\n")
            text = "\n".join(line.split("--")[0] for line in body.splitlines())
            named[f"{path.name}:{name.strip()}"] = text
    return named


def tenant_joins_without_company(sql: str) -> list[str]:
    """The JOINs of ``sql`` between two tenant tables whose ON does not mention company_id."""
    if not _FROM.search(sql):
        return []
    found = []
    for match in _JOIN.finditer(sql):
        table, condition = match.group(1), match.group(3)
        if "company_id" not in condition.lower():
            found.append(f"JOIN {table} ON {' '.join(condition.split())[:80]}")
    return found


def test_the_join_check_sees_a_tenant_join_without_company_id() -> None:
    assert tenant_joins_without_company(
        "SELECT 1 FROM payments p JOIN invoices i ON i.id = p.invoice_id WHERE true"
    ) == ["JOIN invoices ON i.id = p.invoice_id"]
    assert not tenant_joins_without_company(
        "SELECT 1 FROM payments p JOIN invoices i"
        " ON i.company_id = p.company_id AND i.id = p.invoice_id"
    )
    assert not tenant_joins_without_company(
        "SELECT 1 FROM contract_products cp JOIN products p ON p.code = cp.product_code"
    )


def test_no_named_query_joins_two_tenant_tables_except_on_company_id() -> None:
    queries = _queries()
    assert len(queries) > 100, "the named queries were not found"
    found = [
        f"{name}: {join}"
        for name, sql in queries.items()
        for join in tenant_joins_without_company(sql)
    ]
    assert not found, "tenant tables joined without company_id:\n" + "\n".join(found)


# Migration 0031 on a database that already holds rows.

BEFORE_KEYS = """
INSERT INTO companies (id, external_key, name) VALUES ($1, 'old', 'Old');
INSERT INTO contracts (id, company_id, currency, start_date) VALUES ($2, $1, 'EUR', '2025-01-01');
INSERT INTO contract_products (contract_id, product_code, price)
    VALUES ($2, 'API', '{"model": "PER_UNIT", "unitPrice": "1"}');
INSERT INTO contract_versions (contract_id, number, effective_from, payment_terms_days,
                               late_fee_percent_per_month, products)
    VALUES ($2, 2, '2025-03-01', 30, 0, '[]');
INSERT INTO invoices (id, contract_id, company_id, period_start, period_end, status, currency,
                      subtotal, minimum_true_up, adjustments, total, issue_date, due_date, lines)
    VALUES ($3, $2, $1, '2025-01-01', '2025-02-01', 'DRAFT', 'EUR', 1, 0, 0, 1,
            '2025-02-01', '2025-03-03', '[]');
INSERT INTO payments (id, invoice_id, amount, paid_at) VALUES ($4, $3, 1, now());
INSERT INTO thresholds (id, company_id, metric_code, levels) VALUES ($5, $1, 'API_REQUESTS', '[]');
INSERT INTO alerts (id, threshold_id, company_id, metric_code, period_start, period_end, level,
                    level_value, usage, kind)
    VALUES ($6, $5, $1, 'API_REQUESTS', '2025-01-01', '2025-02-01', 'WARN', 1, 1, 'CROSSING');
INSERT INTO notification_outbox (alert_id, channel, recipient, subject, body)
    VALUES ($6, 'EMAIL', 'ops@example.com', 's', 'b');
INSERT INTO webhook_endpoints (id, company_id, url, events, secret)
    VALUES ($7, $1, 'https://example.com/hook', ARRAY['INVOICE_PAID'], 'k');
INSERT INTO webhook_events (id, company_id, type, subject_id, body)
    VALUES ($8, $1, 'INVOICE_PAID', $3, '{}');
INSERT INTO notification_outbox (channel, recipient, subject, body, webhook_endpoint_id,
                                 webhook_event_id)
    VALUES ('WEBHOOK', 'https://example.com/hook', 'INVOICE_PAID', '{}', $7, $8);
"""


@pytest.fixture
async def before_keys(server_dsn: str) -> AsyncIterator[Any]:
    """A database migrated up to (not including) the keys-by-company migration."""
    import uuid_utils.compat as uuid7

    from storage.db import connect
    from storage.migrate import discover, migrate
    from tests.conftest import scratch_database

    async with scratch_database(server_dsn, "mgkeys") as dsn:
        conn = await connect(dsn)
        try:
            await conn.execute(
                "CREATE TABLE schema_migrations (version text PRIMARY KEY, name text NOT NULL,"
                " applied_at timestamptz NOT NULL DEFAULT now())"
            )
            for migration in discover():
                if migration.version >= "0031":
                    break
                await conn.execute(migration.sql)
                await conn.execute(
                    "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)",
                    migration.version,
                    migration.name,
                )
            await conn.execute("INSERT INTO products VALUES ('API', 'API', 'API_REQUESTS')")
            ids = [uuid7.uuid7() for _ in range(8)]
            # the ids are this test's own uuids, written into the script as literals
            await conn.execute(re.sub(r"\$(\d)", lambda m: f"'{ids[int(m[1]) - 1]}'", BEFORE_KEYS))
            await migrate(conn)
            yield conn, ids[0]
        finally:
            await conn.close()


async def test_migrating_rows_written_before_gives_them_their_company(
    before_keys: tuple[Any, Any],
) -> None:
    conn, company = before_keys
    for table, rows in (
        ("contract_products", 1),
        ("contract_versions", 1),
        ("payments", 1),
        ("notification_outbox", 2),
    ):
        found = await conn.fetch(f"SELECT company_id FROM {table}")  # noqa: S608
        assert [r["company_id"] for r in found] == [company] * rows, table
    assert await violations(conn) == []


# docs/scaling.md's distribution script follows the classification.

PLAN_CALL = re.compile(
    r"SELECT (create_distributed_table|create_reference_table|citus_add_local_table_to_metadata)"
    r"\('(\w+)'"
)


async def test_the_documented_plan_places_every_table_as_classified_and_in_key_order(
    conn: Any,
) -> None:
    plan = (SQL_DIR.parents[1] / "docs" / "scaling.md").read_text()
    calls = PLAN_CALL.findall(plan)
    kinds = {
        "create_distributed_table": "TENANT",
        "create_reference_table": "REFERENCE",
        "citus_add_local_table_to_metadata": "LOCAL",
    }
    placed = {table: kinds[call] for call, table in calls}
    assert len(placed) == len(calls), "a table is placed twice in docs/scaling.md"
    assert placed == _placement(distribution.TENANT, distribution.REFERENCE, distribution.LOCAL)
    order = [table for _, table in calls]
    for fk in await conn.fetch(FOREIGN_KEYS):
        if fk["source"] != fk["target"]:
            assert order.index(fk["target"]) < order.index(fk["source"]), (
                f"docs/scaling.md places {fk['source']} before {fk['target']}"
                f" (foreign key {fk['key']})"
            )
