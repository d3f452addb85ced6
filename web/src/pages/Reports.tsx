import type { ColumnDef } from "@tanstack/react-table";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Field } from "../components/Field";
import { Banner, Empty, ErrorState, Loading } from "../components/states";
import { Instant, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import type { ReportListQuery, ReportSchedulesQuery } from "../gql/graphql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { localDateTime, viewerTimeZone } from "../lib/format";
import {
  criteriaInput,
  criteriaProblems,
  type CriteriaDraft,
  describeCriteria,
  type DestinationDraft,
  destinationInput,
  fileSize,
  inProgress,
  KIND_LABELS,
  newCriteria,
  type ReportFormatName,
  type ReportKindName,
  WINDOWS,
} from "../lib/reporting";
import { fromLocalInput, toLocalInput } from "../lib/usageParams";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";
import { ConfirmButton } from "./ConfirmButton";
import { nodesOf } from "../lib/queries";

const ReportListQueryDoc = graphql(`
  query ReportList($first: Int!, $after: String) {
    reports(first: $first, after: $after) {
      edges {
        node {
          id
          kind
          format
          status
          companyId
          criteria
          createdAt
          startedAt
          finishedAt
          sizeBytes
          error
          scheduleId
          scheduledFor
          downloadUrl
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const ReportStatusQuery = graphql(`
  query ReportStatus($id: UUID!) {
    report(id: $id) {
      id
      status
      startedAt
      finishedAt
      sizeBytes
      error
      downloadUrl
    }
  }
`);

const GenerateReport = graphql(`
  mutation GenerateReport($input: GenerateReportInput!) {
    generateReport(input: $input) {
      __typename
      ... on Report {
        id
        status
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

const ReportSchedulesQueryDoc = graphql(`
  query ReportSchedules {
    reportSchedulesConnection(first: 500) {
      edges {
        node {
          id
          name
          companyId
          cron
          timeZone
          criteria
          format
          destination {
            type
            to
            url
            signed
          }
          active
          createdAt
          nextRunAt
          runs(last: 20) {
            scheduledFor
            reportId
            status
            attempts
            error
            deliveredAt
          }
        }
      }
    }
  }
`);

const CreateReportSchedule = graphql(`
  mutation CreateReportSchedule($input: CreateReportScheduleInput!) {
    createReportSchedule(input: $input) {
      __typename
      ... on ReportSchedule {
        id
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

const SetScheduleActive = graphql(`
  mutation SetReportScheduleActive($input: SetReportScheduleActiveInput!) {
    setReportScheduleActive(input: $input) {
      __typename
      ... on ReportSchedule {
        id
        active
        nextRunAt
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

const RemoveSchedule = graphql(`
  mutation RemoveReportSchedule($input: RemoveReportScheduleInput!) {
    removeReportSchedule(input: $input) {
      __typename
      ... on Removed {
        id
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

type ReportRow = ReportListQuery["reports"]["edges"][number]["node"];
type Schedule = ReportSchedulesQuery["reportSchedulesConnection"]["edges"][number]["node"];

const PAGE_SIZE = 25;
const POLL_MS = 2000;
const FORMATS: readonly ReportFormatName[] = ["CSV", "JSON", "PDF"];

export function ReportsPage() {
  const viewer = useViewer();
  const writer = isAdmin(viewer) || viewer.role === "COMPANY_ADMIN";
  const [generated, setGenerated] = useState(0);
  return (
    <>
      <div className="page-head">
        <h1>Reports</h1>
        <p className="subtle">
          Usage{isAdmin(viewer) ? ", cost allocation and profitability" : ""} reports as CSV, JSON or PDF, built in the
          background; schedules send them on a cron.
        </p>
      </div>
      {writer ? <GenerateForm onGenerated={() => setGenerated((n) => n + 1)} /> : null}
      <ReportList refresh={generated} writer={writer} />
      <Schedules writer={writer} />
    </>
  );
}

// --------------------------------------------------------------- criteria

function useCompanyChoices() {
  const names = useCompanyNames();
  return [...names.entries()].map(([id, c]) => ({ id, name: c.name }));
}

/** The criteria controls, shared by a one-off report and a schedule. */
function CriteriaFields({
  draft,
  onChange,
  err,
  allowFixed,
}: {
  draft: CriteriaDraft;
  onChange: (change: Partial<CriteriaDraft>) => void;
  err: (field: string) => string | undefined;
  allowFixed: boolean;
}) {
  const viewer = useViewer();
  const admin = isAdmin(viewer);
  const companies = useCompanyChoices();
  const fixed = draft.span === "fixed";
  return (
    <>
      {admin ? (
        <Field label="Kind" error={err("criteria.kind")}>
          {(p) => (
            <select {...p} value={draft.kind} onChange={(e) => onChange({ kind: e.target.value as ReportKindName })}>
              {(Object.keys(KIND_LABELS) as ReportKindName[]).map((k) => (
                <option key={k} value={k}>
                  {KIND_LABELS[k]}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      <Field label="Window" error={err("criteria.window")} help={fixed ? undefined : "Fixed when the report runs."}>
        {(p) => (
          <select
            {...p}
            value={fixed ? "FIXED" : draft.window}
            onChange={(e) =>
              e.target.value === "FIXED"
                ? onChange({ span: "fixed" })
                : onChange({ span: "relative", window: e.target.value as CriteriaDraft["window"] })
            }
          >
            {WINDOWS.map(([w, label]) => (
              <option key={w} value={w}>
                {label}
              </option>
            ))}
            {allowFixed ? <option value="FIXED">Fixed dates…</option> : null}
          </select>
        )}
      </Field>
      {fixed ? (
        <>
          <Field label="From" error={err("criteria.from")} help="In your time zone.">
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={draft.from ? toLocalInput(draft.from) : ""}
                onChange={(e) => onChange({ from: fromLocalInput(e.target.value) })}
              />
            )}
          </Field>
          <Field label="To" error={err("criteria.to")} help="Not included.">
            {(p) => (
              <input
                {...p}
                type="datetime-local"
                value={draft.to ? toLocalInput(draft.to) : ""}
                onChange={(e) => onChange({ to: fromLocalInput(e.target.value) })}
              />
            )}
          </Field>
        </>
      ) : null}
      {draft.kind === "USAGE" ? (
        <Field label="Granularity" error={err("criteria.granularity")}>
          {(p) => (
            <select
              {...p}
              value={draft.granularity}
              onChange={(e) => onChange({ granularity: e.target.value as CriteriaDraft["granularity"] })}
            >
              <option value="HOUR">Hour</option>
              <option value="DAY">Day</option>
              <option value="MONTH">Month</option>
            </select>
          )}
        </Field>
      ) : null}
      {draft.kind === "COST_ALLOCATION" ? (
        <Field label="Allocation granularity" error={err("criteria.allocationGranularity")}>
          {(p) => (
            <select
              {...p}
              value={draft.allocationGranularity}
              onChange={(e) =>
                onChange({ allocationGranularity: e.target.value as CriteriaDraft["allocationGranularity"] })
              }
            >
              <option value="DAILY">Daily</option>
              <option value="HOURLY">Hourly</option>
            </select>
          )}
        </Field>
      ) : null}
      {admin ? (
        <Field label="Company" error={err("criteria.companyId")}>
          {(p) => (
            <select {...p} value={draft.companyId} onChange={(e) => onChange({ companyId: e.target.value })}>
              <option value="">Whole platform (every company)</option>
              {companies.map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name}
                </option>
              ))}
            </select>
          )}
        </Field>
      ) : null}
      {draft.kind === "USAGE" ? (
        <Field label="Metrics" error={err("criteria.metricCodes")} help="Metric codes, comma separated; blank: every metric.">
          {(p) => <input {...p} value={draft.metricCodes} onChange={(e) => onChange({ metricCodes: e.target.value })} />}
        </Field>
      ) : null}
      {draft.kind === "COST_ALLOCATION" ? (
        <Field label="Products" error={err("criteria.productCodes")} help="Product codes, comma separated; blank: every product.">
          {(p) => <input {...p} value={draft.productCodes} onChange={(e) => onChange({ productCodes: e.target.value })} />}
        </Field>
      ) : null}
    </>
  );
}

/** The problems no control shows, for a banner. */
function leftOver(problems: Record<string, string>, shown: readonly string[]): string[] {
  return Object.entries(problems)
    .filter(([field]) => !shown.includes(field))
    .map(([, message]) => message);
}

/** The criteria fields that have a control in the form as it stands. */
function criteriaShown(draft: CriteriaDraft, admin: boolean): string[] {
  const shown = ["criteria.window"];
  if (admin) shown.push("criteria.kind", "criteria.companyId");
  if (draft.span === "fixed") shown.push("criteria.from", "criteria.to");
  if (draft.kind === "USAGE") shown.push("criteria.granularity", "criteria.metricCodes");
  if (draft.kind === "COST_ALLOCATION") shown.push("criteria.allocationGranularity", "criteria.productCodes");
  return shown;
}

// --------------------------------------------------------------- generate

function GenerateForm({ onGenerated }: { onGenerated: () => void }) {
  const [draft, setDraft] = useState<CriteriaDraft>(newCriteria);
  const [format, setFormat] = useState<ReportFormatName>("CSV");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [notice, setNotice] = useState<string | null>(null);
  const [{ fetching }, generate] = useMutation(GenerateReport);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    setNotice(null);
    const local = criteriaProblems(draft);
    if (Object.keys(local).length > 0) {
      setProblems(local);
      return;
    }
    const result = await generate({ input: { criteria: criteriaInput(draft), format } });
    const answer = result.data?.generateReport;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "Report") {
      setProblems({});
      setNotice("The report is being built: it appears below and can be downloaded once it succeeded.");
      onGenerated();
    }
  };
  const admin = isAdmin(useViewer());
  const others = leftOver(problems, [...criteriaShown(draft, admin), "format"]);
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-labelledby="generate-h" noValidate>
      <h2 id="generate-h">Generate a report</h2>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      {others.length > 0 ? <Banner kind="error">{others.join(" ")}</Banner> : null}
      {notice ? <Banner kind="success">{notice}</Banner> : null}
      <CriteriaFields
        draft={draft}
        onChange={(change) => setDraft((d) => ({ ...d, ...change }))}
        err={(f) => problems[f]}
        allowFixed
      />
      <Field label="Format" error={problems.format}>
        {(p) => (
          <select {...p} value={format} onChange={(e) => setFormat(e.target.value as ReportFormatName)}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Asking…" : "Generate report"}
        </button>
      </div>
    </form>
  );
}

// ------------------------------------------------------------------ list

/** Asks for one report every two seconds while it is being built; the list
 * shows the answer through the normalized cache. */
function ReportWatcher({ id }: { id: string }) {
  const [, poll] = useQuery({ query: ReportStatusQuery, variables: { id }, pause: true });
  useEffect(() => {
    const timer = window.setInterval(() => poll({ requestPolicy: "network-only" }), POLL_MS);
    return () => window.clearInterval(timer);
  }, [poll]);
  return null;
}

function ReportList({ refresh, writer }: { refresh: number; writer: boolean }) {
  const paging = useCursorPaging();
  const names = useCompanyNames();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ReportListQueryDoc,
    variables: { first: PAGE_SIZE, after: paging.after },
  });
  useEffect(() => {
    if (refresh > 0) refetch({ requestPolicy: "network-only" });
  }, [refresh, refetch]);
  const rows = (data?.reports.edges ?? []).map((e) => e.node);
  const columns = useMemo<ColumnDef<ReportRow, unknown>[]>(
    () => [
      { accessorKey: "createdAt", header: "Requested", cell: (c) => <Instant iso={c.getValue() as string} /> },
      {
        accessorKey: "kind",
        header: "Kind",
        cell: (c) => KIND_LABELS[c.row.original.kind] + (c.row.original.scheduleId ? " (scheduled)" : ""),
      },
      {
        id: "covers",
        header: "Covers",
        accessorFn: (r) => describeCriteria(r.criteria),
        cell: (c) => (
          <>
            {describeCriteria(c.row.original.criteria)}
            <span className="subtle">
              {" · "}
              {c.row.original.companyId ? (names.get(c.row.original.companyId)?.name ?? "one company") : "whole platform"}
            </span>
          </>
        ),
      },
      { accessorKey: "format", header: "Format" },
      {
        accessorKey: "status",
        header: "Status",
        cell: (c) => (
          <>
            <StatusBadge status={c.row.original.status} />
            {c.row.original.error ? <span className="report-error"> {c.row.original.error}</span> : null}
          </>
        ),
      },
      {
        accessorKey: "sizeBytes",
        header: "Size",
        meta: { align: "right" },
        cell: (c) => fileSize(c.row.original.sizeBytes),
      },
      {
        id: "download",
        header: "File",
        enableSorting: false,
        cell: (c) => {
          const r = c.row.original;
          if (r.downloadUrl) {
            return (
              <a href={r.downloadUrl} download>
                Download {r.format}
                <span className="visually-hidden">
                  {" "}
                  of the {KIND_LABELS[r.kind].toLowerCase()} report requested {localDateTime(r.createdAt)}
                </span>
              </a>
            );
          }
          return <span className="subtle">{inProgress(r.status) ? "being built…" : "—"}</span>;
        },
      },
    ],
    [names],
  );
  return (
    <section className="card" aria-labelledby="reports-h">
      <div className="section-head">
        <h2 id="reports-h">Reports</h2>
        <button type="button" className="secondary" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Refresh
        </button>
      </div>
      {rows
        .filter((r) => inProgress(r.status))
        .map((r) => (
          <ReportWatcher key={r.id} id={r.id} />
        ))}
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : fetching && !data ? (
        <Loading what="Loading reports" />
      ) : (
        <DataTable
          caption="Reports, newest first"
          columns={columns}
          rows={rows}
          paging={paging}
          hasNextPage={data?.reports.pageInfo.hasNextPage}
          endCursor={data?.reports.pageInfo.endCursor}
          empty={writer ? "No reports yet: generate the first above." : "No reports yet: a company admin can generate them."}
        />
      )}
    </section>
  );
}

// ------------------------------------------------------------- schedules

function Schedules({ writer }: { writer: boolean }) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ReportSchedulesQueryDoc });
  const [creating, setCreating] = useState(false);
  const [notice, setNotice] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const reload = () => refetch({ requestPolicy: "network-only" });
  const schedules = nodesOf(data?.reportSchedulesConnection);
  return (
    <section className="card" aria-labelledby="schedules-h">
      <div className="section-head">
        <h2 id="schedules-h">Schedules</h2>
        {writer && !creating ? (
          <button type="button" onClick={() => setCreating(true)}>
            New schedule
          </button>
        ) : null}
      </div>
      {notice ? <Banner kind={notice.kind}>{notice.text}</Banner> : null}
      {creating ? (
        <ScheduleForm
          onDone={(text) => {
            setCreating(false);
            if (text) {
              setNotice({ kind: "success", text });
              reload();
            }
          }}
        />
      ) : null}
      {error ? (
        <ErrorState error={error} retry={reload} />
      ) : fetching && !data ? (
        <Loading what="Loading schedules" />
      ) : schedules.length === 0 ? (
        <Empty title="No schedules">{writer ? "Add one to have a report made and sent on a cron." : "None has been set up."}</Empty>
      ) : (
        <ul className="plain schedule-list">
          {schedules.map((s) => (
            <li key={s.id}>
              <ScheduleCard
                schedule={s}
                writer={writer}
                onChanged={(n) => {
                  setNotice(n);
                  reload();
                }}
              />
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}

function destinationText(d: Schedule["destination"]): string {
  if (d.type === "EMAIL") return `E-mail to ${d.to.join(", ")}`;
  if (d.type === "WEBHOOK") return `Webhook${d.url ? ` ${d.url}` : ""}${d.signed ? " (signed)" : ""}`;
  return "Stored for download";
}

function ScheduleCard({
  schedule: s,
  writer,
  onChanged,
}: {
  schedule: Schedule;
  writer: boolean;
  onChanged: (notice: { kind: "error" | "success"; text: string }) => void;
}) {
  const [toggling, setActive] = useMutation(SetScheduleActive);
  const [removing, remove] = useMutation(RemoveSchedule);
  const criteria = s.criteria as { kind?: ReportKindName } | null;
  const admin = isAdmin(useViewer());
  const names = useCompanyNames();
  const headingId = `schedule-${s.id}`;
  const toggle = async () => {
    const result = await setActive({ input: { id: s.id, active: !s.active } });
    const answer = result.data?.setReportScheduleActive;
    if (result.error) onChanged({ kind: "error", text: describeError(result.error) ?? "The schedule did not change." });
    else if (isValidationError(answer)) onChanged({ kind: "error", text: answer.message });
  };
  const destroy = async () => {
    const result = await remove({ input: { id: s.id } });
    const answer = result.data?.removeReportSchedule;
    if (result.error) onChanged({ kind: "error", text: describeError(result.error) ?? "The schedule was not removed." });
    else if (isValidationError(answer)) onChanged({ kind: "error", text: answer.message });
    else onChanged({ kind: "success", text: `The schedule “${s.name}” was removed; its reports stay.` });
  };
  return (
    <article className="schedule" aria-labelledby={headingId}>
      <div className="section-head">
        <h3 id={headingId}>
          {s.name} <StatusBadge status={s.active ? "ACTIVE" : "PAUSED"} />
        </h3>
        {writer ? (
          <div className="row-actions">
            <button type="button" className="secondary" onClick={() => void toggle()} disabled={toggling.fetching}>
              {s.active ? "Pause" : "Resume"}
              <span className="visually-hidden"> {s.name}</span>
            </button>
            <ConfirmButton
              label="Delete"
              title={`Delete the schedule “${s.name}”?`}
              confirmLabel="Delete schedule"
              busy={removing.fetching}
              onConfirm={destroy}
            >
              <p>It stops running. The reports it made stay.</p>
            </ConfirmButton>
          </div>
        ) : null}
      </div>
      <dl className="facts">
        <dt>Runs</dt>
        <dd>
          <code>{s.cron}</code> in {s.timeZone}
        </dd>
        <dt>Next run</dt>
        <dd>{s.active ? <Instant iso={s.nextRunAt} /> : "paused"}</dd>
        <dt>Report</dt>
        <dd>
          {criteria?.kind ? KIND_LABELS[criteria.kind] : "—"} · {describeCriteria(s.criteria)} · {s.format}
        </dd>
        <dt>Destination</dt>
        <dd>{destinationText(s.destination)}</dd>
        {admin ? (
          <>
            <dt>Company</dt>
            <dd>{s.companyId ? (names.get(s.companyId)?.name ?? s.companyId) : "Whole platform"}</dd>
          </>
        ) : null}
      </dl>
      <details>
        <summary>Run history ({s.runs.length})</summary>
        {s.runs.length === 0 ? (
          <p className="subtle">It has not run yet.</p>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Latest runs of {s.name}, newest first</caption>
              <thead>
                <tr>
                  <th scope="col">Scheduled for</th>
                  <th scope="col">Status</th>
                  <th scope="col" className="num">
                    Attempts
                  </th>
                  <th scope="col">Error</th>
                  <th scope="col">Delivered</th>
                  <th scope="col">Report</th>
                </tr>
              </thead>
              <tbody>
                {s.runs.map((r) => (
                  <tr key={r.scheduledFor}>
                    <td>
                      <Instant iso={r.scheduledFor} />
                    </td>
                    <td>
                      <StatusBadge status={r.status} />
                    </td>
                    <td className="num">{r.attempts}</td>
                    <td className="report-error">{r.error ?? "—"}</td>
                    <td>
                      <Instant iso={r.deliveredAt} />
                    </td>
                    <td>{r.reportId ? <a href={`/v1/reports/${r.reportId}`}>Download</a> : <span className="subtle">removed</span>}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </article>
  );
}

function ScheduleForm({ onDone }: { onDone: (notice: string | null) => void }) {
  const [name, setName] = useState("");
  const [cron, setCron] = useState("0 6 1 * *");
  const [timeZone, setTimeZone] = useState(viewerTimeZone);
  const [format, setFormat] = useState<ReportFormatName>("PDF");
  const [draft, setDraft] = useState<CriteriaDraft>(newCriteria);
  const [destination, setDestination] = useState<DestinationDraft>({ type: "STORED", to: "", url: "", secret: "" });
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreateReportSchedule);
  const nameInput = useRef<HTMLInputElement>(null);
  useEffect(() => nameInput.current?.focus(), []);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const result = await create({
      input: {
        name,
        cron,
        timeZone,
        format,
        criteria: criteriaInput(draft),
        destination: destinationInput(destination),
      },
    });
    const answer = result.data?.createReportSchedule;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "ReportSchedule") onDone(`The schedule “${name.trim()}” was created.`);
  };
  const admin = isAdmin(useViewer());
  const others = leftOver(problems, [
    ...criteriaShown(draft, admin),
    "name",
    "cron",
    "timeZone",
    "format",
    "destination.type",
    "destination.to",
    "destination.url",
    "destination.secret",
  ]);
  return (
    <form className="schedule-form form-grid" onSubmit={(e) => void submit(e)} aria-labelledby="schedule-form-h" noValidate>
      <h2 id="schedule-form-h">New schedule</h2>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      {others.length > 0 ? <Banner kind="error">{others.join(" ")}</Banner> : null}
      <Field label="Name" error={problems.name} help="Also the e-mail subject.">
        {(p) => <input {...p} ref={nameInput} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <Field label="Cron" error={problems.cron} help="minute hour day month weekday, e.g. 0 6 1 * * (6:00 on the 1st).">
        {(p) => <input {...p} value={cron} onChange={(e) => setCron(e.target.value)} required spellCheck={false} />}
      </Field>
      <Field label="Time zone" error={problems.timeZone} help="IANA name, e.g. Europe/Berlin.">
        {(p) => <input {...p} value={timeZone} onChange={(e) => setTimeZone(e.target.value)} required spellCheck={false} />}
      </Field>
      <CriteriaFields
        draft={draft}
        onChange={(change) => setDraft((d) => ({ ...d, ...change }))}
        err={(f) => problems[f]}
        allowFixed={false}
      />
      <Field label="Format" error={problems.format}>
        {(p) => (
          <select {...p} value={format} onChange={(e) => setFormat(e.target.value as ReportFormatName)}>
            {FORMATS.map((f) => (
              <option key={f} value={f}>
                {f}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Destination" error={problems["destination.type"]}>
        {(p) => (
          <select
            {...p}
            value={destination.type}
            onChange={(e) => setDestination((d) => ({ ...d, type: e.target.value as DestinationDraft["type"] }))}
          >
            <option value="STORED">Stored for download</option>
            <option value="EMAIL">E-mail</option>
            <option value="WEBHOOK">Webhook</option>
          </select>
        )}
      </Field>
      {destination.type === "EMAIL" ? (
        <div className="wide">
          <Field label="Recipients" error={problems["destination.to"]} help="E-mail addresses (1 to 50), one per line or comma separated.">
            {(p) => (
              <textarea {...p} rows={2} value={destination.to} onChange={(e) => setDestination((d) => ({ ...d, to: e.target.value }))} />
            )}
          </Field>
        </div>
      ) : null}
      {destination.type === "WEBHOOK" ? (
        <>
          <Field label="Webhook URL" error={problems["destination.url"]} help="http(s); private and loopback addresses are refused.">
            {(p) => (
              <input
                {...p}
                type="url"
                value={destination.url}
                onChange={(e) => setDestination((d) => ({ ...d, url: e.target.value }))}
                spellCheck={false}
              />
            )}
          </Field>
          <Field label="Signing secret" error={problems["destination.secret"]} help="Optional: signs each delivery (HMAC-SHA256).">
            {(p) => (
              <input
                {...p}
                type="password"
                autoComplete="off"
                value={destination.secret}
                onChange={(e) => setDestination((d) => ({ ...d, secret: e.target.value }))}
              />
            )}
          </Field>
        </>
      ) : null}
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Creating…" : "Create schedule"}
        </button>
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}
