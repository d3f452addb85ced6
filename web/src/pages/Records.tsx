import type { ColumnDef } from "@tanstack/react-table";
import { type FormEvent, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Field } from "../components/Field";
import { Banner, ErrorState, Loading } from "../components/states";
import { Instant, Quantity } from "../components/values";
import { graphql } from "../gql";
import type { UsageRecordsQuery } from "../gql/graphql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { localDateTime } from "../lib/format";
import { MetricsQuery, nodesOf } from "../lib/queries";
import {
  activeFilterCount,
  EMPTY_FILTERS,
  filterProblems,
  parseRecordFilters,
  type RecordFilters,
  toUsageRecordFilter,
  writeRecordFilters,
} from "../lib/recordFilters";
import { useCompanyNames } from "../lib/useCompanyNames";
import { fromLocalInput, toLocalInput } from "../lib/usageParams";
import { isAdmin, useViewer } from "../lib/viewer";
import { ConfirmDialog } from "./ConfirmDialog";

const UsageRecords = graphql(`
  query UsageRecords($filter: UsageRecordFilter, $first: Int!, $after: String) {
    usageRecords(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          companyId
          metricCode
          timestamp
          value
          unit
          source
          userId
          spaceId
          applicationId
          billable
          idempotencyKey
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const VoidRecord = graphql(`
  mutation VoidUsageRecord($input: VoidUsageRecordInput!) {
    voidUsageRecord(input: $input) {
      __typename
      ... on UsageCorrection {
        voided {
          id
        }
      }
      ... on ValidationError {
        field
        errorCode
        message
        errors {
          field
          errorCode
          message
        }
      }
    }
  }
`);

const CorrectRecord = graphql(`
  mutation CorrectUsageRecord($input: CorrectUsageRecordInput!) {
    correctUsageRecord(input: $input) {
      __typename
      ... on UsageCorrection {
        voided {
          id
        }
        replacement {
          id
          timestamp
          value
          unit
        }
      }
      ... on ValidationError {
        field
        errorCode
        message
        errors {
          field
          errorCode
          message
        }
      }
    }
  }
`);

type Row = UsageRecordsQuery["usageRecords"]["edges"][number]["node"];
type Action = { kind: "void" | "correct"; record: Row };

const PAGE_SIZE = 50;
/** The fields the correction form shows its problems beside; any other is a banner. */
const FORM_FIELDS = ["reason", "value", "timestamp"];

export function RecordsPage() {
  const [search, setSearch] = useSearchParams();
  const filters = useMemo(() => parseRecordFilters(search), [search]);
  const apply = (next: RecordFilters) => setSearch(writeRecordFilters(next));
  const count = activeFilterCount(filters);
  return (
    <>
      <div className="page-head">
        <h1>Usage records</h1>
        <p className="subtle">
          Every stored record, oldest first{count > 0 ? ` · ${count} filter${count === 1 ? "" : "s"} applied` : ""}.
        </p>
      </div>
      <FilterForm key={search.toString()} filters={filters} onApply={apply} />
      {/* A new filter starts again at the first page. */}
      <RecordList key={`list-${search.toString()}`} filters={filters} />
    </>
  );
}

function FilterForm({ filters, onApply }: { filters: RecordFilters; onApply: (f: RecordFilters) => void }) {
  const viewer = useViewer();
  const names = useCompanyNames();
  const [{ data: metrics }] = useQuery({ query: MetricsQuery });
  const [draft, setDraft] = useState<RecordFilters>(filters);
  const [problems, setProblems] = useState<Partial<Record<keyof RecordFilters, string>>>({});
  const set = (key: keyof RecordFilters) => (value: string) => setDraft((d) => ({ ...d, [key]: value }));
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const found = filterProblems(draft);
    setProblems(found);
    if (Object.keys(found).length === 0) onApply({ ...draft, source: draft.source.trim() });
  };
  return (
    <form className="card records-filters" onSubmit={submit} aria-label="Filter usage records">
      <h2>Filters</h2>
      <div className="form-grid">
        {isAdmin(viewer) ? (
          <Field label="Company" error={problems.companyId}>
            {(p) => (
              <select {...p} value={draft.companyId} onChange={(e) => set("companyId")(e.target.value)}>
                <option value="">Every company</option>
                {[...names.entries()].map(([id, c]) => (
                  <option key={id} value={id}>
                    {c.name}
                  </option>
                ))}
              </select>
            )}
          </Field>
        ) : null}
        <Field label="Metric">
          {(p) => (
            <select {...p} value={draft.metric} onChange={(e) => set("metric")(e.target.value)}>
              <option value="">Every metric</option>
              {nodesOf(metrics?.metricsConnection).map((m) => (
                <option key={m.code} value={m.code}>
                  {m.name} ({m.code})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="From" error={problems.from} help="Your time zone; inclusive.">
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={draft.from ? toLocalInput(draft.from) : ""}
              onChange={(e) => set("from")(fromLocalInput(e.target.value) ?? "")}
            />
          )}
        </Field>
        <Field label="To" error={problems.to} help="Exclusive.">
          {(p) => (
            <input
              {...p}
              type="datetime-local"
              value={draft.to ? toLocalInput(draft.to) : ""}
              onChange={(e) => set("to")(fromLocalInput(e.target.value) ?? "")}
            />
          )}
        </Field>
        <Field label="User id" error={problems.userId}>
          {(p) => <input {...p} value={draft.userId} onChange={(e) => set("userId")(e.target.value.trim())} />}
        </Field>
        <Field label="Space id" error={problems.spaceId}>
          {(p) => <input {...p} value={draft.spaceId} onChange={(e) => set("spaceId")(e.target.value.trim())} />}
        </Field>
        <Field label="Application id" error={problems.applicationId}>
          {(p) => (
            <input {...p} value={draft.applicationId} onChange={(e) => set("applicationId")(e.target.value.trim())} />
          )}
        </Field>
        <Field label="Source">
          {(p) => <input {...p} value={draft.source} onChange={(e) => set("source")(e.target.value)} />}
        </Field>
        <Field label="Billable">
          {(p) => (
            <select {...p} value={draft.billable} onChange={(e) => set("billable")(e.target.value)}>
              <option value="">Billable or not</option>
              <option value="true">Billable only</option>
              <option value="false">Not billable only</option>
            </select>
          )}
        </Field>
        <div className="actions">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            className="secondary"
            onClick={() => {
              setDraft(EMPTY_FILTERS);
              setProblems({});
              onApply(EMPTY_FILTERS);
            }}
          >
            Clear filters
          </button>
        </div>
      </div>
    </form>
  );
}

function shortId(id: string | null | undefined): string {
  return id ? `${id.slice(0, 8)}…` : "";
}

function RecordList({ filters }: { filters: RecordFilters }) {
  const viewer = useViewer();
  const admin = isAdmin(viewer);
  const allNames = useCompanyNames();
  // The same map while its content is: new columns would remount every cell (and lose focus).
  const namesKey = [...allNames.entries()].map(([id, c]) => `${id}=${c.name}`).join("|");
  const names = useMemo(() => allNames, [namesKey]);
  const paging = useCursorPaging();
  const [action, setAction] = useState<Action | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: UsageRecords,
    variables: { filter: toUsageRecordFilter(filters), first: PAGE_SIZE, after: paging.after },
  });
  const columns = useMemo<ColumnDef<Row, unknown>[]>(() => {
    const cols: ColumnDef<Row, unknown>[] = [
      { accessorKey: "timestamp", header: "Time", cell: (c) => <Instant iso={c.getValue() as string} /> },
      { accessorKey: "metricCode", header: "Metric" },
      {
        id: "value",
        accessorFn: (r) => Number(r.value),
        header: "Value",
        meta: { align: "right" },
        cell: (c) => <Quantity value={c.row.original.value} unit={c.row.original.unit} />,
      },
    ];
    if (admin) {
      cols.push({
        id: "company",
        accessorFn: (r) => names.get(r.companyId)?.name ?? r.companyId,
        header: "Company",
      });
    }
    cols.push(
      { accessorKey: "source", header: "Source", cell: (c) => (c.getValue() as string | null) ?? "—" },
      {
        id: "billable",
        accessorFn: (r) => (r.billable ? "yes" : "no"),
        header: "Billable",
      },
      {
        id: "ids",
        header: "Ids",
        enableSorting: false,
        cell: (c) => <RecordIds record={c.row.original} />,
      },
    );
    if (admin) {
      cols.push({
        id: "actions",
        header: "Actions",
        enableSorting: false,
        cell: (c) => {
          const r = c.row.original;
          const when = localDateTime(r.timestamp);
          return (
            <span className="row-actions">
              <button
                type="button"
                className="secondary"
                aria-label={`Correct the ${r.metricCode} record of ${when}`}
                onClick={() => setAction({ kind: "correct", record: r })}
              >
                Correct
              </button>
              <button
                type="button"
                className="danger"
                aria-label={`Void the ${r.metricCode} record of ${when}`}
                onClick={() => setAction({ kind: "void", record: r })}
              >
                Void
              </button>
            </span>
          );
        },
      });
    }
    return cols;
  }, [admin, names]);

  const done = (text: string) => {
    setAction(null);
    setNotice(text);
    refetch({ requestPolicy: "network-only" });
  };

  return (
    <section className="card" aria-label="Usage records">
      {notice ? <Banner kind="success">{notice}</Banner> : null}
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : fetching && !data ? (
        <Loading what="Loading usage records" />
      ) : (
        <DataTable
          caption="Usage records"
          columns={columns}
          rows={data?.usageRecords.edges.map((e) => e.node) ?? []}
          paging={paging}
          hasNextPage={data?.usageRecords.pageInfo.hasNextPage}
          endCursor={data?.usageRecords.pageInfo.endCursor}
          empty={
            activeFilterCount(filters) > 0
              ? "No usage record matches these filters."
              : "No usage recorded yet. Records arrive through recordUsage, batches or a bulk import."
          }
        />
      )}
      {admin ? (
        <ConfirmDialog
          open={action !== null}
          title={action?.kind === "correct" ? "Correct a usage record" : "Void a usage record"}
          onClose={() => setAction(null)}
        >
          {action ? (
            <CorrectionForm action={action} onDone={done} onCancel={() => setAction(null)} />
          ) : null}
        </ConfirmDialog>
      ) : null}
    </section>
  );
}

function RecordIds({ record }: { record: Row }) {
  const parts: [string, string | null | undefined][] = [
    ["record", record.id],
    ["user", record.userId],
    ["space", record.spaceId],
    ["application", record.applicationId],
  ];
  return (
    <dl className="record-ids">
      {parts
        .filter(([, id]) => id)
        .map(([label, id]) => (
          <div key={label}>
            <dt>{label}</dt>
            <dd>
              <code title={id ?? undefined}>{shortId(id)}</code>
            </dd>
          </div>
        ))}
    </dl>
  );
}

function CorrectionForm({
  action,
  onDone,
  onCancel,
}: {
  action: Action;
  onDone: (notice: string) => void;
  onCancel: () => void;
}) {
  const { record, kind } = action;
  const [reason, setReason] = useState("");
  const [value, setValue] = useState("");
  const [when, setWhen] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [voiding, voidRecord] = useMutation(VoidRecord);
  const [correcting, correctRecord] = useMutation(CorrectRecord);
  const busy = voiding.fetching || correcting.fetching;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const local: Record<string, string> = {};
    if (!reason.trim()) local.reason = "Say why the record is voided or corrected.";
    const timestamp = when ? fromLocalInput(when) : null;
    if (kind === "correct") {
      if (!value.trim() && !when) local.value = "Give a corrected value or timestamp.";
      if (value.trim() && !/^-?\d+(\.\d+)?([eE][-+]?\d+)?$/.test(value.trim())) local.value = "Enter a number.";
      if (when && !timestamp) local.timestamp = "Enter a date and time.";
    }
    setProblems(local);
    if (Object.keys(local).length > 0) return;
    if (kind === "void") {
      const result = await voidRecord({ input: { id: record.id, reason: reason.trim() } });
      const answer = result.data?.voidUsageRecord;
      if (result.error) setFailure(describeError(result.error));
      else if (isValidationError(answer)) setProblems(problemsByField(answer));
      else if (answer?.__typename === "UsageCorrection") {
        onDone(`The ${record.metricCode} record of ${localDateTime(record.timestamp)} was voided; it no longer counts in any total.`);
      }
    } else {
      const result = await correctRecord({
        input: { id: record.id, reason: reason.trim(), value: value.trim() || null, timestamp },
      });
      const answer = result.data?.correctUsageRecord;
      if (result.error) setFailure(describeError(result.error));
      else if (isValidationError(answer)) setProblems(problemsByField(answer));
      else if (answer?.__typename === "UsageCorrection") {
        const r = answer.replacement;
        onDone(
          r
            ? `The ${record.metricCode} record was corrected: it now reads ${r.value} ${r.unit} at ${localDateTime(r.timestamp)} (new record ${r.id}).`
            : `The ${record.metricCode} record was corrected.`,
        );
      }
    }
  };

  return (
    <form onSubmit={(e) => void submit(e)} className="dialog-form" noValidate>
      <p>
        {kind === "void" ? "Void" : "Correct"} the <strong>{record.metricCode}</strong> record of{" "}
        <Instant iso={record.timestamp} />, value <Quantity value={record.value} unit={record.unit} />.{" "}
        {kind === "void"
          ? "It leaves every total; the audit trail keeps it."
          : "The record is voided and a corrected copy stored, in one step."}
      </p>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      {Object.entries(problems)
        .filter(([field]) => !FORM_FIELDS.includes(field))
        .map(([field, message]) => (
          <Banner key={field} kind="error">
            {field}: {message}
          </Banner>
        ))}
      {kind === "correct" ? (
        <>
          <Field label={`New value (${record.unit})`} error={problems.value} help="Blank: keep the value.">
            {(p) => <input {...p} inputMode="decimal" value={value} onChange={(e) => setValue(e.target.value)} />}
          </Field>
          <Field label="New time" error={problems.timestamp} help="Your time zone. Blank: keep the time.">
            {(p) => <input {...p} type="datetime-local" value={when} onChange={(e) => setWhen(e.target.value)} />}
          </Field>
        </>
      ) : null}
      <Field label="Reason" error={problems.reason} help="Kept in the audit trail.">
        {(p) => <textarea {...p} rows={2} value={reason} onChange={(e) => setReason(e.target.value)} required />}
      </Field>
      <div className="actions">
        <button type="submit" className={kind === "void" ? "danger" : undefined} disabled={busy}>
          {busy ? "Saving…" : kind === "void" ? "Void record" : "Correct record"}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
