/** A company's billing details, as one line of the company page. */

export type BillingDetails = {
  legalName?: string | null;
  addressLines: string[];
  city?: string | null;
  postalCode?: string | null;
  country?: string | null;
  taxId?: string | null;
  email?: string | null;
};

/** "Billed to Customer A Ltd, 1 Main Street, EC1A 1BB London, GB · tax id … · ap@…", or "" when none is set. */
export function billedTo(b: BillingDetails): string {
  const place = [b.postalCode, b.city].filter(Boolean).join(" ");
  const address = [b.legalName, ...b.addressLines, place, b.country].filter(Boolean).join(", ");
  const parts = [address, b.taxId ? `tax id ${b.taxId}` : "", b.email ?? ""].filter(Boolean);
  return parts.length ? `Billed to ${parts.join(" · ")}` : "";
}
