import { useQuery } from "urql";

import { CompanyNamesQuery } from "./queries";

/** Company names by id (the first 500 companies this key may see, archived ones too: their
 * history stays readable), for labels and filters. */
export function useCompanyNames(): Map<string, { name: string; externalKey: string }> {
  const [{ data }] = useQuery({ query: CompanyNamesQuery, variables: { first: 500, after: null } });
  const names = new Map<string, { name: string; externalKey: string }>();
  for (const edge of data?.companies.edges ?? []) names.set(edge.node.id, edge.node);
  return names;
}
