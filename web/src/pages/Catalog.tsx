import { type FormEvent, useState } from "react";
import { useMutation, useQuery } from "urql";

import { Field } from "../components/Field";
import { Banner, Empty, ErrorState, Loading } from "../components/states";
import { graphql } from "../gql";
import type { Aggregation, MeasurementType, ReportingInterval, ResourceType } from "../gql/graphql";
import { describeError, isValidationError, problemsByField } from "../lib/errors";
import { MetricsQuery, nodesOf } from "../lib/queries";
import { ConfirmButton } from "./ConfirmButton";
import { isAdmin, useViewer } from "../lib/viewer";

const ProductsQuery = graphql(`
  query Products {
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

const DefineMetric = graphql(`
  mutation DefineMetric($input: MetricInput!) {
    defineMetric(input: $input) {
      __typename
      ... on Metric {
        code
        name
        unit
        resourceType
        measurementType
        aggregation
        interval
        description
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

const CreateProduct = graphql(`
  mutation CreateProduct($input: CreateProductInput!) {
    createProduct(input: $input) {
      __typename
      ... on Product {
        code
        name
        metricCode
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

const ArchiveMetric = graphql(`
  mutation ArchiveMetric($input: ArchiveMetricInput!) {
    archiveMetric(input: $input) {
      __typename
      ... on Metric {
        code
        archivedAt
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

const ArchiveProduct = graphql(`
  mutation ArchiveProduct($input: ArchiveProductInput!) {
    archiveProduct(input: $input) {
      __typename
      ... on Product {
        code
        archivedAt
      }
      ... on ValidationError {
        field
        errorCode
        message
      }
    }
  }
`);

type Notice = { kind: "error" | "success"; text: string } | null;

/** What an archive mutation answered, as a notice. */
function archived(
  what: string,
  result: { error?: Parameters<typeof describeError>[0]; data?: Record<string, unknown> },
  answer: unknown,
): Notice {
  if (result.error) return { kind: "error", text: describeError(result.error) ?? `${what} was not archived.` };
  if (isValidationError(answer)) return { kind: "error", text: `${what} was not archived: ${answer.message}.` };
  return { kind: "success", text: `${what} was archived: it takes no new usage or contracts; its history stays.` };
}

const RESOURCE_TYPES: ResourceType[] = ["API_CALLS", "DATA_TRANSFER", "STORAGE", "USER_COUNT"];
const MEASUREMENT_TYPES: MeasurementType[] = ["COUNTER", "GAUGE", "TIMER"];
const AGGREGATIONS: Aggregation[] = ["SUM", "COUNT", "MAX", "MIN", "AVG", "UNIQUE_COUNT", "LATEST"];
const INTERVALS: ReportingInterval[] = ["HOURLY", "DAILY", "MONTHLY"];

const words = (e: string) => e.replace(/_/g, " ").toLowerCase();

export function CatalogPage() {
  const viewer = useViewer();
  const admin = isAdmin(viewer);
  const metrics = useQuery({ query: MetricsQuery });
  const products = useQuery({ query: ProductsQuery });
  const [metricsAnswer, refetchMetrics] = metrics;
  const [productsAnswer, refetchProducts] = products;
  const metricList = nodesOf(metricsAnswer.data?.metricsConnection);
  const [archivingMetric, archiveMetric] = useMutation(ArchiveMetric);
  const [archivingProduct, archiveProduct] = useMutation(ArchiveProduct);
  const [notice, setNotice] = useState<Notice>(null);
  const archiveMetricNamed = async (code: string) => {
    const result = await archiveMetric({ input: { code } });
    setNotice(archived(`Metric ${code}`, result, result.data?.archiveMetric));
    refetchMetrics({ requestPolicy: "network-only" });
  };
  const archiveProductNamed = async (code: string) => {
    const result = await archiveProduct({ input: { code } });
    setNotice(archived(`Product ${code}`, result, result.data?.archiveProduct));
    refetchProducts({ requestPolicy: "network-only" });
  };
  return (
    <>
      <div className="page-head">
        <h1>Metrics and products</h1>
        <p className="subtle">What usage is measured in, and the products billed by it.</p>
      </div>
      {notice ? <Banner kind={notice.kind}>{notice.text}</Banner> : null}
      <section className="card" aria-labelledby="metrics-h">
        <h2 id="metrics-h">Metrics</h2>
        {metricsAnswer.error ? (
          <ErrorState error={metricsAnswer.error} retry={() => refetchMetrics({ requestPolicy: "network-only" })} />
        ) : metricsAnswer.fetching && !metricsAnswer.data ? (
          <Loading what="Loading metrics" />
        ) : metricList.length === 0 ? (
          <Empty title="No metrics yet">{admin ? "Define the first one below." : "An operator defines them."}</Empty>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Metrics</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Name</th>
                  <th scope="col">Resource type</th>
                  <th scope="col">Measurement type</th>
                  <th scope="col">Unit</th>
                  <th scope="col">Aggregation</th>
                  <th scope="col">Interval</th>
                  {admin ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {metricList.map((m) => (
                  <tr key={m.code}>
                    <th scope="row">
                      <code>{m.code}</code>
                    </th>
                    <td>
                      {m.name}
                      {m.description ? <p className="help">{m.description}</p> : null}
                    </td>
                    <td>{words(m.resourceType)}</td>
                    <td>{words(m.measurementType)}</td>
                    <td>{m.unit}</td>
                    <td>{words(m.aggregation)}</td>
                    <td>{m.interval ? words(m.interval) : "—"}</td>
                    {admin ? (
                      <td>
                        <ConfirmButton
                          label="Archive"
                          title={`Archive the metric ${m.code}?`}
                          confirmLabel="Archive metric"
                          busy={archivingMetric.fetching}
                          onConfirm={() => archiveMetricNamed(m.code)}
                        >
                          <p>
                            No new usage, product or threshold may name it; its usage stays readable and invoiced.
                            Refused while a product bills it or a threshold watches it.
                          </p>
                        </ConfirmButton>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      <section className="card" aria-labelledby="products-h">
        <h2 id="products-h">Products</h2>
        {productsAnswer.error ? (
          <ErrorState error={productsAnswer.error} retry={() => refetchProducts({ requestPolicy: "network-only" })} />
        ) : productsAnswer.fetching && !productsAnswer.data ? (
          <Loading what="Loading products" />
        ) : nodesOf(productsAnswer.data?.productsConnection).length === 0 ? (
          <Empty title="No products yet">
            {admin ? "Create one below: a product is billed by one metric." : "An operator creates them."}
          </Empty>
        ) : (
          <div className="table-wrap">
            <table className="data-table">
              <caption className="visually-hidden">Products</caption>
              <thead>
                <tr>
                  <th scope="col">Code</th>
                  <th scope="col">Name</th>
                  <th scope="col">Metric</th>
                  {admin ? (
                    <th scope="col">
                      <span className="visually-hidden">Actions</span>
                    </th>
                  ) : null}
                </tr>
              </thead>
              <tbody>
                {nodesOf(productsAnswer.data?.productsConnection).map((p) => (
                  <tr key={p.code}>
                    <th scope="row">
                      <code>{p.code}</code>
                    </th>
                    <td>{p.name}</td>
                    <td>
                      <code>{p.metricCode}</code>
                    </td>
                    {admin ? (
                      <td>
                        <ConfirmButton
                          label="Archive"
                          title={`Archive the product ${p.code}?`}
                          confirmLabel="Archive product"
                          busy={archivingProduct.fetching}
                          onConfirm={() => archiveProductNamed(p.code)}
                        >
                          <p>No new contract may price it; invoices that did stay. Refused while a contract in force prices it.</p>
                        </ConfirmButton>
                      </td>
                    ) : null}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </section>
      {admin ? (
        <div className="grid-2 catalog-forms">
          <MetricForm onDefined={() => refetchMetrics({ requestPolicy: "network-only" })} />
          <ProductForm
            metrics={metricList}
            onCreated={() => refetchProducts({ requestPolicy: "network-only" })}
          />
        </div>
      ) : null}
    </>
  );
}

const fieldOf = (problems: Record<string, string>, f: string) => problems[`input.${f}`] ?? problems[f];

function MetricForm({ onDefined }: { onDefined: () => void }) {
  const blank = {
    code: "",
    name: "",
    unit: "",
    resourceType: "API_CALLS" as ResourceType,
    measurementType: "COUNTER" as MeasurementType,
    aggregation: "SUM" as Aggregation,
    interval: "" as "" | ReportingInterval,
    description: "",
  };
  const [form, setForm] = useState(blank);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [{ fetching }, define] = useMutation(DefineMetric);
  const set = <K extends keyof typeof blank>(key: K, value: (typeof blank)[K]) => setForm((f) => ({ ...f, [key]: value }));
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    const result = await define({
      input: {
        code: form.code.trim(),
        name: form.name.trim(),
        unit: form.unit.trim(),
        resourceType: form.resourceType,
        measurementType: form.measurementType,
        aggregation: form.aggregation,
        interval: form.interval || null,
        description: form.description.trim() || null,
      },
    });
    const answer = result.data?.defineMetric;
    if (result.error) setMessage({ kind: "error", text: describeError(result.error) ?? "The metric was not defined." });
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "Metric") {
      setProblems({});
      setForm(blank);
      setMessage({ kind: "success", text: `Metric ${answer.code} defined.` });
      onDefined();
    }
  };
  const err = (f: string) => fieldOf(problems, f);
  const shown = ["code", "name", "unit", "resourceType", "measurementType", "aggregation", "interval", "description"];
  const other = Object.entries(problems).filter(([f]) => !shown.includes(f.replace(/^input\./, "")));
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Define a metric">
      <h2>New metric</h2>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      {other.map(([f, m]) => (
        <Banner key={f} kind="error">
          {f}: {m}
        </Banner>
      ))}
      <Field label="Metric code" error={err("code")} help="e.g. api_calls; cannot be changed later.">
        {(p) => <input {...p} value={form.code} onChange={(e) => set("code", e.target.value)} required />}
      </Field>
      <Field label="Metric name" error={err("name")}>
        {(p) => <input {...p} value={form.name} onChange={(e) => set("name", e.target.value)} required />}
      </Field>
      <Field label="Unit" error={err("unit")} help="e.g. calls, GB, users.">
        {(p) => <input {...p} value={form.unit} onChange={(e) => set("unit", e.target.value)} required />}
      </Field>
      <Field label="Resource type" error={err("resourceType")}>
        {(p) => (
          <select {...p} value={form.resourceType} onChange={(e) => set("resourceType", e.target.value as ResourceType)}>
            {RESOURCE_TYPES.map((v) => (
              <option key={v} value={v}>
                {words(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Measurement type" error={err("measurementType")}>
        {(p) => (
          <select
            {...p}
            value={form.measurementType}
            onChange={(e) => set("measurementType", e.target.value as MeasurementType)}
          >
            {MEASUREMENT_TYPES.map((v) => (
              <option key={v} value={v}>
                {words(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Aggregation" error={err("aggregation")}>
        {(p) => (
          <select {...p} value={form.aggregation} onChange={(e) => set("aggregation", e.target.value as Aggregation)}>
            {AGGREGATIONS.map((v) => (
              <option key={v} value={v}>
                {words(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Reporting interval" error={err("interval")} help="For metrics reported on a schedule (gauges).">
        {(p) => (
          <select {...p} value={form.interval} onChange={(e) => set("interval", e.target.value as "" | ReportingInterval)}>
            <option value="">None</option>
            {INTERVALS.map((v) => (
              <option key={v} value={v}>
                {words(v)}
              </option>
            ))}
          </select>
        )}
      </Field>
      <Field label="Description" error={err("description")}>
        {(p) => <input {...p} value={form.description} onChange={(e) => set("description", e.target.value)} />}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Defining…" : "Define metric"}
        </button>
      </div>
    </form>
  );
}

function ProductForm({
  metrics,
  onCreated,
}: {
  metrics: readonly { code: string; name: string }[];
  onCreated: () => void;
}) {
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [metricCode, setMetricCode] = useState("");
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [message, setMessage] = useState<{ kind: "error" | "success"; text: string } | null>(null);
  const [{ fetching }, create] = useMutation(CreateProduct);
  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage(null);
    if (!metricCode) {
      setProblems({ metricCode: "Choose the metric the product is billed by." });
      return;
    }
    const result = await create({ input: { code: code.trim(), name: name.trim(), metricCode } });
    const answer = result.data?.createProduct;
    if (result.error) setMessage({ kind: "error", text: describeError(result.error) ?? "The product was not created." });
    else if (isValidationError(answer)) setProblems(problemsByField(answer));
    else if (answer?.__typename === "Product") {
      setProblems({});
      setCode("");
      setName("");
      setMetricCode("");
      setMessage({ kind: "success", text: `Product ${answer.code} created.` });
      onCreated();
    }
  };
  const other = Object.entries(problems).filter(([f]) => !["code", "name", "metricCode"].includes(f));
  return (
    <form className="card form-grid" onSubmit={(e) => void submit(e)} aria-label="Create a product">
      <h2>New product</h2>
      {message ? <Banner kind={message.kind}>{message.text}</Banner> : null}
      {other.map(([f, m]) => (
        <Banner key={f} kind="error">
          {f}: {m}
        </Banner>
      ))}
      <Field label="Product code" error={problems.code} help="e.g. sms_outbound.">
        {(p) => <input {...p} value={code} onChange={(e) => setCode(e.target.value)} required />}
      </Field>
      <Field label="Product name" error={problems.name}>
        {(p) => <input {...p} value={name} onChange={(e) => setName(e.target.value)} required />}
      </Field>
      <Field label="Metric" error={problems.metricCode} help={metrics.length === 0 ? "Define a metric first." : undefined}>
        {(p) => (
          <select {...p} value={metricCode} onChange={(e) => setMetricCode(e.target.value)} required>
            <option value="">Choose a metric</option>
            {metrics.map((m) => (
              <option key={m.code} value={m.code}>
                {m.name} ({m.code})
              </option>
            ))}
          </select>
        )}
      </Field>
      <div className="actions">
        <button type="submit" disabled={fetching}>
          {fetching ? "Creating…" : "Create product"}
        </button>
      </div>
    </form>
  );
}
