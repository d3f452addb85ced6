import { UsagePanel } from "../components/UsagePanel";
import { useUsageParams } from "../lib/usageParams";
import { useCompanyNames } from "../lib/useCompanyNames";
import { isAdmin, useViewer } from "../lib/viewer";

export function UsageExplorerPage() {
  const viewer = useViewer();
  const [params, update] = useUsageParams();
  const names = useCompanyNames();
  return (
    <>
      <div className="page-head">
        <h1>Usage explorer</h1>
        <p className="subtle">
          Every option of <code>aggregateUsage</code>. The address bar holds the query: copy it to share this view.
        </p>
      </div>
      {isAdmin(viewer) ? (
        <div className="toolbar card">
          <label htmlFor="explorer-company">Company</label>
          <select
            id="explorer-company"
            value={params.companyId ?? ""}
            onChange={(e) => update({ companyId: e.target.value || null })}
          >
            <option value="">Every company</option>
            {[...names.entries()].map(([id, c]) => (
              <option key={id} value={id}>
                {c.name}
              </option>
            ))}
          </select>
        </div>
      ) : null}
      <UsagePanel explorer companyId={viewer.companyId ?? undefined} />
    </>
  );
}
