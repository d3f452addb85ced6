import { graphql } from "../gql";

export const ViewerQuery = graphql(`
  query Viewer {
    viewer {
      keyId
      role
      companyId
      company {
        id
        name
        externalKey
      }
      sessionExpiresAt
    }
  }
`);

export const MetricsQuery = graphql(`
  query Metrics {
    metricsConnection(first: 500) {
      edges {
        node {
          code
          name
          unit
          resourceType
          measurementType
          aggregation
          interval
          description
        }
      }
    }
  }
`);

export const CompanyNamesQuery = graphql(`
  query CompanyNames($first: Int!, $after: String) {
    companies(first: $first, after: $after, includeArchived: true) {
      edges {
        node {
          id
          name
          externalKey
        }
      }
      pageInfo {
        hasNextPage
        endCursor
      }
    }
  }
`);

/** The items of a connection's page, in order (none while it loads). */
export function nodesOf<T>(connection: { edges: readonly { node: T }[] } | null | undefined): T[] {
  return connection?.edges.map((e) => e.node) ?? [];
}
