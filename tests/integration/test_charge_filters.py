"""Charge filters, value properties and zero-width first tiers, over GraphQL."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any

import uuid_utils.compat as uuid7

from domain.access import Principal, Role
from domain.errors import Rejected
from metergraph.demo import load_demo
from services.audit import NOT_AUDITED
from services.catalog import change_value_property
from tests.integration.helpers import BATCH_RECORD_USAGE, RECORD_USAGE, create_company

DEFINE_METRIC = """
mutation($input: MetricInput!) {
  defineMetric(input: $input) {
    __typename
    ... on Metric { metricCode: code valueProperty }
    ... on ValidationError { field code message }
  }
}"""

CREATE_PRODUCT = """
mutation($code: String!, $metric: String!) {
  createProduct(code: $code, name: $code, metricCode: $metric) { __typename }
}"""

CREATE_CONTRACT = """
mutation($input: ContractInput!) {
  createContract(input: $input) {
    __typename
    ... on Contract { id products { productCode filters { property values } } }
    ... on ValidationError { field code message errors { field code message } }
  }
}"""

PREVIEW = """
query($contract: UUID!, $start: DateTime!) {
  previewInvoice(contractId: $contract, periodStart: $start) {
    __typename
    ... on Invoice { total lines { productCode quantity amount } }
    ... on ValidationError { field code }
  }
}"""

SIMULATE = """
query($contract: UUID!, $start: DateTime!, $prices: [ContractProductInput!]!) {
  simulateInvoice(contractId: $contract, periodStart: $start, prices: $prices) {
    __typename
    ... on Invoice { total lines { productCode quantity amount } }
    ... on ValidationError { field code errors { field code } }
  }
}"""

NOW = datetime.now(UTC)
MONTH = NOW.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
# inside this month and inside the late-arrival window, whatever today is
WHEN = max(MONTH, NOW - timedelta(days=1)).isoformat()


def metric_input(code: str, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "name": code,
        "resourceType": "API_CALLS",
        "measurementType": "COUNTER",
        "unit": "messages",
        "aggregation": "SUM",
        **extra,
    }


def record(company: str, metric: str, value: str, properties: Any = None) -> dict[str, Any]:
    out = {
        "companyId": company,
        "resourceType": "API_CALLS",
        "metricCode": metric,
        "timestamp": WHEN,
        "value": value,
        "unit": "messages",
    }
    if properties is not None:
        out["properties"] = properties
    return out


def per_unit(product: str, price: str = "0.01", **extra: Any) -> dict[str, Any]:
    return {"productCode": product, "price": {"model": "PER_UNIT", "unitPrice": price}, **extra}


async def keep_raw(runtime: Any, metric: str, days: int = 40) -> None:
    """A retention rule keeping ``metric``'s raw records long enough to invoice filters."""
    async with runtime.pool.acquire() as conn:
        await conn.execute(
            "INSERT INTO retention_rules (metric_code, raw_days, hour_days, day_days)"
            " VALUES ($1, $2, 90, 90)",
            metric,
            days,
        )


async def setup(admin: Any, metric: str, product: str, **metric_extra: Any) -> str:
    made = await admin(DEFINE_METRIC, {"input": metric_input(metric, **metric_extra)})
    assert made["defineMetric"]["__typename"] == "Metric", made
    assert (await admin(CREATE_PRODUCT, {"code": product, "metric": metric}))["createProduct"] == {
        "__typename": "Product"
    }
    return await create_company(admin, f"co-{metric.lower()}")


async def contract(admin: Any, company: str, *products: dict[str, Any]) -> dict[str, Any]:
    made = await admin(
        CREATE_CONTRACT,
        {
            "input": {
                "companyId": company,
                "currency": "USD",
                "startDate": (MONTH - timedelta(days=40)).date().isoformat(),
                "products": list(products),
            }
        },
    )
    result: dict[str, Any] = made["createContract"]
    return result


async def record_all(admin: Any, records: list[dict[str, Any]]) -> None:
    done = await admin(BATCH_RECORD_USAGE, {"records": records})
    assert done["batchRecordUsage"]["rejected"] == 0, done


async def preview(admin: Any, contract_id: str) -> dict[str, Any]:
    answer = await admin(PREVIEW, {"contract": contract_id, "start": WHEN})
    result: dict[str, Any] = answer["previewInvoice"]
    return result


SMS_EVENTS = [
    ("1500", {"delivery_status": "delivered", "country": "DE"}),
    ("2000", {"delivery_status": "delivered", "country": "FR"}),
    ("300", {"delivery_status": "failed", "country": "DE"}),
    ("700", {"country": "DE"}),  # no delivery status: not a delivery confirmation
    ("40", {"delivery_status": "DELIVERED", "country": "DE"}),  # values match exactly
]


async def test_a_price_filter_bills_only_matching_records(admin: Any, runtime: Any) -> None:
    company = await setup(admin, "sms_sent_f", "SMS_F")
    await keep_raw(runtime, "sms_sent_f")
    await record_all(admin, [record(company, "sms_sent_f", v, props) for v, props in SMS_EVENTS])
    delivered = [{"property": "delivery_status", "values": ["delivered"]}]
    made = await contract(admin, company, per_unit("SMS_F", filters=delivered))
    assert made["products"] == [
        {
            "productCode": "SMS_F",
            "filters": [{"property": "delivery_status", "values": ["delivered"]}],
        }
    ]

    invoice = await preview(admin, made["id"])

    assert invoice["lines"] == [{"productCode": "SMS_F", "quantity": "3500", "amount": "35.00"}]
    assert invoice["total"] == "35.00"


async def test_filters_are_and_across_properties_and_or_within_one(admin: Any) -> None:
    company = await setup(admin, "sms_sent_g", "SMS_G")
    await record_all(admin, [record(company, "sms_sent_g", v, props) for v, props in SMS_EVENTS])
    made = await contract(admin, company, per_unit("SMS_G"))
    assert made["products"][0]["filters"] == []
    start = {"contract": made["id"], "start": WHEN}

    def tried(*filters: dict[str, Any]) -> dict[str, Any]:
        return {**start, "prices": [per_unit("SMS_G", filters=list(filters))]}

    everything = await admin(SIMULATE, tried())
    german_sent = await admin(
        SIMULATE,
        tried(
            {"property": "country", "values": ["DE"]},
            {"property": "delivery_status", "values": ["delivered", "failed"]},
        ),
    )

    assert everything["simulateInvoice"]["lines"][0]["quantity"] == "4540"
    assert german_sent["simulateInvoice"]["lines"][0]["quantity"] == "1800"  # 1,500 + 300
    assert (await preview(admin, made["id"]))["lines"][0]["quantity"] == "4540"


async def test_a_filtered_period_whose_raw_records_are_gone_is_refused_not_misbilled(
    admin: Any, runtime: Any
) -> None:
    company = await setup(admin, "sms_sent_h", "SMS_H")
    await keep_raw(runtime, "sms_sent_h")
    await record_all(admin, [record(company, "sms_sent_h", "10", {"delivery_status": "delivered"})])
    filtered = await contract(
        admin,
        company,
        per_unit("SMS_H", filters=[{"property": "delivery_status", "values": ["delivered"]}]),
    )
    plain = await contract(admin, company, per_unit("SMS_H"))
    async with runtime.pool.acquire() as conn:
        # what retention records once it has deleted raw records up to now
        await conn.execute(
            "INSERT INTO usage_coverage (metric_code, source, complete_from)"
            " VALUES ('sms_sent_h', 'RAW', $1)",
            NOW + timedelta(days=1),
        )

    assert await preview(admin, filtered["id"]) == {
        "__typename": "ValidationError",
        "field": "periodStart",
        "code": "WINDOW_NOT_ANSWERABLE",
    }
    # the rollups still answer the unfiltered price exactly
    assert (await preview(admin, plain["id"]))["lines"][0]["quantity"] == "10"


async def test_a_filtered_product_needs_its_raw_records_kept_past_its_period(
    admin: Any, runtime: Any
) -> None:
    company = await setup(admin, "sms_sent_n", "SMS_N")
    filtered = per_unit("SMS_N", filters=[{"property": "delivery_status", "values": ["x"]}])

    refused = await contract(admin, company, per_unit("API_N_PLAIN_OK"), filtered)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("products[0].productCode", "UNKNOWN_PRODUCT")
    ]
    refused = await contract(admin, company, filtered)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("products[0].filters", "RETENTION_TOO_SHORT")
    ]
    # 31 days of period, 1 of grace (24 hours) and 1 for the runs
    assert "keeps them 30 days, a period and its grace need 33" in refused["errors"][0]["message"]

    await keep_raw(runtime, "sms_sent_n", days=33)
    assert (await contract(admin, company, filtered))["__typename"] == "Contract"


async def test_bad_filters_are_refused_naming_the_field(admin: Any) -> None:
    company = await setup(admin, "sms_sent_i", "SMS_I")
    for filters, field, code in (
        ([{"property": "delivery_status", "values": []}], "filters[0].values", "REQUIRED"),
        (
            [{"property": "delivery status", "values": ["x"]}],
            "filters[0].property",
            "INVALID_FORMAT",
        ),
        ([{"property": "", "values": ["x"]}], "filters[0].property", "INVALID_FORMAT"),
        (
            [{"property": "a", "values": ["x"]}, {"property": "a", "values": ["y"]}],
            "filters[1].property",
            "ALREADY_EXISTS",
        ),
        ([{"property": "a", "values": ["x" * 300]}], "filters[0].values[0]", "TOO_LONG"),
    ):
        made = await contract(admin, company, per_unit("SMS_I", filters=filters))
        assert made["__typename"] == "ValidationError", made
        assert [(e["field"], e["code"]) for e in made["errors"]] == [
            (f"products[0].{field}", code)
        ], filters


async def test_a_value_property_sums_the_property_instead_of_the_value(admin: Any) -> None:
    company = await setup(admin, "ai_ms_j", "AI_MS_J", valueProperty="processing_time")
    await record_all(
        admin,
        [
            record(company, "ai_ms_j", "1", {"processing_time": 120}),
            record(company, "ai_ms_j", "1", {"processing_time": 110.5}),
            record(company, "ai_ms_j", "999", {"processing_time": 0}),
        ],
    )
    made = await contract(admin, company, per_unit("AI_MS_J", "0.10"))

    invoice = await preview(admin, made["id"])

    assert invoice["lines"] == [{"productCode": "AI_MS_J", "quantity": "230.5", "amount": "23.05"}]


async def test_a_record_without_a_numeric_value_property_is_refused_naming_it(
    admin: Any,
) -> None:
    company = await setup(admin, "ai_ms_k", "AI_MS_K", valueProperty="processing_time")
    for properties, code in (
        (None, "VALUE_PROPERTY_MISSING"),
        ({"other": 5}, "VALUE_PROPERTY_MISSING"),
        ({"processing_time": "120"}, "VALUE_PROPERTY_NOT_NUMERIC"),
        ({"processing_time": True}, "VALUE_PROPERTY_NOT_NUMERIC"),
        ({"processing_time": -3}, "NEGATIVE_COUNTER_VALUE"),
    ):
        done = await admin(RECORD_USAGE, {"input": record(company, "ai_ms_k", "1", properties)})
        result = done["recordUsage"]
        assert result["__typename"] == "ValidationError", result
        assert [(e["field"], e["code"]) for e in result["errors"]] == [
            ("properties.processing_time", code)
        ]
        assert "processing_time" in result["errors"][0]["message"]


async def test_a_bad_value_property_name_is_refused(admin: Any) -> None:
    made = await admin(DEFINE_METRIC, {"input": metric_input("bad_vp", valueProperty="a b")})

    assert (made["defineMetric"]["field"], made["defineMetric"]["code"]) == (
        "valueProperty",
        "INVALID_FORMAT",
    )


async def test_a_value_property_changes_only_while_the_metric_has_no_usage(
    admin: Any, runtime: Any
) -> None:
    company = await setup(admin, "ai_ms_l", "AI_MS_L")
    operator = Principal(uuid7.uuid7(), Role.ADMIN, None)

    changed = await change_value_property(
        runtime, operator, "ai_ms_l", "processing_time", NOT_AUDITED
    )
    assert changed.value_property == "processing_time"
    await record_all(admin, [record(company, "ai_ms_l", "1", {"processing_time": 7})])

    try:
        await change_value_property(runtime, operator, "ai_ms_l", None, NOT_AUDITED)
    except Rejected as refused:
        assert [(e.field, e.code.value) for e in refused.errors] == [
            ("valueProperty", "VALUE_PROPERTY_LOCKED")
        ]
    else:
        raise AssertionError("changing a value property of a metric with usage was accepted")
    async with runtime.pool.acquire() as conn:
        total = await conn.fetchval(
            "SELECT sum(value) FROM usage_records WHERE metric_code = 'ai_ms_l'"
        )
    assert total == Decimal(7)


async def test_a_first_tier_ending_at_zero_is_a_free_tier(admin: Any) -> None:
    company = await setup(admin, "wa_m", "WA_M")
    await record_all(admin, [record(company, "wa_m", "150")])
    tiers = [{"upTo": "0"}, {"upTo": "100", "unitPrice": "0"}, {"unitPrice": "0.10"}]
    graduated = {"productCode": "WA_M", "price": {"model": "GRADUATED", "tiers": tiers}}
    made = await contract(admin, company, graduated)
    assert made["__typename"] == "Contract", made

    assert (await preview(admin, made["id"]))["total"] == "5.00"

    tiers[0] = {"upTo": "0", "unitPrice": "1"}
    refused = await contract(admin, company, graduated)
    assert [(e["field"], e["code"]) for e in refused["errors"]] == [
        ("products[0].price.tiers[0].unitPrice", "ZERO_WIDTH_TIER_PRICED")
    ]
    assert "holds no units" in refused["errors"][0]["message"]


async def test_the_seed_customer_c_sms_events_carry_no_delivery_status(
    admin: Any, runtime: Any
) -> None:
    """Why the demo's customer C contract keeps SMS unfiltered: the seed's events
    would all fall outside a delivery_status filter, and the seed totals count them."""
    await load_demo(runtime)
    async with runtime.pool.acquire() as conn:
        company_c = await conn.fetchval(
            "SELECT id FROM companies WHERE external_key = 'customer_c'"
        )
    contracts = (await admin("{ contracts { id companyId } }"))["contracts"]
    contract_c = next(c["id"] for c in contracts if c["companyId"] == str(company_c))
    delivered = per_unit(
        "SMS_001", filters=[{"property": "delivery_status", "values": ["delivered"]}]
    )
    totals = {}
    for month in ("2024-01", "2024-05"):
        start = f"{month}-01T00:00:00Z"
        as_billed = await admin(PREVIEW, {"contract": contract_c, "start": start})
        filtered = await admin(
            SIMULATE, {"contract": contract_c, "start": start, "prices": [delivered]}
        )
        totals[month] = (
            as_billed["previewInvoice"]["total"],
            filtered["simulateInvoice"]["total"],
        )

    assert totals == {"2024-01": ("11.00", "0.00"), "2024-05": ("76.00", "1.00")}


AMEND_PRICES = """
mutation($input: AmendContractInput!) {
  amendContract(input: $input) {
    __typename
    ... on Contract { versions { number products { productCode filters { property values } } } }
    ... on ValidationError { field code message }
  }
}"""


async def test_an_amended_price_keeps_its_product_filters(admin: Any, runtime: Any) -> None:
    company = await setup(admin, "sms_amended_f", "SMS_AF")
    await keep_raw(runtime, "sms_amended_f")
    await record_all(admin, [record(company, "sms_amended_f", v, p) for v, p in SMS_EVENTS])
    delivered = [{"property": "delivery_status", "values": ["delivered"]}]
    made = await contract(admin, company, per_unit("SMS_AF", filters=delivered))
    changes = {"prices": [per_unit("SMS_AF", price="0.02")]}
    amended = await admin(
        AMEND_PRICES,
        {"input": {"id": made["id"], "effectiveFrom": WHEN, "changes": changes}},
    )
    versions = amended["amendContract"]["versions"]
    assert [v["products"][0]["filters"] for v in versions] == [delivered, delivered]

    invoice = await preview(admin, made["id"])

    assert invoice["lines"] == [{"productCode": "SMS_AF", "quantity": "3500", "amount": "70.00"}]
