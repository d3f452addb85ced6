import type { ColumnDef } from "@tanstack/react-table";
import { useMemo, useState } from "react";
import { Link, useParams } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { DataTable } from "../components/DataTable";
import { Banner, ErrorState, Loading, NotFound } from "../components/states";
import { UsagePanel } from "../components/UsagePanel";
import { CalendarDate, Instant, Money, Quantity, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import { billedTo } from "../lib/billing";
import { period } from "../lib/format";
import { useUsageParams } from "../lib/usageParams";
import { nodesOf } from "../lib/queries";
import { describeError, isValidationError } from "../lib/errors";
import { isAdmin, useViewer } from "../lib/viewer";
import { ConfirmButton } from "./ConfirmButton";

const ArchiveCompany = graphql(`
  mutation ArchiveCompany($input: ArchiveCompanyInput!) {
    archiveCompany(input: $input) {
      __typename
      ... on Company {
        id
        archivedAt
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

/** ADMIN archives a company: refused while it owes an invoice or has a contract in force. */
function ArchiveAction({ id, name }: { id: string; name: string }) {
  const [{ fetching }, archive] = useMutation(ArchiveCompany);
  const [failure, setFailure] = useState<string | null>(null);
  const confirm = async () => {
    setFailure(null);
    const result = await archive({ input: { id } });
    const answer = result.data?.archiveCompany;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer))
      setFailure(`${name} was not archived: ${(answer.errors ?? [answer]).map((e) => e.message).join("; ")}.`);
  };
  return (
    <>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      <ConfirmButton label="Archive" title={`Archive ${name}?`} confirmLabel="Archive company" busy={fetching} onConfirm={confirm}>
        <p>
          It takes no new usage or contracts and leaves the company list; its usage and invoices stay readable. Refused
          while it owes an invoice or has a contract in force.
        </p>
      </ConfirmButton>
    </>
  );
}

const CompanyQuery = graphql(`
  query CompanyPage($id: UUID!) {
    company(id: $id) {
      id
      name
      externalKey
      lateArrivalDays
      createdAt
      archivedAt
      billingDetails {
        legalName
        addressLines
        city
        postalCode
        country
        taxId
        email
      }
    }
    contractsConnection(companyId: $id, first: 500) {
      edges {
        node {
          id
          currency
          startDate
          endDate
          billingDay
          paymentTermsDays
          minimumCommitment
          products {
            productCode
            metricCode
            price {
              model
            }
          }
        }
      }
    }
    invoices(filter: { companyId: $id }, first: 12) {
      edges {
        node {
          id
          status
          periodStart
          periodEnd
          currency
          total
          dueDate
          paymentStatus
        }
      }
    }
    thresholdsConnection(companyId: $id, first: 500) {
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
            channels
          }
        }
      }
    }
  }
`);

const GapsQuery = graphql(`
  query CompanyGaps($criteria: GapCriteria!) {
    usageGaps(criteria: $criteria) {
      __typename
      ... on UsageGapList {
        gaps {
          metricCode
          interval
          gapStart
          gapEnd
          missingIntervals
        }
      }
      ... on ValidationError {
        field
        message
      }
    }
  }
`);

export function CompanyPage() {
  const { id = "" } = useParams();
  const [{ data, fetching, error }, refetch] = useQuery({ query: CompanyQuery, variables: { id } });
  const admin = isAdmin(useViewer());
  if (error) {
    // a malformed id, or another company's (refused to a customer's key), is a "not found"
    if (error.graphQLErrors.some((e) => /UUID/i.test(e.message) || e.extensions?.code === "FORBIDDEN"))
      return <NotFound what="company" />;
    return <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />;
  }
  if (fetching && !data) return <Loading what="Loading the company" />;
  const company = data?.company;
  if (!company) return <NotFound what="company" />;
  const invoices = data.invoices.edges.map((e) => e.node);
  return (
    <>
      <div className="page-head">
        <h1>
          {company.name} {company.archivedAt ? <StatusBadge status="ARCHIVED" /> : null}
        </h1>
        <p className="subtle">
          <code>{company.externalKey}</code> · late usage accepted for {company.lateArrivalDays} days · since{" "}
          <Instant iso={company.createdAt} />
        </p>
        <p className="subtle" data-testid="billed-to">
          {billedTo(company.billingDetails) || `No billing details: invoices are addressed to ${company.name}.`}
        </p>
        {admin && !company.archivedAt ? <ArchiveAction id={company.id} name={company.name} /> : null}
      </div>
      <h2>Usage</h2>
      <UsagePanel companyId={company.id} />
      <div className="grid-2">
        <section className="card" aria-labelledby="contracts-h">
          <h2 id="contracts-h">Contracts</h2>
          {data.contractsConnection.edges.length === 0 ? (
            <p className="subtle">No contract yet.</p>
          ) : (
            <ul className="plain">
              {nodesOf(data.contractsConnection).map((c) => (
                <li key={c.id}>
                  <strong>{c.currency}</strong> from <CalendarDate date={c.startDate} />
                  {c.endDate ? (
                    <>
                      {" "}
                      to <CalendarDate date={c.endDate} />
                    </>
                  ) : null}
                  , billed on day {c.billingDay}, net {c.paymentTermsDays}
                  {c.minimumCommitment ? (
                    <>
                      , minimum <Money amount={c.minimumCommitment} currency={c.currency} />
                    </>
                  ) : null}
                  <div className="subtle">
                    {c.products.map((p) => `${p.productCode} (${p.price.model.toLowerCase().replace("_", " ")})`).join(", ")}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
        <section className="card" aria-labelledby="thresholds-h">
          <h2 id="thresholds-h">Thresholds</h2>
          {data.thresholdsConnection.edges.length === 0 ? (
            <p className="subtle">No thresholds watch this company.</p>
          ) : (
            <ul className="plain">
              {nodesOf(data.thresholdsConnection).map((t) => (
                <li key={t.id}>
                  <strong>{t.metricCode}</strong> per {t.period.toLowerCase()}
                  {t.limit ? (
                    <>
                      , limit <Quantity value={t.limit} />
                    </>
                  ) : null}
                  {t.companyId ? "" : " (default)"}
                  <div className="subtle">
                    {t.levels.map((l) => `${l.name} at ${l.value}${l.kind === "PERCENTAGE" ? " %" : ""} → ${l.channels.join(", ").toLowerCase()}`).join("; ")}
                  </div>
                </li>
              ))}
            </ul>
          )}
        </section>
      </div>
      <CompanyInvoices invoices={invoices} />
      <CompanyGaps companyId={company.id} />
    </>
  );
}

type InvoiceRow = {
  id?: string | null;
  status: string;
  periodStart: string;
  periodEnd: string;
  currency: string;
  total: string;
  dueDate: string;
  paymentStatus: string;
};

function CompanyInvoices({ invoices }: { invoices: InvoiceRow[] }) {
  const columns = useMemo<ColumnDef<InvoiceRow, unknown>[]>(
    () => [
      {
        id: "period",
        accessorFn: (r) => r.periodStart,
        header: "Period",
        cell: (c) =>
          c.row.original.id ? (
            <Link to={`/invoices/${c.row.original.id}`}>{period(c.row.original.periodStart, c.row.original.periodEnd)}</Link>
          ) : (
            period(c.row.original.periodStart, c.row.original.periodEnd)
          ),
      },
      { accessorKey: "status", header: "Status", cell: (c) => <StatusBadge status={c.getValue() as string} /> },
      { accessorKey: "paymentStatus", header: "Payment", cell: (c) => <StatusBadge status={c.getValue() as string} /> },
      { accessorKey: "dueDate", header: "Due", cell: (c) => <CalendarDate date={c.getValue() as string} /> },
      {
        id: "total",
        accessorFn: (r) => Number(r.total),
        header: "Total",
        meta: { align: "right" },
        cell: (c) => <Money amount={c.row.original.total} currency={c.row.original.currency} />,
      },
    ],
    [],
  );
  return (
    <section className="card" aria-labelledby="invoices-h">
      <h2 id="invoices-h">Invoices</h2>
      <DataTable caption="Recent invoices" columns={columns} rows={invoices} empty="No invoices yet." />
    </section>
  );
}

function CompanyGaps({ companyId }: { companyId: string }) {
  const [params] = useUsageParams();
  const [{ data, fetching }] = useQuery({
    query: GapsQuery,
    variables: { criteria: { from: params.from, to: params.to, companyId } },
  });
  const answer = data?.usageGaps;
  return (
    <section className="card" aria-labelledby="gaps-h">
      <h2 id="gaps-h">Reporting gaps</h2>
      {fetching && !data ? (
        <Loading what="Looking for gaps" />
      ) : answer?.__typename === "UsageGapList" ? (
        answer.gaps.length === 0 ? (
          <p className="subtle">No missing reporting intervals in this window.</p>
        ) : (
          <ul className="plain">
            {answer.gaps.map((g) => (
              <li key={`${g.metricCode}-${g.gapStart}`}>
                <strong>{g.metricCode}</strong>: {g.missingIntervals} {g.interval.toLowerCase()} interval(s) missing from{" "}
                <Instant iso={g.gapStart} /> to <Instant iso={g.gapEnd} />
              </li>
            ))}
          </ul>
        )
      ) : answer?.__typename === "ValidationError" ? (
        <p className="field-error">{answer.message}</p>
      ) : null}
    </section>
  );
}
