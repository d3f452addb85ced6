import type { Role } from "./session";

export interface NavItem {
  to: string;
  label: string;
  roles: readonly Role[];
}

const ALL: readonly Role[] = ["ADMIN", "COMPANY_ADMIN", "VIEWER"];
const ADMIN: readonly Role[] = ["ADMIN"];

/** The console's sections, and who sees each in the navigation. */
export const NAV: readonly NavItem[] = [
  { to: "/", label: "Overview", roles: ALL },
  { to: "/companies", label: "Companies", roles: ADMIN },
  { to: "/usage", label: "Usage explorer", roles: ALL },
  { to: "/contracts", label: "Contracts", roles: ADMIN },
  { to: "/invoices", label: "Invoices", roles: ALL },
  { to: "/records", label: "Usage records", roles: ALL },
  { to: "/import", label: "Import usage", roles: ADMIN },
  { to: "/catalog", label: "Metrics and products", roles: ALL },
  { to: "/jobs", label: "Jobs", roles: ADMIN },
  { to: "/alerts", label: "Alerts", roles: ALL },
  { to: "/reports", label: "Reports", roles: ALL },
  { to: "/costs", label: "Costs", roles: ADMIN },
  { to: "/graphiql", label: "GraphiQL", roles: ALL },
];

export function navFor(role: Role): NavItem[] {
  return NAV.filter((item) => item.roles.includes(role));
}
