// Loading, empty and error states: never a blank page.
import type { ReactNode } from "react";
import type { CombinedError } from "urql";

import { describeError } from "../lib/errors";

export function Loading({ what = "Loading" }: { what?: string }) {
  return (
    <div className="state state-loading" role="status" aria-live="polite">
      <span className="spinner" aria-hidden="true" />
      {what}…
    </div>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="state state-empty">
      <p className="state-title">{title}</p>
      {children ? <div className="state-body">{children}</div> : null}
    </div>
  );
}

export function ErrorState({
  error,
  retry,
}: {
  error: CombinedError | Error | string;
  retry?: () => void;
}) {
  const text = typeof error === "string" ? error : describeError(error);
  return (
    <div className="state state-error" role="alert">
      <p className="state-title">Something went wrong</p>
      <p>{text}</p>
      {retry ? (
        <button type="button" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

export function NotFound({ what = "page" }: { what?: string }) {
  return (
    <div className="state state-empty">
      <h1>Not found</h1>
      <p>
        This {what} does not exist, or your key may not see it.
      </p>
    </div>
  );
}

export function Banner({ kind, children }: { kind: "error" | "info" | "success"; children: ReactNode }) {
  return (
    <div className={`banner banner-${kind}`} role={kind === "error" ? "alert" : "status"}>
      {children}
    </div>
  );
}
