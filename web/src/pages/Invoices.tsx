import type { ColumnDef } from "@tanstack/react-table";
import { useMemo } from "react";
import { Link, useSearchParams } from "react-router-dom";
import { useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { ErrorState, Loading } from "../components/states";
import { CalendarDate, Money, StatusBadge } from "../components/values";
import { graphql } from "../gql";
import { period } from "../lib/format";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";

const InvoicesQuery = graphql(`
  query Invoices($filter: InvoiceFilter, $first: Int!, $after: String) {
    invoices(filter: $filter, first: $first, after: $after) {
      edges {
        node {
          id
          companyId
          contractId
          status
          periodStart
          periodEnd
          currency
          total
          dueDate
          paymentStatus
          paidAmount
          number
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const STATUSES = ["DRAFT", "FINALIZED", "VOID"];

export function InvoicesPage() {
  const viewer = useViewer();
  const [search, setSearch] = useSearchParams();
  const status = search.get("status");
  const companyId = search.get("company");
  const paging = useCursorPaging();
  const names = useCompanyNames();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: InvoicesQuery,
    variables: {
      filter: { status: status || null, companyId: companyId || null },
      first: 50,
      after: paging.after,
    },
  });
  type Row = NonNullable<typeof data>["invoices"]["edges"][number]["node"];
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      {
        id: "company",
        accessorFn: (r) => names.get(r.companyId)?.name ?? r.companyId,
        header: "Company",
      },
      {
        id: "period",
        accessorFn: (r) => r.periodStart,
        header: "Period",
        cell: (c) => (
          <Link to={`/invoices/${c.row.original.id}`}>{period(c.row.original.periodStart, c.row.original.periodEnd)}</Link>
        ),
      },
      { id: "number", accessorFn: (r) => r.number ?? "", header: "Number", cell: (c) => c.row.original.number ?? "—" },
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
      {
        id: "paid",
        accessorFn: (r) => Number(r.paidAmount),
        header: "Paid",
        meta: { align: "right" },
        cell: (c) => <Money amount={c.row.original.paidAmount} currency={c.row.original.currency} />,
      },
    ],
    [names],
  );
  const setFilter = (name: string, value: string) => {
    const next = new URLSearchParams(search);
    if (value) next.set(name, value);
    else next.delete(name);
    setSearch(next);
    paging.reset();
  };
  return (
    <>
      <div className="page-head">
        <h1>Invoices</h1>
      </div>
      <section className="card">
        <div className="toolbar">
          <label htmlFor="invoice-status">Status</label>
          <select id="invoice-status" value={status ?? ""} onChange={(e) => setFilter("status", e.target.value)}>
            <option value="">Any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s.toLowerCase()}
              </option>
            ))}
          </select>
          {isAdmin(viewer) ? (
            <>
              <label htmlFor="invoice-company">Company</label>
              <select id="invoice-company" value={companyId ?? ""} onChange={(e) => setFilter("company", e.target.value)}>
                <option value="">Every company</option>
                {[...names.entries()].map(([id, c]) => (
                  <option key={id} value={id}>
                    {c.name}
                  </option>
                ))}
              </select>
            </>
          ) : null}
        </div>
        {error ? (
          <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
        ) : fetching && !data ? (
          <Loading what="Loading invoices" />
        ) : (
          <DataTable
            caption="Invoices"
            columns={columns}
            rows={data?.invoices.edges.map((e) => e.node) ?? []}
            paging={paging}
            hasNextPage={data?.invoices.pageInfo.hasNextPage}
            endCursor={data?.invoices.pageInfo.endCursor}
            empty="No invoices match. Invoices are made by the invoice job once a contract's period closes."
          />
        )}
      </section>
    </>
  );
}
