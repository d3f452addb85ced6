import { lazy, startTransition, Suspense, useCallback, useEffect, useMemo, useState } from "react";
import { BrowserRouter, Navigate, Outlet, Route, Routes, useLocation, useNavigate } from "react-router-dom";
import { Provider, useQuery } from "urql";

import { Layout } from "./components/Layout";
import { ErrorState, Loading, NotFound } from "./components/states";
import { createConsoleClient } from "./lib/client";
import { ViewerQuery } from "./lib/queries";
import { type AuthFailure, mayHaveSession, NOTICES, sessionEvents } from "./lib/session";
import { type Viewer, ViewerContext } from "./lib/viewer";
import { CatalogPage } from "./pages/Catalog";
import { CompaniesPage } from "./pages/Companies";
import { CompanyPage } from "./pages/Company";
import { ImportPage } from "./pages/Import";
import { AlertsPage } from "./pages/Alerts";
import { CostsPage } from "./pages/Costs";
import { InvoicePage } from "./pages/Invoice";
import { ContractsPage } from "./pages/Contracts";
import { InvoicesPage } from "./pages/Invoices";
import { JobsPage } from "./pages/Jobs";
import { OverviewPage } from "./pages/Overview";
import { RecordsPage } from "./pages/Records";
import { ReportsPage } from "./pages/Reports";
import { SignInPage } from "./pages/SignIn";
import { UsageExplorerPage } from "./pages/UsageExplorer";

// GraphiQL is large: it loads only when its page is opened.
const GraphiQLPage = lazy(() => import("./pages/GraphiQL"));

export function App() {
  return (
    <BrowserRouter>
      <Session />
    </BrowserRouter>
  );
}

/** Owns the GraphQL client: a new one (an empty cache) for every sign-in. */
function Session() {
  const navigate = useNavigate();
  const [generation, setGeneration] = useState(0);
  const console_ = useMemo(() => createConsoleClient(), [generation]);
  useEffect(() => () => console_.close(), [console_]);

  // A transition, as the router's navigations are: the new client and the sign-in page arrive together.
  const restart = useCallback(() => startTransition(() => setGeneration((g) => g + 1)), []);
  useEffect(() => {
    const onFailure = (event: Event) => {
      const failure = (event as CustomEvent<AuthFailure>).detail;
      if (!failure) return;
      restart();
      navigate("/signin", { replace: true, state: { notice: NOTICES[failure] } });
    };
    sessionEvents.addEventListener("auth-failure", onFailure);
    return () => sessionEvents.removeEventListener("auth-failure", onFailure);
  }, [navigate, restart]);

  return (
    <Provider value={console_.client}>
      <Routes>
        <Route path="/signin" element={<SignInPage onSignedIn={restart} />} />
        <Route element={<SignedIn onSignedOut={restart} />}>
          <Route index element={<OverviewPage />} />
          <Route path="companies" element={<CompaniesPage />} />
          <Route path="companies/:id" element={<CompanyPage />} />
          <Route path="usage" element={<UsageExplorerPage />} />
          <Route path="contracts" element={<ContractsPage />} />
          <Route path="invoices" element={<InvoicesPage />} />
          <Route path="invoices/:id" element={<InvoicePage />} />
          <Route path="records" element={<RecordsPage />} />
          <Route path="import" element={<ImportPage />} />
          <Route path="catalog" element={<CatalogPage />} />
          <Route path="jobs" element={<JobsPage />} />
          <Route path="alerts" element={<AlertsPage />} />
          <Route path="reports" element={<ReportsPage />} />
          <Route path="costs" element={<CostsPage />} />
          <Route
            path="graphiql"
            element={
              <Suspense fallback={<Loading what="Loading GraphiQL" />}>
                <GraphiQLPage />
              </Suspense>
            }
          />
          <Route path="*" element={<NotFound />} />
        </Route>
      </Routes>
    </Provider>
  );
}

/** The pages behind sign-in: the viewer is known before any of them renders. */
function SignedIn({ onSignedOut }: { onSignedOut: () => void }) {
  const location = useLocation();
  const hasCookie = mayHaveSession();
  const [{ data, fetching, error }, refetch] = useQuery({
    query: ViewerQuery,
    pause: !hasCookie,
    requestPolicy: "network-only",
  });
  if (!hasCookie) {
    return <Navigate to="/signin" replace state={{ from: location.pathname + location.search }} />;
  }
  if (error) {
    return (
      <main className="centered">
        <ErrorState error={error} retry={() => refetch({ requestPolicy: "network-only" })} />
      </main>
    );
  }
  if (fetching || !data) {
    return (
      <main className="centered">
        <Loading what="Signing in" />
      </main>
    );
  }
  const v = data.viewer;
  const viewer: Viewer = {
    keyId: v.keyId,
    role: v.role,
    companyId: v.companyId ?? null,
    companyName: v.company?.name ?? null,
    sessionExpiresAt: v.sessionExpiresAt ?? null,
  };
  return (
    <ViewerContext.Provider value={viewer}>
      <Layout onSignedOut={onSignedOut}>
        <Outlet />
      </Layout>
    </ViewerContext.Provider>
  );
}
