// The GraphQL client: urql with a normalized cache (graphcache), HTTP for queries
// and mutations, graphql-ws for subscriptions. Same origin as the console: the
// session cookie authenticates both, the CSRF header guards the writes.
import { cacheExchange, type KeyingConfig } from "@urql/exchange-graphcache";
import { createClient as createWsClient, type Client as WsClient } from "graphql-ws";
import { Client, fetchExchange, subscriptionExchange } from "urql";

import { announceAuthFailure, authFailure, csrfHeaders } from "./session";

/** Types without an `id` of their own: kept inside their parent, or keyed by their code. */
const EMBEDDED = [
  "PageInfo",
  "AggregationResult",
  "AggregationBucket",
  "InvoiceLine",
  "TierBreakdown",
  "Price",
  "Tier",
  "ContractProduct",
  "ThresholdLevel",
  "ValidationError",
  "FieldError",
  "BatchUsageReport",
  "BatchRecordError",
  "CostAllocation",
  "CostShare",
  "CustomerCost",
  "Profitability",
  "ProfitabilityRow",
  "UsageGap",
  "UsageGapList",
  "ReportScheduleRun",
  "ReportDestination",
  "BillingPeriod",
  "UsageCorrection",
  "InvoiceRun",
];

export function cacheKeys(): KeyingConfig {
  const keys: KeyingConfig = {
    Metric: (data) => (data.code as string | undefined) ?? null,
    Product: (data) => (data.code as string | undefined) ?? null,
    ScheduledJob: (data) => (data.name as string | undefined) ?? null,
    Viewer: (data) => (data.keyId as string | undefined) ?? null,
    // A preview or simulation is an invoice that was never stored: no id.
    Invoice: (data) => (data.id as string | undefined) ?? null,
  };
  for (const name of EMBEDDED) keys[name] = () => null;
  return keys;
}

/** fetch that tells the app when the API refuses the session. */
async function watchedFetch(input: RequestInfo | URL, init?: RequestInit): Promise<Response> {
  const response = await fetch(input, init);
  if (response.status === 401 || response.status === 403) {
    let code: string | undefined;
    try {
      const body = (await response.clone().json()) as { error?: { code?: string } };
      code = body.error?.code;
    } catch {
      code = undefined;
    }
    announceAuthFailure(authFailure(response.status, code));
  }
  return response;
}

export function websocketUrl(location: Location = window.location): string {
  const scheme = location.protocol === "https:" ? "wss:" : "ws:";
  return `${scheme}//${location.host}/graphql`;
}

export interface ConsoleClient {
  client: Client;
  close(): void;
}

export function createConsoleClient(): ConsoleClient {
  let ws: WsClient | null = null;
  const socket = (): WsClient => {
    ws ??= createWsClient({
      url: websocketUrl(),
      lazy: true,
      retryAttempts: 5,
      shouldRetry: (event) => {
        const code = (event as CloseEvent | undefined)?.code;
        return code !== 4401 && code !== 4403;
      },
      on: {
        closed: (event) => {
          const code = (event as CloseEvent | undefined)?.code;
          if (code === 4401 || code === 4403) announceAuthFailure("expired");
        },
      },
    });
    return ws;
  };
  const client = new Client({
    url: "/graphql",
    requestPolicy: "cache-and-network",
    fetch: watchedFetch,
    fetchOptions: () => ({ credentials: "same-origin", headers: csrfHeaders() }),
    exchanges: [
      cacheExchange({ keys: cacheKeys() }),
      fetchExchange,
      subscriptionExchange({
        forwardSubscription(request) {
          const input = { ...request, query: request.query ?? "" };
          return {
            subscribe(sink) {
              const unsubscribe = socket().subscribe(input, sink);
              return { unsubscribe };
            },
          };
        },
      }),
    ],
  });
  return {
    client,
    close: () => {
      void ws?.dispose();
      ws = null;
    },
  };
}
