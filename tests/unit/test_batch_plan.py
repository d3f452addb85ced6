"""A batch's plan: the first record of each key stored, and which batches share a key."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal
from uuid import UUID

from domain.usage import Aggregation, MeasurementType, Metric, ResourceType, UsageDraft
from services.pipeline import BatchPlan, plan_batch
from storage.usage import PendingRecord

METRIC = Metric(
    "CALLS", "Calls", ResourceType.API_CALLS, MeasurementType.COUNTER, "req", Aggregation.SUM
)
ACME, GLOBEX = UUID(int=1), UUID(int=2)


def plan_of(*records: tuple[UUID, str | None]) -> BatchPlan:
    pending = [
        PendingRecord(
            n,
            UUID(int=1000 + n),
            UsageDraft(
                company_id=company,
                resource_type=ResourceType.API_CALLS,
                metric_code="CALLS",
                timestamp=datetime(2026, 12, 1, tzinfo=UTC),
                value=Decimal(n),
                unit="req",
                idempotency_key=key,
            ),
            METRIC,
        )
        for n, (company, key) in enumerate(records)
    ]
    return plan_batch(pending, copied=False)


def test_the_first_record_of_a_key_is_stored_and_the_later_ones_echo_it() -> None:
    plan = plan_of((ACME, "a"), (GLOBEX, "a"), (ACME, "a"), (ACME, None), (ACME, None))
    assert [p.ord for p in plan.to_store] == [0, 1, 3, 4]
    assert [(p.ord, first.ord) for p, first in plan.echoes] == [(2, 0)]


def test_batches_share_a_key_only_within_one_company() -> None:
    acme_a = plan_of((ACME, "a"), (ACME, "b"))
    assert acme_a.shares_a_key(plan_of((GLOBEX, "x"), (ACME, "b")))
    assert not acme_a.shares_a_key(plan_of((GLOBEX, "a"), (GLOBEX, "b")))
    assert not acme_a.shares_a_key(plan_of((ACME, "c"), (ACME, None)))
    assert not acme_a.shares_a_key(plan_of())
