// Who is signed in: the `viewer` query, shared by every page.
import { createContext, useContext } from "react";

import type { Role } from "./session";

export interface Viewer {
  keyId: string;
  role: Role;
  companyId: string | null;
  companyName: string | null;
  sessionExpiresAt: string | null;
}

export const ViewerContext = createContext<Viewer | null>(null);

export function useViewer(): Viewer {
  const viewer = useContext(ViewerContext);
  if (!viewer) throw new Error("useViewer outside a signed-in page");
  return viewer;
}

export const isAdmin = (viewer: Viewer): boolean => viewer.role === "ADMIN";

/** A COMPANY_ADMIN or VIEWER: sees its own company only (the customer portal). */
export const isCustomer = (viewer: Viewer): boolean =>
  viewer.role === "COMPANY_ADMIN" || viewer.role === "VIEWER";

export const ROLE_LABELS: Record<Role, string> = {
  ADMIN: "Operator (ADMIN)",
  SYSTEM: "Ingest (SYSTEM)",
  COMPANY_ADMIN: "Company admin",
  VIEWER: "Viewer",
};
