// GraphiQL, bundled (no CDN), talking to /graphql with the console's session.
import { createGraphiQLFetcher } from "@graphiql/toolkit";
import { GraphiQL } from "graphiql";
import "graphiql/graphiql.css";
import { useMemo } from "react";

import { websocketUrl } from "../lib/client";
import { csrfHeaders } from "../lib/session";

export default function GraphiQLPage() {
  const fetcher = useMemo(
    () =>
      createGraphiQLFetcher({
        url: "/graphql",
        subscriptionUrl: websocketUrl(),
        fetch: (input, init) =>
          fetch(input, { ...init, credentials: "same-origin", headers: { ...(init?.headers ?? {}), ...csrfHeaders() } }),
      }),
    [],
  );
  return (
    <div className="graphiql-host">
      <h1 className="visually-hidden">GraphiQL</h1>
      <GraphiQL fetcher={fetcher} defaultQuery={"{\n  viewer {\n    role\n    company {\n      name\n    }\n  }\n}\n"} />
    </div>
  );
}
