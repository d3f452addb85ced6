import type { ColumnDef } from "@tanstack/react-table";
import { type FormEvent, useMemo, useState } from "react";
import { Link, Navigate, useNavigate } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Field } from "../components/Field";
import { Banner, ErrorState, Loading } from "../components/states";
import { Instant } from "../components/values";
import { graphql } from "../gql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { isCustomer, useViewer } from "../lib/viewer";

const CompaniesQuery = graphql(`
  query Companies($first: Int!, $after: String, $includeArchived: Boolean! = false) {
    companies(first: $first, after: $after, includeArchived: $includeArchived) {
      edges {
        node {
          id
          externalKey
          name
          lateArrivalDays
          createdAt
          archivedAt
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

const CreateCompany = graphql(`
  mutation CreateCompany($input: CompanyInput!) {
    createCompany(input: $input) {
      __typename
      ... on Company {
        id
        name
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

type Row = {
  id: string;
  externalKey: string;
  name: string;
  lateArrivalDays: number;
  createdAt: string;
  archivedAt?: string | null;
};

const PAGE_SIZE = 50;

export function CompaniesPage() {
  const viewer = useViewer();
  if (isCustomer(viewer) && viewer.companyId) return <Navigate to={`/companies/${viewer.companyId}`} replace />;
  return <CompanyList />;
}

function CompanyList() {
  const navigate = useNavigate();
  const paging = useCursorPaging();
  const [search, setSearch] = useState("");
  const [includeArchived, setIncludeArchived] = useState(false);
  const [{ data, fetching, error }, refetch] = useQuery({
    query: CompaniesQuery,
    variables: { first: PAGE_SIZE, after: paging.after, includeArchived },
  });
  const columns = useMemo<ColumnDef<Row, unknown>[]>(
    () => [
      {
        accessorKey: "name",
        header: "Name",
        cell: (c) => (
          <>
            <Link to={`/companies/${c.row.original.id}`}>{c.getValue() as string}</Link>
            {c.row.original.archivedAt ? <span className="subtle"> (archived)</span> : null}
          </>
        ),
      },
      { accessorKey: "externalKey", header: "External key" },
      { accessorKey: "lateArrivalDays", header: "Late window (days)", meta: { align: "right" } },
      { accessorKey: "createdAt", header: "Created", cell: (c) => <Instant iso={c.getValue() as string} /> },
    ],
    [],
  );
  const rows = (data?.companies.edges ?? []).map((e) => e.node);
  const needle = search.trim().toLowerCase();
  const shown = needle
    ? rows.filter((r) => r.name.toLowerCase().includes(needle) || r.externalKey.toLowerCase().includes(needle))
    : rows;
  return (
    <>
      <div className="page-head">
        <h1>Companies</h1>
      </div>
      <CreateCompanyForm onCreated={(id) => navigate(`/companies/${id}`)} />
      <section className="card">
        <div className="toolbar">
          <label htmlFor="company-search">Search</label>
          <input
            id="company-search"
            type="search"
            placeholder="Name or external key"
            value={search}
            onChange={(e) => setSearch(e.target.value)}
          />
          <label>
            <input
              type="checkbox"
              checked={includeArchived}
              onChange={(e) => {
                setIncludeArchived(e.target.checked);
                paging.reset();
              }}
            />{" "}
            Archived too
          </label>
        </div>
        {error ? (
          <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
        ) : fetching && !data ? (
          <Loading what="Loading companies" />
        ) : (
          <DataTable
            caption="Companies"
            columns={columns}
            rows={shown}
            paging={paging}
            hasNextPage={data?.companies.pageInfo.hasNextPage}
            endCursor={data?.companies.pageInfo.endCursor}
            empty={needle ? `No company on this page matches “${search}”.` : "No companies yet: create the first above."}
          />
        )}
      </section>
    </>
  );
}

function CreateCompanyForm({ onCreated }: { onCreated: (id: string) => void }) {
  const [externalKey, setExternalKey] = useState("");
  const [name, setName] = useState("");
  const [lateDays, setLateDays] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [failure, setFailure] = useState<string | null>(null);
  const [{ fetching }, create] = useMutation(CreateCompany);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setFailure(null);
    const days = lateDays.trim() === "" ? null : Number(lateDays);
    if (days !== null && !Number.isInteger(days)) {
      setProblems({ "input.lateArrivalDays": "Enter a whole number of days." });
      return;
    }
    const result = await create({ input: { externalKey, name, lateArrivalDays: days } });
    const answer = result.data?.createCompany;
    if (result.error) setFailure(describeError(result.error));
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "Company") {
      setProblems({});
      onCreated(answer.id);
    }
  };
  const err = (f: string) => problems[`input.${f}`] ?? problems[f];
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Create a company">
      <h2>New company</h2>
      {failure ? <Banner kind="error">{failure}</Banner> : null}
      <Field label="External key" error={err("externalKey")} help="Your own id for this customer, e.g. customer_d.">
        {(p) => <input {...p} value={externalKey} onChange={(e) => setExternalKey(e.target.value)} required />}
      </Field>
      <Field label="Name" error={err("name")}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <Field label="Late-arrival window (days)" error={err("lateArrivalDays")} help="Blank: the server's default.">
        {(p) => <input {...p} inputMode="numeric" value={lateDays} onChange={(e) => setLateDays(e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Creating…" : "Create company"}
        </button>
      </div>
    </form>
  );
}
