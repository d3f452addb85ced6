import type { ColumnDef } from "@tanstack/react-table";
import { type FormEvent, useDeferredValue, useMemo, useState } from "react";
import { Link } from "react-router-dom";
import { useMutation, useQuery } from "urql";

import { DataTable, useCursorPaging } from "../components/DataTable";
import { Field } from "../components/Field";
import { PriceBuilder } from "../components/PriceBuilder";
import { Banner, ErrorState, Loading, NotFound } from "../components/states";
import { CalendarDate, Money } from "../components/values";
import { graphql } from "../gql";
import type { ContractProductInput, PriceInput } from "../gql/graphql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { lastClosedMonth, periodStartOf } from "../lib/periods";
import { builderField, checkPrice, emptyPrice, type PriceDraft } from "../lib/price";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";
import { nodesOf } from "../lib/queries";

const ContractsQuery = graphql(`
  query Contracts($first: Int!, $after: String) {
    contractsConnection(first: $first, after: $after) {
      edges {
        node {
          id
          companyId
          currency
          startDate
          endDate
          billingDay
          paymentTermsDays
          lateFeePercentPerMonth
          minimumCommitment
          graceHours
          externalId
          versions {
            number
            effectiveFrom
            paymentTermsDays
          }
          products {
            productCode
            metricCode
            price {
              model
              unitPrice
              packageSize
              packagePrice
              rounding
              freeUnits
              tierBasis
              tiers {
                upTo
                unitPrice
                flatFee
              }
            }
          }
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
    productsConnection(first: 500) {
      edges {
        node {
          code
          name
          metricCode
        }
      }
    }
  }
`);

const SimulateContract = graphql(`
  query SimulateContract($input: ContractInput!, $periodStart: DateTime!) {
    simulateContract(input: $input, periodStart: $periodStart) {
      __typename
      ... on Invoice {
        total
        currency
        periodStart
        periodEnd
        lines {
          productCode
          amount
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

const SimulateInvoice = graphql(`
  query SimulateInvoice($contractId: UUID!, $periodStart: DateTime!, $prices: [ContractProductInput!]!) {
    simulateInvoice(contractId: $contractId, periodStart: $periodStart, prices: $prices) {
      __typename
      ... on Invoice {
        total
        currency
        periodStart
        periodEnd
        lines {
          productCode
          amount
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

const BilledInvoices = graphql(`
  query BilledInvoices($filter: InvoiceFilter!) {
    invoices(filter: $filter, first: 100) {
      edges {
        node {
          id
          contractId
          periodStart
          total
          currency
          status
        }
      }
    }
  }
`);

const CreateContract = graphql(`
  mutation CreateContract($input: ContractInput!) {
    createContract(input: $input) {
      __typename
      ... on Contract {
        id
        companyId
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

interface ProductDraft {
  productCode: string;
  price: PriceDraft;
}

interface Terms {
  companyId: string;
  currency: string;
  startDate: string;
  endDate: string;
  billingDay: string;
  paymentTermsDays: string;
  lateFeePercentPerMonth: string;
  minimumCommitment: string;
  graceHours: string;
}

const NEW_TERMS: Terms = {
  companyId: "",
  currency: "USD",
  startDate: new Date().toISOString().slice(0, 8) + "01",
  endDate: "",
  billingDay: "1",
  paymentTermsDays: "30",
  lateFeePercentPerMonth: "0",
  minimumCommitment: "",
  graceHours: "24",
};

type StoredContract = NonNullable<ReturnType<typeof useContracts>["data"]>["contractsConnection"]["edges"][number]["node"];

// Contracts per page of the table (the server pages them, oldest first).
const PAGE_SIZE = 50;

function useContracts(after: string | null = null) {
  const [result] = useQuery({ query: ContractsQuery, variables: { first: PAGE_SIZE, after } });
  return result;
}

/** A stored price as the builder's draft. */
function draftOf(price: StoredContract["products"][number]["price"]): PriceDraft {
  return {
    model: price.model,
    unitPrice: price.unitPrice ?? "",
    packageSize: price.packageSize ?? "",
    packagePrice: price.packagePrice ?? "",
    rounding: price.rounding,
    freeUnits: price.freeUnits,
    tierBasis: price.tierBasis,
    tiers: price.tiers.map((t) => ({ upTo: t.upTo ?? "", unitPrice: t.unitPrice ?? "", flatFee: t.flatFee ?? "" })),
  };
}

export function ContractsPage() {
  const viewer = useViewer();
  const paging = useCursorPaging();
  const { data, fetching, error } = useContracts(paging.after);
  const names = useCompanyNames();
  const [whatIf, setWhatIf] = useState<StoredContract | null>(null);
  const columns = useMemo<ColumnDef<StoredContract, unknown>[]>(
    () => [
      {
        id: "company",
        accessorFn: (c) => names.get(c.companyId)?.name ?? c.companyId,
        header: "Company",
        cell: (c) => <Link to={`/companies/${c.row.original.companyId}`}>{c.getValue() as string}</Link>,
      },
      { accessorKey: "currency", header: "Currency" },
      { accessorKey: "startDate", header: "Starts", cell: (c) => <CalendarDate date={c.getValue() as string} /> },
      { accessorKey: "endDate", header: "Ends", cell: (c) => <CalendarDate date={c.getValue() as string | null} /> },
      { accessorKey: "billingDay", header: "Billing day", meta: { align: "right" } },
      { id: "externalId", accessorFn: (c) => c.externalId ?? "", header: "External id" },
      {
        id: "versions",
        accessorFn: (c) => c.versions.length,
        header: "Versions",
        cell: (c) => {
          const latest = c.row.original.versions[c.row.original.versions.length - 1];
          return latest && latest.number > 1 ? (
            <span title="A period is priced by the version in force at its end">
              {latest.number}, latest from <CalendarDate date={latest.effectiveFrom.slice(0, 10)} />
            </span>
          ) : (
            "1"
          );
        },
      },
      {
        id: "products",
        accessorFn: (c) => c.products.map((p) => `${p.productCode} (${p.price.model.toLowerCase().replace("_", " ")})`).join(", "),
        header: "Products",
      },
      {
        id: "whatif",
        header: "What if",
        enableSorting: false,
        cell: (c) => (
          <button type="button" className="secondary" onClick={() => setWhatIf(c.row.original)}>
            Try other prices
          </button>
        ),
      },
    ],
    [names],
  );
  if (!isAdmin(viewer)) return <NotFound />;
  return (
    <>
      <div className="page-head">
        <h1>Contracts</h1>
        <p className="subtle">Prices for all five models; the simulation shows, as you type, what a closed period would have cost.</p>
      </div>
      <section className="card">
        <h2>Contracts</h2>
        {error ? (
          <ErrorState error={error} />
        ) : fetching && !data ? (
          <Loading what="Loading contracts" />
        ) : (
          <DataTable
            caption="Contracts"
            columns={columns}
            rows={nodesOf(data?.contractsConnection)}
            paging={paging}
            hasNextPage={data?.contractsConnection.pageInfo.hasNextPage}
            endCursor={data?.contractsConnection.pageInfo.endCursor}
            empty="No contracts yet."
          />
        )}
      </section>
      {data ? (
        <ContractForm
          key={whatIf?.id ?? "new"}
          products={nodesOf(data.productsConnection)}
          companies={names}
          contract={whatIf}
          onDone={() => setWhatIf(null)}
        />
      ) : null}
    </>
  );
}

function ContractForm({
  products,
  companies,
  contract,
  onDone,
}: {
  products: { code: string; name: string; metricCode: string }[];
  companies: Map<string, { name: string; externalKey: string }>;
  contract: StoredContract | null;
  onDone: () => void;
}) {
  const [terms, setTerms] = useState<Terms>(() =>
    contract
      ? {
          companyId: contract.companyId,
          currency: contract.currency,
          startDate: contract.startDate,
          endDate: contract.endDate ?? "",
          billingDay: String(contract.billingDay),
          paymentTermsDays: String(contract.paymentTermsDays),
          lateFeePercentPerMonth: contract.lateFeePercentPerMonth,
          minimumCommitment: contract.minimumCommitment ?? "",
          graceHours: String(contract.graceHours),
        }
      : NEW_TERMS,
  );
  const [items, setItems] = useState<ProductDraft[]>(() =>
    contract
      ? contract.products.map((p) => ({ productCode: p.productCode, price: draftOf(p.price) }))
      : [{ productCode: products[0]?.code ?? "", price: emptyPrice("PER_UNIT") }],
  );
  const billingDay = Number(terms.billingDay) || 1;
  const [month, setMonth] = useState(() => lastClosedMonth(billingDay));
  const [serverProblems, setServerProblems] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [{ fetching: creating }, create] = useMutation(CreateContract);

  const checked = items.map((item) => checkPrice(item.price));
  const complete = checked.every((c) => c.input !== null) && terms.companyId !== "" && items.every((i) => i.productCode);
  const priced: ContractProductInput[] = items.map((item, i) => ({
    productCode: item.productCode,
    price: checked[i].input as PriceInput,
  }));
  const input = {
    companyId: terms.companyId,
    currency: terms.currency.trim().toUpperCase(),
    startDate: terms.startDate,
    endDate: terms.endDate || null,
    billingDay: Number(terms.billingDay),
    paymentTermsDays: Number(terms.paymentTermsDays),
    lateFeePercentPerMonth: terms.lateFeePercentPerMonth || "0",
    minimumCommitment: terms.minimumCommitment.trim() || null,
    graceHours: Number(terms.graceHours),
    products: priced,
  };
  const periodStart = periodStartOf(month, billingDay);
  // The simulation follows the form a moment behind the typing.
  const deferred = useDeferredValue(JSON.stringify({ input, periodStart, complete }));
  const simulated = JSON.parse(deferred) as { input: typeof input; periodStart: string; complete: boolean };
  const [newSim] = useQuery({
    query: SimulateContract,
    variables: { input: simulated.input, periodStart: simulated.periodStart },
    pause: contract !== null || !simulated.complete,
    requestPolicy: "network-only",
  });
  const [oldSim] = useQuery({
    query: SimulateInvoice,
    variables: { contractId: contract?.id ?? "", periodStart: simulated.periodStart, prices: simulated.input.products },
    pause: contract === null || !simulated.complete,
    requestPolicy: "network-only",
  });
  const sim = contract ? oldSim : newSim;
  const simAnswer = contract ? oldSim.data?.simulateInvoice : newSim.data?.simulateContract;
  const [{ data: billed }] = useQuery({
    query: BilledInvoices,
    variables: { filter: contract ? { contractId: contract.id } : { companyId: terms.companyId } },
    pause: !terms.companyId,
  });
  const actual = billed?.invoices.edges
    .map((e) => e.node)
    .filter((inv) => inv.periodStart.slice(0, 10) === periodStart.slice(0, 10));
  const simProblems = isValidationError(simAnswer) ? problemsByField(simAnswer) : {};
  const allProblems = { ...simProblems, ...serverProblems };
  const priceProblems = (index: number): Record<string, string> => {
    const out: Record<string, string> = { ...checked[index].problems };
    for (const [field, text] of Object.entries(allProblems)) {
      const prefix = `products[${index}].price.`;
      if (field.startsWith(prefix)) out[builderField(field)] ??= text;
    }
    return out;
  };
  const termError = (name: string) => allProblems[name] ?? allProblems[`input.${name}`];
  const setTerm = (name: keyof Terms) => (e: { target: { value: string } }) =>
    setTerms((t) => ({ ...t, [name]: e.target.value }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    if (!complete) {
      setMessage({ kind: "error", text: "Fix the fields marked in red first." });
      return;
    }
    const result = await create({ input });
    const answer = result.data?.createContract;
    if (result.error) setMessage({ kind: "error", text: describeError(result.error) ?? "Failed." });
    else if (isValidationError(answer)) {
      setServerProblems(problemsByField(answer));
      setMessage({ kind: "error", text: answer.message });
    } else {
      setServerProblems({});
      setMessage({ kind: "success", text: "Contract created." });
    }
  };

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-label={contract ? "Try other prices" : "New contract"}>
      <h2>{contract ? `What if ${companies.get(contract.companyId)?.name ?? "this contract"} paid other prices?` : "New contract"}</h2>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      <div className="form-grid">
        <Field label="Company" error={termError("companyId")}>
          {(p) => (
            <select {...p} value={terms.companyId} onChange={setTerm("companyId")} disabled={contract !== null}>
              <option value="">Choose a company</option>
              {[...companies.entries()].map(([id, c]) => (
                <option key={id} value={id}>
                  {c.name} ({c.externalKey})
                </option>
              ))}
            </select>
          )}
        </Field>
        <Field label="Currency" error={termError("currency")} help="ISO 4217, e.g. USD, EUR.">
          {(p) => <input {...p} value={terms.currency} onChange={setTerm("currency")} maxLength={3} disabled={contract !== null} />}
        </Field>
        <Field label="Start date" error={termError("startDate")}>
          {(p) => <input {...p} type="date" value={terms.startDate} onChange={setTerm("startDate")} disabled={contract !== null} />}
        </Field>
        <Field label="End date" error={termError("endDate")} help="Blank: open-ended.">
          {(p) => <input {...p} type="date" value={terms.endDate} onChange={setTerm("endDate")} disabled={contract !== null} />}
        </Field>
        <Field label="Billing day" error={termError("billingDay")} help="1 to 28.">
          {(p) => <input {...p} inputMode="numeric" value={terms.billingDay} onChange={setTerm("billingDay")} disabled={contract !== null} />}
        </Field>
        <Field label="Payment terms (days)" error={termError("paymentTermsDays")}>
          {(p) => <input {...p} inputMode="numeric" value={terms.paymentTermsDays} onChange={setTerm("paymentTermsDays")} disabled={contract !== null} />}
        </Field>
        <Field label="Late fee (% a month)" error={termError("lateFeePercentPerMonth")}>
          {(p) => <input {...p} inputMode="decimal" value={terms.lateFeePercentPerMonth} onChange={setTerm("lateFeePercentPerMonth")} disabled={contract !== null} />}
        </Field>
        <Field label="Minimum commitment" error={termError("minimumCommitment")} help="Per period, in the contract's currency; blank: none.">
          {(p) => <input {...p} inputMode="decimal" value={terms.minimumCommitment} onChange={setTerm("minimumCommitment")} disabled={contract !== null} />}
        </Field>
      </div>
      {items.map((item, index) => {
        const prefix = index === 0 ? "" : `Product ${index + 1} `;
        const productError = allProblems[`products[${index}].productCode`];
        return (
          <div key={index} className="product-block">
            <div className="form-grid">
              <Field label={index === 0 ? "Product" : `Product ${index + 1}`} error={productError}>
                {(p) => (
                  <select
                    {...p}
                    value={item.productCode}
                    disabled={contract !== null}
                    onChange={(e) =>
                      setItems((all) => all.map((it, i) => (i === index ? { ...it, productCode: e.target.value } : it)))
                    }
                  >
                    <option value="">Choose a product</option>
                    {products.map((pr) => (
                      <option key={pr.code} value={pr.code}>
                        {pr.name} ({pr.code}, metric {pr.metricCode})
                      </option>
                    ))}
                  </select>
                )}
              </Field>
              {items.length > 1 && contract === null ? (
                <div className="actions">
                  <button type="button" className="secondary" onClick={() => setItems((all) => all.filter((_, i) => i !== index))}>
                    Remove {index === 0 ? "this product" : `product ${index + 1}`}
                  </button>
                </div>
              ) : null}
            </div>
            <PriceBuilder
              draft={item.price}
              idPrefix={`p${index}`}
              labelPrefix={prefix}
              problems={priceProblems(index)}
              onChange={(price) => {
                setServerProblems({});
                setItems((all) => all.map((it, i) => (i === index ? { ...it, price } : it)));
              }}
            />
          </div>
        );
      })}
      {contract === null ? (
        <button
          type="button"
          className="secondary"
          onClick={() => setItems((all) => [...all, { productCode: "", price: emptyPrice("PER_UNIT") }])}
        >
          Add a product
        </button>
      ) : null}
      <section className="simulation-panel" aria-labelledby="sim-h" aria-live="polite">
        <h3 id="sim-h">Simulation</h3>
        <div className="simulation">
          <Field label="Period to simulate" help="The last closed period by default.">
            {(p) => <input {...p} type="month" value={month} onChange={(e) => e.target.value && setMonth(e.target.value)} />}
          </Field>
          <div>
            <p className="subtle">With these prices</p>
            <p className="figure" data-testid="simulated-total">
              {!complete ? (
                "—"
              ) : sim.fetching && !simAnswer ? (
                "…"
              ) : simAnswer?.__typename === "Invoice" ? (
                <Money amount={simAnswer.total} currency={simAnswer.currency} />
              ) : (
                "—"
              )}
            </p>
            {sim.error ? <p className="field-error">{describeError(sim.error)}</p> : null}
            {isValidationError(simAnswer) && simAnswer.field === "periodStart" ? (
              <p className="field-error">{simAnswer.message}</p>
            ) : null}
          </div>
          <div>
            <p className="subtle">What it did cost</p>
            <p className="figure" data-testid="billed-total">
              {actual && actual.length > 0 ? (
                actual.map((inv) => (
                  <Link key={inv.id} to={`/invoices/${inv.id}`}>
                    <Money amount={inv.total} currency={inv.currency} />
                  </Link>
                ))
              ) : (
                <span className="subtle">no invoice for this period</span>
              )}
            </p>
          </div>
        </div>
      </section>
      <div className="actions">
        {contract === null ? (
          <button type="submit" disabled={creating}>
            {creating ? "Creating…" : "Create contract"}
          </button>
        ) : (
          <button type="button" className="secondary" onClick={onDone}>
            Back to a new contract
          </button>
        )}
      </div>
    </form>
  );
}
