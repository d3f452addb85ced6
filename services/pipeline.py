"""The usage write pipeline shared by GraphQL, HTTP bulk import and the CLI.

``UsageIngestor.check`` validates drafts against the metric catalogue and the
company's policy without writing; ``commit_batch`` stores a checked batch in
one transaction and classifies idempotent replays; ``GroupCommitter`` lets
concurrent single-record calls share one transaction. Nothing is reported
as accepted before the transaction holding it has committed.

The runtime holds one ``UsageIngestor`` and one ``GroupCommitter``; the
commands that use them are in ``services.ingest``.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import logging
import time
from collections import Counter
from collections.abc import AsyncIterator, Awaitable, Callable, Iterable, Mapping, Sequence, Set
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from enum import Enum
from operator import attrgetter
from typing import Any, TypeVar
from uuid import UUID, SafeUUID

import asyncpg
import msgspec
import uuid_utils

from domain.audit import AuditEntry
from domain.catalog import Company
from domain.limits import DEFAULT as DEFAULT_LIMITS
from domain.limits import Limits
from domain.privacy import UserIdMode, protect
from domain.usage import (
    MAX_IDEMPOTENCY_KEY,
    ErrorCode,
    FieldError,
    IngestPolicy,
    Metric,
    StoredKey,
    UsageCheck,
    UsageDraft,
    billed_draft,
    conflict_error,
    is_same_event,
    usage_check,
    usage_errors,
)
from services import metrics
from services.audit import write_in
from storage import repos
from storage.copy_rows import TRAILER, CopyRows
from storage.db import encode_json
from storage.ingest import PartitionMissing
from storage.partitions import PartitionCatalog, months_of
from storage.usage import (
    CopyData,
    PendingRecord,
    StoreResult,
    copy_data,
    copy_streamed,
    key_taken,
    store_usage,
)

_log = logging.getLogger(__name__)
_T = TypeVar("_T")

# How far back an operator back-fill may reach: old enough for any real
# migration of history, near enough to stop a typo from creating partitions
# for the year 0024.
BACKFILL_HORIZON = timedelta(days=3660)


# A large batch is checked in chunks of this many records, each sent to
# PostgreSQL (in the batch's one COPY of records) as soon as it is checked;
# checking yields to the loop every _CHECK_STEP records so that what was sent
# goes out on the socket meanwhile.
PIPELINE_CHUNK = 500
_CHECK_STEP = 250
# Stores of a month whose partition is gone, each after creating it again: a
# retention run right behind the one that dropped it may drop the new one too
# before the insert reaches it (a back-fill of a month past retention).
_PARTITION_TRIES = 3


class Status(Enum):
    ACCEPTED = "ACCEPTED"
    DUPLICATE = "DUPLICATE"
    REJECTED = "REJECTED"


class Outcome(msgspec.Struct, gc=False):
    """What became of one record (a Struct: one is built for every record;
    untracked by the garbage collector, as it refers to nothing that refers
    back to it)."""

    index: int
    status: Status
    record_id: UUID | None = None
    timestamp: datetime | None = None
    # a tuple by default: an empty list built per record would cost more than
    # the rest of the Outcome
    errors: Sequence[FieldError] = ()
    # the stored row, when the write asked for it and this call stored it
    row: asyncpg.Record | None = None


@dataclass
class BatchResult:
    outcomes: list[Outcome]
    atomic_rolled_back: bool = False
    # the audit entry given was committed with the batch
    audited: bool = False

    @functools.cached_property
    def counts(self) -> Counter[str]:
        return status_counts(self.outcomes)

    def first_errors(self) -> list[FieldError]:
        """The first error of each rejected record (none walked when none was)."""
        if not self.rejected:
            return []
        rejected = Status.REJECTED
        return [o.errors[0] for o in self.outcomes if o.errors and o.status is rejected]

    @property
    def accepted(self) -> int:
        return self.counts[Status.ACCEPTED.value]

    @property
    def duplicates(self) -> int:
        return self.counts[Status.DUPLICATE.value]

    @property
    def rejected(self) -> int:
        return self.counts[Status.REJECTED.value]


def status_counts(outcomes: Iterable[Outcome]) -> Counter[str]:
    """How many outcomes have each status, by its value: counted in C (an Enum
    member hashes in Python, a str in C), as a batch has thousands."""
    return Counter(map(_status_value, outcomes))


_status_value = attrgetter("status._value_")


class ReferenceCache:
    """Metric definitions and companies, cached briefly: both change rarely
    and are read for every record."""

    def __init__(self, pool: asyncpg.Pool, ttl_seconds: float = 5.0) -> None:
        self._pool = pool
        self._ttl = ttl_seconds
        self._metrics: dict[str, Metric] = {}
        self._metrics_at = float("-inf")
        self._companies: dict[UUID, tuple[float, Company]] = {}

    def invalidate(self) -> None:
        self._metrics_at = float("-inf")
        self._companies.clear()

    async def metrics(self) -> dict[str, Metric]:
        if time.monotonic() - self._metrics_at > self._ttl:
            async with self._pool.acquire() as conn:
                self._metrics = await repos.all_metrics(conn)
            self._metrics_at = time.monotonic()
        return self._metrics

    async def companies(self, ids: set[UUID]) -> dict[UUID, Company]:
        now = time.monotonic()
        fresh = now - self._ttl * 6
        found = {}
        missing = []
        for cid in ids:
            entry = self._companies.get(cid)
            if entry is not None and entry[0] > fresh:
                found[cid] = entry[1]
            else:
                missing.append(cid)
        if missing:
            async with self._pool.acquire() as conn:
                for cid in missing:
                    company = await repos.company_by_id(conn, cid)
                    if company is not None:
                        self._companies[cid] = (now, company)
                        found[cid] = company
        return found


@dataclass(frozen=True)
class IngestRules:
    future_tolerance: timedelta
    max_batch_size: int
    limits: Limits = DEFAULT_LIMITS


@dataclass(frozen=True, slots=True)
class _CompanyRules:
    """What every record of one company in a batch is refused by, or checked by."""

    refused: FieldError | None
    check: UsageCheck | None = None
    # the company whose settings change what is stored (None: stored as sent)
    company: Company | None = None


def new_record_id() -> UUID:
    """A new record's id: a time-ordered UUIDv7, the ``uuid.UUID`` that
    ``uuid_utils.compat.uuid7()`` gives, built at half its cost (its two slots
    set through their descriptors, no enum member looked up per id)."""
    record_id = _new_object(UUID)
    _set_int(record_id, uuid_utils.uuid7().int)
    _set_is_safe(record_id, _SAFE_UNKNOWN)
    return record_id


_new_object = object.__new__
_set_int = UUID.__dict__["int"].__set__
_set_is_safe = UUID.__dict__["is_safe"].__set__
_SAFE_UNKNOWN = SafeUUID.unknown


def _company_refusal(
    draft: UsageDraft, company: Company | None, allowed_company: UUID | None
) -> FieldError | None:
    """Why ``draft``'s company may not be recorded for: another company than the
    key's own, none, or one archived."""
    if allowed_company is not None and draft.company_id != allowed_company:
        message = "this API key may only record usage for its own company"
        return FieldError("companyId", ErrorCode.FORBIDDEN, message)
    if company is None:
        message = f"no company has id {draft.company_id}"
        return FieldError("companyId", ErrorCode.UNKNOWN_COMPANY, message)
    if company.archived_at is not None:
        message = f"company {company.external_key} is archived"
        return FieldError("companyId", ErrorCode.ARCHIVED, message)
    return None


class UsageIngestor:
    def __init__(
        self,
        pool: asyncpg.Pool,
        rules: IngestRules,
        references: ReferenceCache,
        partitions: PartitionCatalog,
    ) -> None:
        self.pool = pool
        self.rules = rules
        self.references = references
        self.partitions = partitions
        self._policies: dict[tuple[UUID, int, bool], IngestPolicy] = {}
        # Batches larger than this are checked and stored in chunks of it.
        self.pipeline_chunk = PIPELINE_CHUNK
        # Told about every committed write (thresholds are checked there).
        self.after_commit: Callable[[Sequence[PendingRecord]], Awaitable[None]] | None = None

    async def committed(
        self, pending: Sequence[PendingRecord], outcomes: Iterable[Outcome]
    ) -> None:
        """Run the after-commit hook for the records that were stored.

        A failure here is logged, never raised: the write is committed and
        acknowledged whatever happens to what follows it.
        """
        if self.after_commit is None:
            return
        status = Status.ACCEPTED
        accepted = [o.record_id for o in outcomes if o.status is status]
        if len(accepted) == len(pending):  # the usual case: every one of them
            records = list(pending)
        else:
            stored = set(accepted)
            records = [p for p in pending if p.id in stored]
        if not records:
            return
        try:
            await self.after_commit(records)
        except Exception:
            _log.exception("after-commit work failed for %d records", len(records))

    async def check(
        self,
        drafts: Sequence[UsageDraft],
        *,
        allowed_company: UUID | None,
        backfill: bool,
        now: datetime | None = None,
        positions: Sequence[int] | None = None,
        as_stored: bool = False,
    ) -> list[PendingRecord | list[FieldError]]:
        """Validate each draft; a PendingRecord (with its new id) or its errors.

        ``allowed_company`` restricts a scoped caller to its own company; a
        PendingRecord's ``ord`` is its draft's position in ``drafts``, or its
        entry in ``positions`` when given. A PendingRecord's draft is as the
        company stores it (user id pseudonymized, properties redacted), unless
        the drafts are ``as_stored`` already (a stored record's corrected copy).
        """
        now = now or datetime.now(UTC)
        metrics = await self.references.metrics()
        # a company's records share its refusal, policy and storing rules: worked
        # out once per company, found by the id's int (a UUID hashes in Python)
        ids = {d.company_id.int: d.company_id for d in drafts}
        companies = await self.references.companies(set(ids.values()))
        per_company: dict[int, _CompanyRules] = {}
        checked: list[PendingRecord | list[FieldError]] = []
        append = checked.append
        for index, draft in zip(positions or range(len(drafts)), drafts, strict=True):
            rules = per_company.get(draft.company_id.int)
            if rules is None:
                rules = per_company[draft.company_id.int] = self._company_rules(
                    draft, companies.get(draft.company_id), allowed_company, backfill, now
                )
            check = rules.check
            if check is None:  # refused (never None unrefused)
                append([rules.refused] if rules.refused else [])
                continue
            metric = metrics.get(draft.metric_code)
            if metric is None or not check.passes(draft, metric):
                errors = usage_errors(draft, metric, check.policy, check.now)
                if errors or metric is None:
                    append(errors)
                    continue
            if metric.value_property is not None:
                billed = billed_draft(draft, metric, check.policy.limits)
                if isinstance(billed, list):
                    append(billed)
                    continue
                draft = billed
            if rules.company is not None and not as_stored:
                draft = _as_stored(draft, rules.company)
            append(PendingRecord(index, new_record_id(), draft, metric))
        return checked

    def _company_rules(
        self,
        draft: UsageDraft,
        company: Company | None,
        allowed_company: UUID | None,
        backfill: bool,
        now: datetime,
    ) -> _CompanyRules:
        """How the records of ``draft``'s company are checked and stored."""
        refused = _company_refusal(draft, company, allowed_company)
        if refused is not None or company is None:
            return _CompanyRules(refused)
        return _CompanyRules(
            None,
            usage_check(self._policy(company, backfill), now),
            # None: stored as sent (a raw user id and nothing redacted)
            None
            if company.user_id_mode is UserIdMode.RAW and not company.redacted_properties
            else company,
        )

    def _policy(self, company: Company, backfill: bool) -> IngestPolicy:
        """The company's ingest policy (built once per setting: every record asks)."""
        key = (company.id, company.late_arrival_days, backfill)
        policy = self._policies.get(key)
        if policy is None:
            if len(self._policies) > 10_000:
                self._policies.clear()
            policy = self._policies[key] = IngestPolicy(
                late_arrival=BACKFILL_HORIZON
                if backfill
                else timedelta(days=company.late_arrival_days),
                future_tolerance=self.rules.future_tolerance,
                backfill=False,
                limits=self.rules.limits,
            )
        return policy

    async def ingest(
        self,
        drafts: Sequence[UsageDraft],
        *,
        atomic: bool = False,
        allowed_company: UUID | None = None,
        backfill: bool = False,
        audit: AuditEntry | None = None,
    ) -> BatchResult:
        """Validate and store a batch: partial acceptance, or all-or-nothing when atomic.

        ``audit`` is written in the batch's transaction (``audited`` says it was).
        """
        if (
            not atomic
            and len(drafts) > self.pipeline_chunk
            and self.partitions.knows(months_of([d.timestamp for d in drafts]))
        ):
            try:
                return await self._ingest_pipelined(drafts, allowed_company, backfill, audit)
            except PartitionMissing:
                # the whole batch rolled back; its months are checked in the database below
                self.partitions.forget()
        checked = await self.check(drafts, allowed_company=allowed_company, backfill=backfill)
        outcomes: list[Outcome | None] = [None] * len(drafts)
        pending: list[PendingRecord] = []
        for index, item in enumerate(checked):
            if isinstance(item, PendingRecord):
                pending.append(item)
            else:
                outcomes[index] = Outcome(index, Status.REJECTED, errors=item)
        if atomic and len(pending) != len(drafts):
            return BatchResult(_not_stored(outcomes), atomic_rolled_back=True)

        async def store() -> dict[int, Outcome]:
            async with self.pool.acquire() as conn, conn.transaction():
                stored = await commit_batch(conn, pending)
                if atomic and any(o.status is Status.REJECTED for o in stored.values()):
                    raise _AtomicRollback(stored)
                if audit is not None:
                    await write_in(conn, audit)
            return stored

        try:
            stored = await self.with_partitions(pending, store)
        except _AtomicRollback as rollback:
            stored = rollback.outcomes
            for index, outcome in stored.items():
                outcomes[index] = outcome if outcome.status is Status.REJECTED else None
            return BatchResult(_not_stored(outcomes), atomic_rolled_back=True)
        for index, outcome in stored.items():
            outcomes[index] = outcome
        await self.committed(pending, stored.values())
        return BatchResult([o for o in outcomes if o is not None], audited=audit is not None)

    async def _ingest_pipelined(
        self,
        drafts: Sequence[UsageDraft],
        allowed_company: UUID | None,
        backfill: bool,
        audit: AuditEntry | None,
    ) -> BatchResult:
        """``ingest`` of a large batch whose months all have partitions.

        The batch is checked chunk by chunk, and each chunk's records are sent
        to PostgreSQL as soon as it is checked, all in one ``COPY`` that
        PostgreSQL works through while the next chunk is checked; their keys
        follow in one ``COPY`` of their own, in the order every write claims
        keys (so concurrent batches cannot deadlock), and a key taken already
        undoes the records and sends the batch the careful way
        (``commit_batch``), the way a batch whose first key is taken (a
        resend) goes at once. What is reported is what ``ingest`` reports: a
        record repeating a key from an earlier chunk is judged against that
        chunk's record, as within one piece.
        """
        check = functools.partial(
            self.check, allowed_company=allowed_company, backfill=backfill, now=datetime.now(UTC)
        )
        outcomes: list[Outcome | None] = [None] * len(drafts)
        planner = BatchPlanner()
        built = CopyRows()

        async def checked() -> AsyncIterator[list[PendingRecord]]:
            """Each chunk's records to store, as it is checked and planned."""
            for start in range(0, len(drafts), self.pipeline_chunk):
                positions = range(start, min(start + self.pipeline_chunk, len(drafts)))
                yield planner.add(await _check_chunk(check, drafts, positions, outcomes))

        async def checked_rows() -> AsyncIterator[bytes]:
            async for chunk in checked():
                built.add(chunk)
                yield built.taken()
            yield TRAILER

        async with self.pool.acquire() as conn, conn.transaction():
            if await _resent(conn, drafts, allowed_company):  # checked whole, stored carefully
                async for _ in checked():
                    pass
                stored = await commit_batch(conn, planner.plan())
            elif await copy_streamed(conn, checked_rows(), built.keys):
                stored = outcomes_of(planner.plan(), StoreResult(len(planner.to_store), {}))
            else:
                stored = await commit_batch(conn, planner.plan())
            if audit is not None:
                await write_in(conn, audit)
        await self.committed(planner.pending, stored.values())
        return BatchResult(_in_order(outcomes, stored), audited=audit is not None)

    async def ensure_partitions(self, pending: Sequence[PendingRecord]) -> None:
        await self.partitions.ensure(self.pool, months_of([p.draft.timestamp for p in pending]))

    async def with_partitions(
        self, pending: Sequence[PendingRecord], store: Callable[[], Awaitable[_T]]
    ) -> _T:
        """``store()`` once the months of ``pending`` have partitions.

        This process's list of partitions may be out of date: retention in
        another process may have dropped one since. An insert that finds no
        partition for its month is rolled back; the months are then checked
        (and created) in the database and the insert runs again (up to
        ``_PARTITION_TRIES`` stores in all).
        """
        await self.ensure_partitions(pending)
        for _ in range(_PARTITION_TRIES - 1):
            try:
                return await store()
            except PartitionMissing:
                pass
            _log.info("a usage partition this process knew of is gone; creating it again")
            self.partitions.forget()
            await self.ensure_partitions(pending)
        return await store()

    async def store_batch(
        self,
        plan: BatchPlan,
        audit: Callable[[Mapping[int, Outcome]], AuditEntry] | None = None,
    ) -> dict[int, Outcome]:
        """Store ``plan``'s records in one transaction (their partitions made sure of),
        with the audit row ``audit`` makes of the outcomes, if given, in the same
        transaction."""

        async def store() -> dict[int, Outcome]:
            async with self.pool.acquire() as conn, conn.transaction():
                outcomes = await commit_batch(conn, plan)
                if audit is not None:
                    await write_in(conn, audit(outcomes))
                return outcomes

        return await self.with_partitions(plan.pending, store)


def _as_stored(draft: UsageDraft, company: Company) -> UsageDraft:
    """``draft`` as ``company`` stores it. Every write path is checked by
    ``UsageIngestor.check``, so this is the one place a raw user id or a
    redacted property is replaced: nothing raw goes further."""
    if company.user_id_mode is UserIdMode.RAW and not company.redacted_properties:
        return draft
    return protect(draft, company.user_id_mode, company.redacted_properties, company.secret)


def _in_order(outcomes: list[Outcome | None], stored: dict[int, Outcome]) -> list[Outcome]:
    """Every record's outcome by its index: ``outcomes`` (those set while checking)
    with ``stored``'s. The usual batch stored every record, in order: it is
    ``stored`` as it stands."""
    if len(stored) == len(outcomes) and list(stored) == list(range(len(outcomes))):
        return list(stored.values())
    for index, outcome in stored.items():
        outcomes[index] = outcome
    return [o for o in outcomes if o is not None]


async def _resent(
    conn: asyncpg.Connection, drafts: Sequence[UsageDraft], allowed_company: UUID | None
) -> bool:
    """Whether the batch's first key is taken already: a resent batch, whose
    records, streamed, would only be undone when their keys meet the stored
    ones. Only the path is chosen here; both store the same. Another
    company's key is never looked at for a key scoped to one (not even its
    timing may tell whether that company holds it)."""
    first = next((d for d in drafts if d.idempotency_key is not None), None)
    if first is None or (allowed_company is not None and first.company_id != allowed_company):
        return False
    key = first.idempotency_key
    # a key PostgreSQL could not take as text is left to the check to refuse
    if key is None or len(key) > MAX_IDEMPOTENCY_KEY or not key.isascii() or "\x00" in key:
        return False
    return await key_taken(conn, first.company_id, key)


async def _check_chunk(
    check: Callable[..., Awaitable[list[PendingRecord | list[FieldError]]]],
    drafts: Sequence[UsageDraft],
    positions: Sequence[int],
    outcomes: list[Outcome | None],
) -> list[PendingRecord]:
    """The drafts at ``positions`` checked, _CHECK_STEP at a time; the rejected ones'
    outcomes set in ``outcomes``."""
    chunk: list[PendingRecord] = []
    for step in range(0, len(positions), _CHECK_STEP):
        part = positions[step : step + _CHECK_STEP]
        checked = await check([drafts[i] for i in part], positions=part)
        for index, item in zip(part, checked, strict=True):
            if isinstance(item, PendingRecord):
                chunk.append(item)
            else:
                outcomes[index] = Outcome(index, Status.REJECTED, errors=item)
        # the chunk being stored takes its turn on the loop
        await asyncio.sleep(0)
    return chunk


class _AtomicRollback(Exception):
    def __init__(self, outcomes: dict[int, Outcome]) -> None:
        super().__init__("atomic batch rejected")
        self.outcomes = outcomes


def _not_stored(outcomes: list[Outcome | None]) -> list[Outcome]:
    """An atomic batch that failed: the valid records are reported as not
    stored, with no error of their own."""
    return [o if o is not None else Outcome(i, Status.REJECTED) for i, o in enumerate(outcomes)]


@dataclass(frozen=True)
class BatchPlan:
    """A checked batch made ready to store: the records to write (the first of
    each idempotency key), the later ones sharing a key with them, and the
    COPY data of the first (built by ``plan_batch`` while the connection is
    busy with the batch before)."""

    pending: Sequence[PendingRecord]
    to_store: list[PendingRecord]
    echoes: list[tuple[PendingRecord, PendingRecord]]
    data: CopyData | None = None
    # the idempotency keys the batch claims, per company (its id's int)
    claims: Mapping[int, Set[str]] = field(default_factory=dict)

    def shares_a_key(self, other: BatchPlan) -> bool:
        """Whether this batch and ``other`` claim one key of one company."""
        return any(
            not keys.isdisjoint(other.claims.get(company, ()))
            for company, keys in self.claims.items()
        )


class BatchPlanner:
    """A batch sorted out as its records are checked, a chunk at a time: within
    the batch the first record with a given idempotency key is the one stored;
    later ones are judged against it like any replay."""

    def __init__(self) -> None:
        self.pending: list[PendingRecord] = []
        self.to_store: list[PendingRecord] = []
        self.echoes: list[tuple[PendingRecord, PendingRecord]] = []
        # per company (by its id's int: a UUID hashes in Python, an int in C),
        # the first record of each key (a str keeps its hash, a tuple does not)
        self._first_by_key: dict[int, dict[str, PendingRecord]] = {}

    def add(self, pending: Sequence[PendingRecord]) -> list[PendingRecord]:
        """Sort ``pending`` out; the ones among them to store."""
        by_company, echoes = self._first_by_key, self.echoes
        fresh: list[PendingRecord] = []
        company, firsts = None, None  # the last record's: a batch is mostly one company's
        for p in pending:
            key = p.draft.idempotency_key
            if key is None:
                fresh.append(p)
                continue
            if p.draft.company_id.int != company or firsts is None:
                company = p.draft.company_id.int
                firsts = by_company.setdefault(company, {})
            first = firsts.get(key)
            if first is None:
                firsts[key] = p
                fresh.append(p)
            else:
                echoes.append((p, first))
        self.pending += pending
        self.to_store += fresh
        return fresh

    def plan(self, data: CopyData | None = None) -> BatchPlan:
        claims = {company: firsts.keys() for company, firsts in self._first_by_key.items()}
        return BatchPlan(self.pending, self.to_store, self.echoes, data, claims)


def plan_batch(pending: Sequence[PendingRecord], *, copied: bool = True) -> BatchPlan:
    """``pending`` ready to store (``BatchPlanner``); ``copied``: its COPY data built too."""
    planner = BatchPlanner()
    planner.add(pending)
    return planner.plan(copy_data(planner.to_store) if copied else None)


async def commit_batch(
    conn: asyncpg.Connection,
    pending: Sequence[PendingRecord] | BatchPlan,
    *,
    returning: bool = False,
    staged: bool | None = None,
    audit: Sequence[tuple[UUID, Sequence[Any]]] = (),
) -> dict[int, Outcome]:
    """Store ``pending`` (or its plan) in the caller's transaction (or, outside
    one, in a statement of its own, with the ``audit`` rows of the records it
    stores); an outcome per ``ord``.

    Within the batch the first record with a given idempotency key is the one
    stored; later ones are judged against it like any replay.
    """
    # a plan without COPY data leaves it to store_usage, which builds it if it COPYs
    plan = pending if isinstance(pending, BatchPlan) else plan_batch(pending, copied=False)
    to_store = plan.to_store
    result = await store_usage(
        conn, to_store, returning=returning, staged=staged, audit=audit, data=plan.data
    )
    return outcomes_of(plan, result)


def outcomes_of(plan: BatchPlan, result: StoreResult) -> dict[int, Outcome]:
    """What became of each record of ``plan``, given what its store did."""
    to_store = plan.to_store
    replays, rows = result.replays, result.rows
    outcomes: dict[int, Outcome] = {}
    accepted = Status.ACCEPTED
    for p in to_store:
        replay = replays.get(p.ord) if replays else None
        outcomes[p.ord] = (
            Outcome(
                p.ord,
                accepted,
                p.id,
                p.draft.timestamp,
                row=rows.get(p.id) if rows else None,
            )
            if replay is None
            else _judge_replay(p, replay)
        )
    for p, first in plan.echoes:
        earlier = result.replays.get(first.ord) or StoredKey(
            first.id, first.draft.metric_code, first.draft.timestamp, first.draft.value
        )
        outcomes[p.ord] = _judge_replay(p, earlier)
    return outcomes


def _judge_replay(p: PendingRecord, earlier: StoredKey) -> Outcome:
    if is_same_event(earlier, p.draft):
        return Outcome(p.ord, Status.DUPLICATE, earlier.record_id, earlier.timestamp)
    return Outcome(p.ord, Status.REJECTED, errors=[conflict_error(earlier, p.draft)])


# The fewest records a shared transaction is split down to.
MIN_SHARE = 8


@dataclass
class _Waiting:
    record: PendingRecord
    future: asyncio.Future[Outcome]
    # the caller's audit row, given what became of its record
    audit: Callable[[Outcome], AuditEntry] | None = None


class GroupCommitter:
    """Concurrent single-record writes share transactions.

    The first record to arrive opens a window of ``window`` seconds (or until
    ``max_records`` are waiting); what arrived is split over the free flush
    slots (no share smaller than ``MIN_SHARE``), each share stored and
    committed by one statement, and each caller is answered only after its
    commit. If a shared statement fails, each of its records is retried on
    its own so that one bad record cannot fail its neighbours.
    """

    def __init__(
        self,
        ingestor: UsageIngestor,
        *,
        window: float,
        max_records: int,
        concurrency: int = 3,
    ) -> None:
        self._ingestor = ingestor
        self._window = window
        self._max = max_records
        # Records wait here; an arrival costs an append, not a task.
        self._waiting: list[_Waiting] = []
        self._arrived = asyncio.Event()  # set while anything waits
        self._full = asyncio.Event()  # set once max_records wait
        self._slots = asyncio.Semaphore(concurrency)
        self._runner: asyncio.Task[None] | None = None
        self._flushes: set[asyncio.Task[None]] = set()

    def start(self) -> None:
        if self._runner is None:
            self._runner = asyncio.get_running_loop().create_task(self._run())

    async def stop(self) -> None:
        if self._runner is not None:
            self._runner.cancel()
            try:
                await self._runner
            except asyncio.CancelledError:
                pass
            self._runner = None
        if self._flushes:
            await asyncio.gather(*self._flushes, return_exceptions=True)
        left, self._waiting = self._waiting, []
        for waiting in left:
            if not waiting.future.done():
                waiting.future.set_exception(RuntimeError("server shutting down"))

    async def submit(
        self, record: PendingRecord, audit: Callable[[Outcome], AuditEntry] | None = None
    ) -> Outcome:
        """Store ``record``; ``audit`` gives its audit row, committed with it."""
        if self._runner is None:
            raise RuntimeError("group commit is not running")
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(record, future, audit))
        if len(self._waiting) == 1:
            self._arrived.set()
        if len(self._waiting) >= self._max:
            self._full.set()
        return await future

    async def _run(self) -> None:
        while True:
            await self._arrived.wait()
            # The first arrival opens the window; it closes early when full.
            if len(self._waiting) < self._max:
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._full.wait(), self._window)
            group, self._waiting = self._waiting[: self._max], self._waiting[self._max :]
            if len(self._waiting) < self._max:
                self._full.clear()
            if not self._waiting:
                self._arrived.clear()
            if not group:
                continue
            await self._slots.acquire()
            # What waits is spread over the connections free right now: the
            # first callers are answered, and send again, while the rest commit.
            parts = 1
            while parts < len(group) // MIN_SHARE and not self._slots.locked():
                await self._slots.acquire()
                parts += 1
            for n in range(parts):
                task = asyncio.get_running_loop().create_task(
                    self._flush(group[n * len(group) // parts : (n + 1) * len(group) // parts])
                )
                self._flushes.add(task)
                task.add_done_callback(self._flushes.discard)

    async def _flush(self, group: list[_Waiting]) -> None:
        try:
            await self._commit_group(group)
        finally:
            self._slots.release()

    async def _commit_group(self, group: list[_Waiting]) -> None:
        metrics.observe_group(len(group))
        # Positions in the shared transaction, not in any caller's request.
        records = [
            PendingRecord(n, w.record.id, w.record.draft, w.record.metric)
            for n, w in enumerate(group)
        ]
        try:
            # The audit row each caller's record gets if it is stored: the statement
            # that stores and commits the group writes them for the records it stores.
            audit = [
                (r.id, w.audit(Outcome(r.ord, Status.ACCEPTED, r.id, r.draft.timestamp)).row())
                for r, w in zip(records, group, strict=True)
                if w.audit is not None
            ]
            rows = [(id, (*row[:-1], encode_json(row[-1]))) for id, row in audit]

            async def store() -> dict[int, Outcome]:
                async with self._ingestor.pool.acquire() as conn:
                    # outside a transaction: one statement stores and commits the group
                    stored = await commit_batch(conn, records, returning=True, audit=rows)
                    # a replay or a conflict changed nothing: its row is written after
                    rest = [
                        w.audit(stored[n])
                        for n, w in enumerate(group)
                        if w.audit is not None and stored[n].status is not Status.ACCEPTED
                    ]
                    if rest:
                        try:
                            await write_in(conn, *rest)
                        except Exception:
                            _log.exception("the audit rows of %d replayed records", len(rest))
                    return stored

            outcomes = await self._ingestor.with_partitions(records, store)
        except Exception as exc:
            if len(group) == 1:
                if not group[0].future.done():
                    group[0].future.set_exception(exc)
                return
            _log.warning(
                "group commit of %d records failed (%s); retrying one by one", len(group), exc
            )
            await asyncio.gather(*(self._commit_group([w]) for w in group))
            return
        for n, waiting in enumerate(group):
            if not waiting.future.done():
                outcome = outcomes[n]
                outcome.index = waiting.record.ord
                waiting.future.set_result(outcome)
        # after the callers have their answers: the check does not delay them
        await self._ingestor.committed(records, outcomes.values())
