import type { ColumnDef } from "@tanstack/react-table";
import { useEffect, useMemo, useState } from "react";
import { useSearchParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Banner, Empty, ErrorState, Loading, NotFound } from "../components/states";
import { Instant, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import type { JobRunsQuery } from "../gql/graphql";
import { describeError, isValidationError } from "../lib/errors";
import { everyText, runDuration } from "../lib/jobs";
import { isAdmin, useViewer } from "../lib/viewer";
import { ConfirmDialog } from "./ConfirmDialog";

const JobsQuery = graphql(`
  query Jobs {
    jobs {
      name
      everySeconds
      description
    }
  }
`);

const JobRunsList = graphql(`
  query JobRuns($job: String, $first: Int!, $after: String) {
    jobRuns(job: $job, first: $first, after: $after) {
      edges {
        node {
          id
          job
          trigger
          scheduledFor
          startedAt
          finishedAt
          outcome
          rows
          error
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const RunJob = graphql(`
  mutation RunJob($input: RunJobInput!) {
    runJob(input: $input) {
      __typename
      ... on JobRun {
        id
        job
        trigger
        startedAt
        finishedAt
        outcome
        rows
        error
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

type Run = JobRunsQuery["jobRuns"]["edges"][number]["node"];

const PAGE_SIZE = 50;

export function JobsPage() {
  const viewer = useViewer();
  if (!isAdmin(viewer)) return <NotFound />;
  return <Jobs />;
}

function Jobs() {
  const [search, setSearch] = useSearchParams();
  const job = search.get("job") ?? "";
  const [{ data, fetching, error }, refetchJobs] = useQuery({ query: JobsQuery });
  const [confirming, setConfirming] = useState<string | null>(null);
  const [notice, setNotice] = useState<{ kind: "error" | "success" | "info"; text: string } | null>(null);
  const [runsVersion, setRunsVersion] = useState(0);
  const jobs = data?.jobs ?? [];
  const chooseJob = (name: string) => {
    const next = new URLSearchParams(search);
    if (name) next.set("job", name);
    else next.delete("job");
    setSearch(next);
  };
  return (
    <>
      <div className="page-head">
        <h1>Jobs</h1>
        <p className="subtle">What the server runs on a schedule, and how each run ended.</p>
      </div>
      {notice ? <Banner kind={notice.kind}>{notice.text}</Banner> : null}
      <section className="card" aria-labelledby="jobs-h">
        <h2 id="jobs-h">Scheduled jobs</h2>
        {error ? (
          <ErrorState error={error} retry={() => refetchJobs({ requestPolicy: "network-only" })} />
        ) : fetching && !data ? (
          <Loading what="Loading jobs" />
        ) : jobs.length === 0 ? (
          <Empty title="No scheduled jobs">This server runs no jobs on a schedule.</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Scheduled jobs</caption>
              <thead>
                <tr>
                  <th scope="col">Job</th>
                  <th scope="col">Runs</th>
                  <th scope="col">Description</th>
                  <th scope="col">
                    <span className="visually-hidden">Actions</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {jobs.map((j) => (
                  <tr key={j.name}>
                    <th scope="row">
                      <code>{j.name}</code>
                    </th>
                    <td>{everyText(j.everySeconds)}</td>
                    <td>{j.description}</td>
                    <td className="row-actions">
                      <button type="button" onClick={() => setConfirming(j.name)}>
                        Run now<span className="visually-hidden">: {j.name}</span>
                      </button>
                      <button
                        type="button"
                        className="secondary"
                        aria-pressed={job === j.name}
                        onClick={() => chooseJob(job === j.name ? "" : j.name)}
                      >
                        Runs<span className="visually-hidden"> of {j.name}</span>
                      </button>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="runs-h">
        <h2 id="runs-h">Runs</h2>
        <div className="toolbar">
          <label htmlFor="job-filter">Job</label>
          <select id="job-filter" value={job} onChange={(e) => chooseJob(e.target.value)}>
            <option value="">Every job</option>
            {jobs.map((j) => (
              <option key={j.name} value={j.name}>
                {j.name}
              </option>
            ))}
            {job && !jobs.some((j) => j.name === job) ? <option value={job}>{job}</option> : null}
          </select>
        </div>
        {/* A new job filter starts again at the first page; a run refetches it. */}
        <RunList key={job} job={job} version={runsVersion} />
      </section>
      <ConfirmDialog open={confirming !== null} title="Run a job now" onClose={() => setConfirming(null)}>
        {confirming ? (
          <RunJobConfirm
            name={confirming}
            onCancel={() => setConfirming(null)}
            onDone={(result) => {
              setConfirming(null);
              setNotice(result);
              setRunsVersion((v) => v + 1);
            }}
          />
        ) : null}
      </ConfirmDialog>
    </>
  );
}

function RunJobConfirm({
  name,
  onCancel,
  onDone,
}: {
  name: string;
  onCancel: () => void;
  onDone: (notice: { kind: "error" | "success" | "info"; text: string }) => void;
}) {
  const [{ fetching }, run] = useMutation(RunJob);
  const [failure, setFailure] = useState<string | null>(null);
  const go = async () => {
    setFailure(null);
    const result = await run({ input: { name } });
    const answer = result.data?.runJob;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setFailure(answer.message);
    else if (answer?.__typename === "JobRun") {
      const rows = answer.rows !== null && answer.rows !== undefined ? `, ${answer.rows.toLocaleString()} rows` : "";
      const outcome = answer.outcome.toLowerCase();
      onDone(
        answer.error
          ? { kind: "error", text: `${name} ran and ended ${outcome}: ${answer.error}` }
          : { kind: answer.finishedAt ? "success" : "info", text: `${name} ran: ${outcome}${rows}.` },
      );
    }
  };
  return (
    <div className="dialog-form">
      <p>
        Run <code>{name}</code> now? It is recorded as a manual run, next to the scheduled ones; running a job again is
        safe.
      </p>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      <div className="actions">
        <button type="button" onClick={() => void go()} disabled={fetching}>
          {fetching ? "Running…" : `Run ${name}`}
        </button>
        <button type="button" className="secondary" onClick={onCancel} disabled={fetching}>
          Cancel
        </button>
      </div>
    </div>
  );
}

function RunList({ job, version }: { job: string; version: number }) {
  const paging = useCursorPaging();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: JobRunsList,
    variables: { job: job || null, first: PAGE_SIZE, after: paging.after },
  });
  // After a manual run: the newest runs again, from the server.
  const { page, reset } = paging;
  useEffect(() => {
    if (version === 0) return;
    if (page > 1) reset();
    else refetch({ requestPolicy: "network-only" });
    // only a new run asks again, not a page turn
  }, [version]);
  const columns = useMemo<ColumnDef<Run, unknown>[]>(
    () => [
      { accessorKey: "job", header: "Job", cell: (c) => <code>{c.getValue() as string}</code> },
      { accessorKey: "outcome", header: "Outcome", cell: (c) => <StatusBadge status={c.getValue() as string} /> },
      { accessorKey: "trigger", header: "Trigger", cell: (c) => (c.getValue() as string).toLowerCase() },
      { accessorKey: "startedAt", header: "Started", cell: (c) => <Instant iso={c.getValue() as string} /> },
      {
        accessorKey: "finishedAt",
        header: "Finished",
        cell: (c) => {
          const r = c.row.original;
          const took = runDuration(r.startedAt, r.finishedAt);
          return r.finishedAt ? (
            <>
              <Instant iso={r.finishedAt} />
              {took ? <span className="subtle"> ({took})</span> : null}
            </>
          ) : (
            <span className="subtle">running</span>
          );
        },
      },
      {
        accessorKey: "rows",
        header: "Rows",
        meta: { align: "right" },
        cell: (c) => {
          const n = c.getValue() as number | null;
          return n === null || n === undefined ? "—" : n.toLocaleString();
        },
      },
      {
        accessorKey: "error",
        header: "Error",
        enableSorting: false,
        cell: (c) => (c.getValue() as string | null) ?? "",
      },
    ],
    [],
  );
  if (error) return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  if (fetching && !data) return <Loading what="Loading runs" />;
  return (
    <DataTable
      caption={job ? `Runs of ${job}` : "Job runs"}
      columns={columns}
      rows={data?.jobRuns.edges.map((e) => e.node) ?? []}
      paging={paging}
      hasNextPage={data?.jobRuns.pageInfo.hasNextPage}
      endCursor={data?.jobRuns.pageInfo.endCursor}
      empty={job ? `${job} has not run yet.` : "No job has run yet."}
    />
  );
}
