import type { ColumnDef } from "@tanstack/react-table";
import { type FormEvent, useEffect, useMemo, useRef, useState } from "react";
import { useMutation, useQuery, useSubscription } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Field } from "../components/Field";
import { Banner, Empty, ErrorState, Loading } from "../components/states";
import { Instant, Quantity, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import type {
  AlertListQuery,
  NotificationChannel,
  NotificationDeliveryStatus,
  RecipientRole,
  ThresholdListQuery,
} from "../gql/graphql";
import {
  draftOf,
  inputOf,
  levelAmount,
  localProblems,
  newThreshold,
  parseAddresses,
  problemAt,
  type RecipientRoleName,
  type ThresholdDraft,
} from "../lib/alerting";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { MetricsQuery, nodesOf } from "../lib/queries";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";
import { ConfirmButton } from "./ConfirmButton";
import { CHANNEL_LABELS, LevelEditor, ROLE_LABELS } from "./LevelEditor";

const AlertListQueryDoc = graphql(`
  query AlertList($filter: AlertFilter, $first: Int!, $after: String) {
    alerts(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          thresholdId
          companyId
          metricCode
          kind
          level
          levelValue
          usage
          limit
          periodStart
          periodEnd
          raisedAt
          acknowledgedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const AlertRaised = graphql(`
  subscription AlertsPageAlertRaised($companyId: UUID) {
    alertRaised(companyId: $companyId) {
      id
      metricCode
      level
      raisedAt
    }
  }
`);

const MarkAlertAcknowledged = graphql(`
  mutation MarkAlertAcknowledged($input: MarkAlertAcknowledgedInput!) {
    markAlertAcknowledged(input: $input) {
      __typename
      ... on Alert {
        id
        acknowledgedAt
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

const ThresholdListQueryDoc = graphql(`
  query ThresholdList($companyId: UUID) {
    thresholdsConnection(companyId: $companyId, first: 500) {
      edges {
        node {
          id
          companyId
          metricCode
          period
          limit
          levels {
            name
            kind
            value
            amount
            channels
            roles
          }
        }
      }
    }
  }
`);

const CreateThreshold = graphql(`
  mutation CreateThreshold($input: ThresholdInput!) {
    createThreshold(input: $input) {
      __typename
      ... on Threshold {
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

const ReplaceThreshold = graphql(`
  mutation ReplaceThreshold($input: ReplaceThresholdInput!) {
    replaceThreshold(input: $input) {
      __typename
      ... on Threshold {
        id
        limit
        levels {
          name
          kind
          value
          amount
          channels
          roles
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

const RemoveThreshold = graphql(`
  mutation RemoveThreshold($input: RemoveThresholdInput!) {
    removeThreshold(input: $input) {
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

const UpdateRecipients = graphql(`
  mutation UpdateNotificationRecipients($input: UpdateNotificationRecipientsInput!) {
    updateNotificationRecipients(input: $input) {
      __typename
      ... on NotificationRecipients {
        addresses
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

const DeliveriesQuery = graphql(`
  query NotificationDeliveries($companyId: UUID, $status: NotificationDeliveryStatus, $first: Int!) {
    notificationDeliveriesConnection(companyId: $companyId, status: $status, first: $first) {
      edges {
        node {
          id
          alertId
          channel
          recipient
          subject
          status
          attempts
          lastError
          nextAttemptAt
          deliveredAt
        }
      }
    }
  }
`);

type AlertRow = AlertListQuery["alerts"]["edges"][number]["node"];
type ThresholdRow = ThresholdListQuery["thresholdsConnection"]["edges"][number]["node"];

const PAGE_SIZE = 50;

export function AlertsPage() {
  const viewer = useViewer();
  const admin = isAdmin(viewer);
  const writer = admin || viewer.role === "COMPANY_ADMIN";
  const names = useCompanyNames();
  // ADMIN picks a company ("" = every company, and the defaults for thresholds)
  const [picked, setPicked] = useState("");
  const companyId = admin ? picked || null : viewer.companyId;
  const companyLabel = (id: string | null | undefined) =>
    id ? (names.get(id)?.name ?? (id === viewer.companyId ? (viewer.companyName ?? id) : id)) : "Every company";
  return (
    <>
      <div className="page-head">
        <h1>Alerts and thresholds</h1>
        <p className="subtle">
          Alerts raised when usage reaches a threshold's level, the thresholds themselves, who is told and how the
          notifications went.
        </p>
      </div>
      {admin ? (
        <div className="toolbar card">
          <label htmlFor="alerts-company">Company</label>
          <select id="alerts-company" value={picked} onChange={(e) => setPicked(e.target.value)}>
            <option value="">Every company (thresholds: the defaults)</option>
            {[...names.entries()].map(([id, c]) => (
              <option key={id} value={id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <AlertList companyId={companyId} canAcknowledge={writer} companyLabel={companyLabel} showCompany={admin && !picked} />
      <Thresholds companyId={companyId} admin={admin} writer={writer} companyLabel={companyLabel} />
      {writer ? (
        <>
          <Recipients companyId={companyId} />
          <Deliveries companyId={companyId} />
        </>
      ) : null}
    </>
  );
}

// ------------------------------------------------------------------ alerts

function AlertList({
  companyId,
  canAcknowledge,
  companyLabel,
  showCompany,
}: {
  companyId: string | null;
  canAcknowledge: boolean;
  companyLabel: (id: string) => string;
  showCompany: boolean;
}) {
  const paging = useCursorPaging();
  const [metric, setMetric] = useState("");
  const [acknowledged, setAcknowledged] = useState<"" | "yes" | "no">("no");
  const [{ data: metrics }] = useQuery({ query: MetricsQuery });
  const filter = {
    companyId,
    metricCode: metric || null,
    acknowledged: acknowledged === "" ? null : acknowledged === "yes",
  };
  const [{ data, fetching, error }, refetch] = useQuery({
    query: AlertListQueryDoc,
    variables: { filter, first: PAGE_SIZE, after: paging.after },
  });
  // a new alert (the PLATFORM channel) shows up without a reload
  const [live] = useSubscription({ query: AlertRaised, variables: { companyId } });
  const latest = live.data?.alertRaised;
  useEffect(() => {
    if (latest) refetch({ requestPolicy: "network-only" });
  }, [latest, refetch]);
  const [ack, acknowledge] = useMutation(MarkAlertAcknowledged);
  const [ackFailure, setAckFailure] = useState<string | null>(null);
  const units = useMemo(() => new Map(nodesOf(metrics?.metricsConnection).map((m) => [m.code, m.unit])), [metrics]);
  const columns = useMemo<ColumnDef<AlertRow, unknown>[]>(() => {
    const cols: ColumnDef<AlertRow, unknown>[] = [
      { accessorKey: "raisedAt", header: "Raised", cell: (c) => <Instant iso={c.getValue() as string} /> },
    ];
    if (showCompany) {
      cols.push({ id: "company", accessorFn: (r) => companyLabel(r.companyId), header: "Company" });
    }
    cols.push(
      { accessorKey: "metricCode", header: "Metric" },
      {
        accessorKey: "level",
        header: "Level",
        cell: (c) => (
          <>
            {c.row.original.level}
            {c.row.original.kind === "FORECAST" ? (
              <>
                {" "}
                <span className="badge badge-pending alert-forecast">forecast</span>
              </>
            ) : null}
          </>
        ),
      },
      {
        accessorKey: "usage",
        header: "Usage",
        meta: { align: "right" },
        cell: (c) => <Quantity value={c.row.original.usage} unit={units.get(c.row.original.metricCode)} />,
      },
      {
        accessorKey: "limit",
        header: "Limit",
        meta: { align: "right" },
        cell: (c) => <Quantity value={c.row.original.limit} unit={units.get(c.row.original.metricCode)} />,
      },
      {
        id: "period",
        header: "Period",
        accessorFn: (r) => r.periodStart,
        cell: (c) => (
          <>
            <Instant iso={c.row.original.periodStart} /> – <Instant iso={c.row.original.periodEnd} />
          </>
        ),
      },
      {
        id: "ack",
        header: "Acknowledged",
        accessorFn: (r) => r.acknowledgedAt ?? "",
        cell: (c) => {
          const row = c.row.original;
          if (row.acknowledgedAt) return <Instant iso={row.acknowledgedAt} />;
          if (!canAcknowledge) return <span className="subtle">not yet</span>;
          return (
            <button
              type="button"
              className="secondary"
              disabled={ack.fetching}
              aria-label={`Acknowledge the ${row.level} alert for ${row.metricCode}`}
              onClick={() => {
                setAckFailure(null);
                void acknowledge({ input: { id: row.id } }).then((r) => {
                  if (r.error) setAckFailure(describeError(r.error));
                  else if (isValidationError(r.data?.markAlertAcknowledged))
                    setAckFailure("That alert is gone: it was removed with its threshold.");
                });
              }}
            >
              Acknowledge
            </button>
          );
        },
      },
    );
    return cols;
  }, [ack.fetching, acknowledge, canAcknowledge, companyLabel, showCompany, units]);
  const rows = (data?.alerts.edges ?? []).map((e) => e.node);
  return (
    <section className="card" aria-labelledby="alerts-h">
      <h2 id="alerts-h">Alerts</h2>
      <div className="toolbar">
        <label htmlFor="alerts-metric">Alerts about</label>
        <select
          id="alerts-metric"
          value={metric}
          onChange={(e) => {
            setMetric(e.target.value);
            paging.reset();
          }}
        >
          <option value="">Every metric</option>
          {nodesOf(metrics?.metricsConnection).map((m) => (
            <option key={m.code} value={m.code}>
              {m.name} ({m.code})
            </option>
          ))}
        </select>
        <label htmlFor="alerts-ack">Acknowledged</label>
        <select
          id="alerts-ack"
          value={acknowledged}
          onChange={(e) => {
            setAcknowledged(e.target.value as "" | "yes" | "no");
            paging.reset();
          }}
        >
          <option value="no">Not yet acknowledged</option>
          <option value="yes">Acknowledged</option>
          <option value="">Every alert</option>
        </select>
      </div>
      {latest ? (
        <p className="visually-hidden" role="status">
          New alert: {latest.level} for {latest.metricCode}.
        </p>
      ) : null}
      {ackFailure ? <Banner kind="error">{ackFailure}</Banner> : null}
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : fetching && !data ? (
        <Loading what="Loading alerts" />
      ) : (
        <DataTable
          caption="Alerts"
          columns={columns}
          rows={rows}
          paging={paging}
          hasNextPage={data?.alerts.pageInfo.hasNextPage}
          endCursor={data?.alerts.pageInfo.endCursor}
          empty={
            acknowledged === "no"
              ? "No alert waits to be acknowledged."
              : "No alerts: none of the thresholds has been reached."
          }
        />
      )}
    </section>
  );
}

// -------------------------------------------------------------- thresholds

function Thresholds({
  companyId,
  admin,
  writer,
  companyLabel,
}: {
  companyId: string | null;
  admin: boolean;
  writer: boolean;
  companyLabel: (id: string | null | undefined) => string;
}) {
  const [{ data, fetching, error }, refetch] = useQuery({ query: ThresholdListQueryDoc, variables: { companyId } });
  const [{ data: metrics }] = useQuery({ query: MetricsQuery });
  const [editing, setEditing] = useState<ThresholdRow | "new" | null>(null);
  const [deleted, removeThreshold] = useMutation(RemoveThreshold);
  const [notice, setNotice] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const units = new Map(nodesOf(metrics?.metricsConnection).map((m) => [m.code, m.unit]));
  const reload = () => refetch({ requestPolicy: "network-only" });
  // a default (no company) is every company's: only ADMIN changes it
  const mayChange = (t: ThresholdRow) => writer && (t.companyId !== null || admin);
  const remove = async (t: ThresholdRow) => {
    const result = await removeThreshold({ input: { id: t.id } });
    const answer = result.data?.removeThreshold;
    if (result.error) setNotice({ kind: "error", text: describeError(result.error) ?? "The threshold was not removed." });
    else if (isValidationError(answer)) setNotice({ kind: "error", text: answer.message });
    else {
      setNotice({ kind: "success", text: `The ${t.metricCode} threshold and its alerts were removed.` });
      if (editing !== "new" && editing?.id === t.id) setEditing(null);
      reload();
    }
  };
  const thresholds = nodesOf(data?.thresholdsConnection);
  return (
    <section className="card" aria-labelledby="thresholds-h">
      <div className="section-head">
        <h2 id="thresholds-h">Thresholds</h2>
        {writer && editing === null ? (
          <button type="button" onClick={() => setEditing("new")}>
            New threshold
          </button>
        ) : null}
      </div>
      {notice ? <Banner kind={notice.kind}>{notice.text}</Banner> : null}
      {editing !== null ? (
        <ThresholdForm
          key={editing === "new" ? "new" : editing.id}
          editing={editing === "new" ? null : editing}
          companyId={companyId}
          appliesTo={(() => {
            const target = editing === "new" ? companyId : editing.companyId;
            return target ? companyLabel(target) : "every company (the default)";
          })()}
          metrics={nodesOf(metrics?.metricsConnection)}
          onDone={(text) => {
            setEditing(null);
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
        <Loading what="Loading thresholds" />
      ) : thresholds.length === 0 ? (
        <Empty title="No thresholds yet">
          {writer ? "Add one to be told when a metric's usage reaches a level." : "An administrator sets them."}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table thresholds-table">
            <caption className="visually-hidden">Thresholds</caption>
            <thead>
              <tr>
                <th scope="col">Metric</th>
                <th scope="col">Applies to</th>
                <th scope="col">Period</th>
                <th scope="col" className="num">
                  Limit
                </th>
                <th scope="col">Levels</th>
                {writer ? <th scope="col">Actions</th> : null}
              </tr>
            </thead>
            <tbody>
              {thresholds.map((t) => (
                <tr key={t.id}>
                  <th scope="row">{t.metricCode}</th>
                  <td>{t.companyId ? companyLabel(t.companyId) : "Default (every company)"}</td>
                  <td>{t.period === "DAY" ? "Day" : "Month"}</td>
                  <td className="num">
                    <Quantity value={t.limit} unit={units.get(t.metricCode)} />
                  </td>
                  <td>
                    <ul className="plain level-list">
                      {t.levels.map((l) => (
                        <li key={l.name}>
                          <strong>{l.name}</strong> at {levelAmount(l.kind, l.value, t.limit)}
                          {l.amount ? <> (<Quantity value={l.amount} unit={units.get(t.metricCode)} />)</> : null} ·{" "}
                          {l.channels.map((c) => CHANNEL_LABELS[c]).join(", ")}
                          {l.roles.length > 0 ? ` · ${l.roles.map((r) => ROLE_LABELS[r]).join(", ")}` : ""}
                        </li>
                      ))}
                    </ul>
                  </td>
                  {writer ? (
                    <td className="row-actions">
                      {mayChange(t) ? (
                        <>
                          <button
                            type="button"
                            className="secondary"
                            onClick={() => setEditing(t)}
                            aria-label={`Edit the ${t.metricCode} threshold of ${t.companyId ? companyLabel(t.companyId) : "every company"}`}
                          >
                            Edit
                          </button>
                          <ConfirmButton
                            label="Delete"
                            title={`Delete the ${t.metricCode} threshold?`}
                            confirmLabel="Delete threshold"
                            busy={deleted.fetching}
                            onConfirm={() => remove(t)}
                          >
                            <p>Its alerts are removed with it. This cannot be undone.</p>
                          </ConfirmButton>
                        </>
                      ) : (
                        <span className="subtle">set by an operator</span>
                      )}
                    </td>
                  ) : null}
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}

function ThresholdForm({
  editing,
  companyId,
  appliesTo,
  metrics,
  onDone,
}: {
  editing: ThresholdRow | null;
  companyId: string | null;
  appliesTo: string;
  metrics: readonly { code: string; name: string; unit: string }[];
  onDone: (notice: string | null) => void;
}) {
  const [draft, setDraft] = useState<ThresholdDraft>(() => (editing ? draftOf(editing) : newThreshold()));
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [created, create] = useMutation(CreateThreshold);
  const [updated, replace] = useMutation(ReplaceThreshold);
  const busy = created.fetching || updated.fetching;
  const err = (field: string) => problemAt(problems, field);
  const unit = metrics.find((m) => m.code === draft.metricCode)?.unit;
  const form = useRef<HTMLFormElement>(null);
  useEffect(() => {
    // the button that opened the form is gone: the form's first control takes the focus
    form.current?.querySelector<HTMLElement>("select:not([disabled]), input:not([disabled])")?.focus();
  }, []);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const local = localProblems(draft);
    if (Object.keys(local).length > 0) {
      setProblems(local);
      return;
    }
    const input = inputOf(draft, editing ? editing.companyId : companyId);
    const result = editing
      ? await replace({ input: { id: editing.id, limit: input.limit, levels: input.levels } })
      : await create({ input });
    const answer = editing
      ? (result.data as { replaceThreshold?: unknown } | undefined)?.replaceThreshold
      : (result.data as { createThreshold?: unknown } | undefined)?.createThreshold;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer) {
      setProblems({});
      onDone(editing ? `The ${draft.metricCode} threshold was saved.` : `A threshold for ${draft.metricCode} was added.`);
    }
  };

  const shown = new Set(["metricCode", "period", "limit", "levels", "companyId", "id"]);
  draft.levels.forEach((_, n) => ["name", "kind", "value", "channels", "roles"].forEach((f) => shown.add(`levels[${n}].${f}`)));
  const other = Object.entries(problems).filter(([field]) => !shown.has(field.replace(/^input\./, "")));

  return (
    <form ref={form} className="threshold-form form-grid" onSubmit={(e) => void submit(e)} aria-labelledby="threshold-form-h" noValidate>
      <h2 id="threshold-form-h">{editing ? `Edit the ${editing.metricCode} threshold` : "New threshold"}</h2>
      <p className="wide subtle">Applies to: {appliesTo}</p>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      {err("id") ? <Banner kind="error">{err("id")}</Banner> : null}
      {err("companyId") ? <Banner kind="error">{err("companyId")}</Banner> : null}
      {other.length > 0 ? (
        <Banner kind="error">
          {other.map(([field, message]) => (
            <span key={field}>
              {message}
              <br />
            </span>
          ))}
        </Banner>
      ) : null}
      <Field label="Metric" error={err("metricCode")} help={editing ? "A threshold's metric stays: delete it and add another." : undefined}>
        {(p) => (
          <select
            {...p}
            value={draft.metricCode}
            disabled={editing !== null}
            onChange={(e) => setDraft((d) => ({ ...d, metricCode: e.target.value }))}
            required
          >
            <option value="">Choose a metric</option>
            {metrics.map((m) => (
              <option key={m.code} value={m.code}>
                {m.name} ({m.code})
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Period" error={err("period")}>
        {(p) => (
          <select
            {...p}
            value={draft.period}
            disabled={editing !== null}
            onChange={(e) => setDraft((d) => ({ ...d, period: e.target.value as ThresholdDraft["period"] }))}
          >
            <option value="MONTH">Month</option>
            <option value="DAY">Day</option>
          </select>
        )}
      </Field>
      <Field label="Limit" error={err("limit")} help={`Usage per period${unit ? ` in ${unit}` : ""}; needed by percentage levels.`}>
        {(p) => (
          <input {...p} inputMode="decimal" value={draft.limit} onChange={(e) => setDraft((d) => ({ ...d, limit: e.target.value }))} />
        )}
      </Field>
      <LevelEditor
        levels={draft.levels}
        onChange={(levels) => setDraft((d) => ({ ...d, levels }))}
        err={err}
      />
      <div className="actions">
        <button type="submit" disabled={busy}>
          {busy ? "Saving…" : editing ? "Save threshold" : "Create threshold"}
        </button>
        <button type="button" className="secondary" onClick={() => onDone(null)}>
          Cancel
        </button>
      </div>
    </form>
  );
}

// -------------------------------------------------------------- recipients

function Recipients({ companyId }: { companyId: string | null }) {
  const [channel, setChannel] = useState<Exclude<NotificationChannel, "PLATFORM">>("EMAIL");
  const [role, setRole] = useState<RecipientRole>("COMPANY_ADMIN");
  const [addresses, setAddresses] = useState("");
  const [saved, setSaved] = useState<string[] | null>(null);
  const [problem, setProblem] = useState<string | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [{ fetching }, save] = useMutation(UpdateRecipients);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!companyId) return;
    setProblem(null);
    setFailure(null);
    setSaved(null);
    const result = await save({ input: { companyId, channel, role, addresses: parseAddresses(addresses) } });
    const answer = result.data?.updateNotificationRecipients;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) {
      if (answer.field.startsWith("addresses")) setProblem(answer.message);
      else setFailure(answer.message);
    } else if (answer?.__typename === "NotificationRecipients") {
      setSaved(answer.addresses);
    }
  };
  return (
    <section className="card" aria-labelledby="recipients-h">
      <h2 id="recipients-h">Recipients</h2>
      {!companyId ? (
        <Empty title="Choose a company">Recipients belong to one company: pick it above to set them.</Empty>
      ) : (
        <form className="form-grid" onSubmit={(e) => void submit(e)} aria-label="Set notification recipients" noValidate>
          <p className="wide subtle">
            Who a level's EMAIL or SMS notifications go to. Saving replaces the list for the channel and role; platform
            alerts appear in the console and need no recipients.
          </p>
          {failure ? <Banner kind="error">{failure}</Banner> : null}
          {saved ? (
            <Banner kind="success">
              {saved.length === 0
                ? `No ${channel === "EMAIL" ? "e-mail" : "SMS"} recipients remain for ${ROLE_LABELS[role as RecipientRoleName].toLowerCase()}.`
                : `Saved: ${saved.join(", ")}.`}
            </Banner>
          ) : null}
          <Field label="Channel">
            {(p) => (
              <select {...p} value={channel} onChange={(e) => setChannel(e.target.value as "EMAIL" | "SMS")}>
                <option value="EMAIL">Email</option>
                <option value="SMS">SMS</option>
              </select>
            )}
          </Field>
          <Field label="Role">
            {(p) => (
              <select {...p} value={role} onChange={(e) => setRole(e.target.value as RecipientRole)}>
                <option value="COMPANY_ADMIN">Company admins</option>
                <option value="VIEWER">Viewers</option>
              </select>
            )}
          </Field>
          <div className="wide">
            <Field
              label="Addresses"
              error={problem}
              help={channel === "EMAIL" ? "E-mail addresses, one per line or separated by commas." : "Phone numbers, one per line or separated by commas."}
            >
              {(p) => <textarea {...p} rows={3} value={addresses} onChange={(e) => setAddresses(e.target.value)} />}
            </Field>
          </div>
          <div className="actions">
            <button type="submit" disabled={fetching}>
              {fetching ? "Saving…" : "Save recipients"}
            </button>
          </div>
        </form>
      )}
    </section>
  );
}

// -------------------------------------------------------------- deliveries

function Deliveries({ companyId }: { companyId: string | null }) {
  const [status, setStatus] = useState<NotificationDeliveryStatus | "">("");
  const [{ data, fetching, error }, refetch] = useQuery({
    query: DeliveriesQuery,
    variables: { companyId, status: status || null, first: PAGE_SIZE },
  });
  const rows = nodesOf(data?.notificationDeliveriesConnection);
  return (
    <section className="card" aria-labelledby="deliveries-h">
      <div className="section-head">
        <h2 id="deliveries-h">Delivery log</h2>
        <button type="button" className="secondary" onClick={() => refetch({ requestPolicy: "network-only" })}>
          Refresh
        </button>
      </div>
      <div className="toolbar">
        <label htmlFor="deliveries-status">Status</label>
        <select id="deliveries-status" value={status} onChange={(e) => setStatus(e.target.value as NotificationDeliveryStatus | "")}>
          <option value="">Every status</option>
          <option value="PENDING">Pending</option>
          <option value="DELIVERED">Delivered</option>
          <option value="FAILED">Failed (gave up)</option>
        </select>
      </div>
      {error ? (
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      ) : fetching && !data ? (
        <Loading what="Loading the delivery log" />
      ) : rows.length === 0 ? (
        <Empty title="No notifications">
          {status ? "None has this status." : "No e-mail or SMS notification has been sent yet."}
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="data-table">
            <caption className="visually-hidden">Notification deliveries, newest first</caption>
            <thead>
              <tr>
                <th scope="col">Channel</th>
                <th scope="col">Recipient</th>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col" className="num">
                  Attempts
                </th>
                <th scope="col">Last error</th>
                <th scope="col">Next attempt</th>
                <th scope="col">Delivered</th>
              </tr>
            </thead>
            <tbody>
              {rows.map((d) => (
                <tr key={d.id}>
                  <td>{CHANNEL_LABELS[d.channel]}</td>
                  <td>{d.recipient}</td>
                  <td>{d.subject}</td>
                  <td>
                    <StatusBadge status={d.status} />
                  </td>
                  <td className="num">{d.attempts}</td>
                  <td className={d.lastError ? "delivery-error" : undefined}>{d.lastError ?? "—"}</td>
                  <td>{d.status === "PENDING" ? <Instant iso={d.nextAttemptAt} /> : "—"}</td>
                  <td>
                    <Instant iso={d.deliveredAt} />
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
